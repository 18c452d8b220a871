// The request decision (decide), exhaustively: every mode, method and path case — unit harness, pure modules in workerd.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";
import { decide, methodOverrides, type RequestFacts } from "../../src/core/decide";
import type { StateDoc } from "../../src/core/doc";
import { compilePolicy } from "../../src/core/policy";
import type { Rule } from "../../src/core/rules";
import { doc } from "../support/docs";

const NOW = Date.parse("2026-06-01T12:00:00Z");
const config = parseConfig({ ALLOW_IPS: "198.51.100.7, 2001:db8::/32" } as never);

const policy = (partial: Partial<StateDoc> | null) => compilePolicy(partial ? doc(partial, new Date(NOW)) : null, null, config);
const facts = (f: Partial<RequestFacts> = {}): RequestFacts => ({
  method: "GET", path: "/", ip: "192.0.2.1", bypass: false, upgrade: false, methodOverrides: [], user: null, ...f,
});

const ALL_METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "PURGE", "propfind", "CONNECT"];
const WRITES = ALL_METHODS.filter((m) => !["GET", "HEAD", "OPTIONS"].includes(m));

describe("off", () => {
  it.each(ALL_METHODS)("passes %s with no document stored", (method) => {
    expect(decide(facts({ method }), policy(null), NOW)).toEqual({ action: "pass", reason: "off", announce: false });
  });
  it.each(ALL_METHODS)("passes %s when stored off", (method) => {
    expect(decide(facts({ method }), policy({ mode: "off" }), NOW).action).toBe("pass");
  });
});

describe("maintenance", () => {
  it.each(ALL_METHODS)("shows the page for %s", (method) => {
    expect(decide(facts({ method }), policy({}), NOW)).toEqual({ action: "maintenance", rule: null });
  });
  it.each(["/healthz", "/up"])("passes the default allowlisted path %s", (path) => {
    expect(decide(facts({ path }), policy({}), NOW)).toMatchObject({ action: "pass", reason: "allow-path" });
  });
  it.each(["/healthz/../admin", "/%2e%2e/healthz", "//healthz", "/healthz/x", "/HEALTHZ", "/upload"])(
    "does not let %s slip through the path allowlist",
    (path) => {
      expect(decide(facts({ path }), policy({}), NOW).action).toBe("maintenance");
    },
  );
  it("passes a site's own allowlisted path prefix", () => {
    const p = policy({ allow: { ips: [], paths: ["/webhooks/*"] } });
    expect(decide(facts({ path: "/webhooks/stripe", method: "POST" }), p, NOW)).toMatchObject({ reason: "allow-path" });
    expect(decide(facts({ path: "/webhook-evil" }), p, NOW).action).toBe("maintenance");
  });
  it("passes allowlisted IPs from config and from the site, and nobody else", () => {
    const p = policy({ allow: { ips: ["203.0.113.0/24"], paths: [] } });
    expect(decide(facts({ ip: "198.51.100.7" }), p, NOW)).toMatchObject({ reason: "allow-ip" });
    expect(decide(facts({ ip: "2001:db8::1" }), p, NOW)).toMatchObject({ reason: "allow-ip" });
    expect(decide(facts({ ip: "203.0.113.200", method: "POST" }), p, NOW)).toMatchObject({ reason: "allow-ip" });
    expect(decide(facts({ ip: "203.0.114.1" }), p, NOW).action).toBe("maintenance");
    expect(decide(facts({ ip: null }), p, NOW).action).toBe("maintenance");
  });
  it.each(ALL_METHODS)("passes a bypass holder's %s", (method) => {
    expect(decide(facts({ method, bypass: true }), policy({}), NOW)).toMatchObject({ action: "pass", reason: "bypass" });
  });
});

describe("read-only", () => {
  it.each(["GET", "HEAD", "OPTIONS", "get"])("passes %s with the banner", (method) => {
    expect(decide(facts({ method }), policy({ mode: "read-only" }), NOW)).toEqual({ action: "pass", reason: "read", announce: true });
  });
  it.each(WRITES)("refuses %s", (method) => {
    expect(decide(facts({ method }), policy({ mode: "read-only" }), NOW)).toEqual({ action: "refuse-write", rule: null });
  });
  it.each(WRITES)("lets a bypass holder's %s through", (method) => {
    expect(decide(facts({ method, bypass: true }), policy({ mode: "read-only" }), NOW)).toMatchObject({ reason: "bypass" });
  });
  it("lets an allowlisted path take writes (payment webhooks)", () => {
    const p = policy({ mode: "read-only", allow: { ips: [], paths: ["/webhooks/*"] } });
    expect(decide(facts({ method: "POST", path: "/webhooks/stripe" }), p, NOW)).toMatchObject({ reason: "allow-path" });
  });
});

describe("windows", () => {
  const start = new Date(NOW + 3_600_000).toISOString();
  const end = new Date(NOW + 7_200_000).toISOString();
  it("passes before the start without a banner until the announcement", () => {
    const p = policy({ startsAt: start, announceFrom: new Date(NOW + 60_000).toISOString() });
    expect(decide(facts(), p, NOW)).toEqual({ action: "pass", reason: "scheduled", announce: false });
  });
  it("passes with a banner from announceFrom (default 24 h ahead)", () => {
    expect(decide(facts(), policy({ startsAt: start }), NOW)).toEqual({ action: "pass", reason: "scheduled", announce: true });
  });
  it("applies the mode from startsAt by itself", () => {
    expect(decide(facts(), policy({ startsAt: start }), Date.parse(start))).toEqual({ action: "maintenance", rule: null });
    expect(decide(facts(), policy({ startsAt: start }), Date.parse(start) - 1).action).toBe("pass");
  });
  it("stays on past endsAt unless autoEnd", () => {
    expect(decide(facts(), policy({ endsAt: end }), Date.parse(end) + 1).action).toBe("maintenance");
    expect(decide(facts(), policy({ endsAt: end, autoEnd: true }), Date.parse(end) - 1).action).toBe("maintenance");
    expect(decide(facts(), policy({ endsAt: end, autoEnd: true }), Date.parse(end))).toMatchObject({ action: "pass", reason: "ended" });
  });
});

describe("read-only side doors", () => {
  const ro = () => policy({ mode: "read-only" });
  it("refuses a protocol upgrade (WebSocket, h2c), whose stream could carry writes", () => {
    expect(decide(facts({ upgrade: true }), ro(), NOW)).toEqual({ action: "refuse-write", rule: null });
  });
  it("lets upgrades through with READ_ONLY_UPGRADES=pass", () => {
    const p = compilePolicy(doc({ mode: "read-only" }, new Date(NOW)), null, parseConfig({ READ_ONLY_UPGRADES: "pass" } as never));
    expect(decide(facts({ upgrade: true }), p, NOW)).toMatchObject({ action: "pass", reason: "read" });
  });
  it.each(["DELETE", "POST", "PUT", "PATCH"])("refuses a GET whose method override names a write (%j)", (override) => {
    expect(decide(facts({ methodOverrides: [override] }), ro(), NOW)).toEqual({ action: "refuse-write", rule: null });
  });
  it("passes a GET whose override names a read, and refuses a POST that claims to be a GET", () => {
    expect(decide(facts({ methodOverrides: ["HEAD"] }), ro(), NOW)).toMatchObject({ action: "pass" });
    expect(decide(facts({ method: "POST", methodOverrides: ["GET"] }), ro(), NOW).action).toBe("refuse-write");
  });
  it("reads every override: each header, each value of a comma list, and _method in the query", () => {
    const headers = new Headers({ "x-http-method-override": "POST", "x-http-method": "delete", "x-method-override": " get , Patch " });
    expect(methodOverrides((n) => headers.get(n), "?a=1&_method=put&_method=")).toEqual(["POST", "DELETE", "GET", "PATCH", "PUT"]);
    expect(methodOverrides(() => null, "?method=DELETE")).toEqual([]);
  });
  it("lets a bypass holder upgrade", () => {
    expect(decide(facts({ upgrade: true, bypass: true }), ro(), NOW)).toMatchObject({ action: "pass", reason: "bypass" });
  });
});

describe("rules", () => {
  const rule = (r: Partial<Rule> & { id: string }): Rule => ({ paths: [], methods: [], users: [], percent: null, mode: "maintenance", message: null, banner: false, ...r });
  const withRules = (rules: Rule[], partial: Partial<StateDoc> = { mode: "off" }) => policy({ ...partial, rules });
  const search = rule({ id: "search", paths: ["/search/*"], message: "Search is being rebuilt" });
  const checkout = rule({ id: "checkout", paths: ["/checkout/*", "/cart"], mode: "read-only" });

  it("blocks what a feature rule covers and passes the rest of the site", () => {
    const p = withRules([search]);
    expect(decide(facts({ path: "/search/shoes" }), p, NOW)).toEqual({ action: "maintenance", rule: search });
    expect(decide(facts({ path: "/search" }), p, NOW).action).toBe("maintenance");
    expect(decide(facts({ path: "/" }), p, NOW)).toMatchObject({ action: "pass", reason: "no-rule" });
    expect(decide(facts({ path: "/searching" }), p, NOW).action).toBe("pass");
  });

  it.each(["/%73earch/x", "//search/x", "/x/../search/x", "/SEARCH/x", "/search;jsessionid=1/x", "/search./x", "/./search/x", "/search%2fx", "\\search\\x"])(
    "blocks the canonical form of %s: no spelling dodges a rule",
    (path) => {
      expect(decide(facts({ path }), withRules([search]), NOW)).toEqual({ action: "maintenance", rule: search });
    },
  );

  it("takes the first rule that matches when rules overlap", () => {
    const all = rule({ id: "all-search", paths: ["/search/*"], mode: "read-only" });
    expect(decide(facts({ path: "/search/x", method: "POST" }), withRules([all, search]), NOW)).toEqual({ action: "refuse-write", rule: all });
    expect(decide(facts({ path: "/search/x", method: "POST" }), withRules([search, all]), NOW)).toEqual({ action: "maintenance", rule: search });
  });

  it("refuses writes and passes reads under a read-only rule", () => {
    const p = withRules([checkout]);
    expect(decide(facts({ path: "/checkout/pay", method: "POST" }), p, NOW)).toEqual({ action: "refuse-write", rule: checkout });
    expect(decide(facts({ path: "/cart", method: "DELETE" }), p, NOW).action).toBe("refuse-write");
    expect(decide(facts({ path: "/checkout/pay" }), p, NOW)).toMatchObject({ action: "pass", reason: "read" });
    expect(decide(facts({ path: "/checkout/pay", methodOverrides: ["DELETE"] }), p, NOW).action).toBe("refuse-write");
  });

  it.each(["post", "POST", "Post"])("matches methods whatever their case (%s)", (method) => {
    const signup = rule({ id: "signup", methods: ["POST"], paths: ["/signup"] });
    expect(decide(facts({ path: "/signup", method }), withRules([signup]), NOW).action).toBe("maintenance");
    expect(decide(facts({ path: "/signup" }), withRules([signup]), NOW).action).toBe("pass");
  });

  it.each(["/%u0073earch/x", "/%2573earch/x", "/search.json", "/SEARCH.html"])("blocks what an IIS, a double decoder or a (.:format) route reads as search: %s", (path) => {
    expect(decide(facts({ path }), withRules([search]), NOW).action).toBe("maintenance");
  });

  it("matches a method rule through every override, and HEAD under GET", () => {
    const deletes = rule({ id: "no-deletes", methods: ["DELETE"], paths: ["/orders/*"] });
    const p = withRules([deletes]);
    expect(decide(facts({ method: "POST", path: "/orders/5", methodOverrides: ["POST", "DELETE"] }), p, NOW).action).toBe("maintenance");
    expect(decide(facts({ method: "POST", path: "/orders/5" }), p, NOW).action).toBe("pass");
    const reads = rule({ id: "no-reads", methods: ["GET"], paths: ["/report"] });
    expect(decide(facts({ method: "HEAD", path: "/report" }), withRules([reads]), NOW).action).toBe("maintenance");
  });

  it("never lets a read-only rule loosen a site in full maintenance", () => {
    const ro = rule({ id: "api", paths: ["/api/*"], mode: "read-only" });
    const p = withRules([ro], { mode: "maintenance" });
    expect(decide(facts({ path: "/api/x" }), p, NOW)).toEqual({ action: "maintenance", rule: null });
    const userRo = rule({ id: "alice", users: ["alice"], mode: "read-only" });
    expect(decide(facts({ user: "alice" }), withRules([userRo], { mode: "maintenance" }), NOW).action).toBe("maintenance");
    // A maintenance rule on a read-only site is the stricter one: it applies.
    expect(decide(facts({ path: "/search/x" }), withRules([search], { mode: "read-only" }), NOW)).toEqual({ action: "maintenance", rule: search });
  });

  it("lets the site's own mode apply when no rule matches", () => {
    const p = withRules([search], { mode: "read-only" });
    expect(decide(facts({ path: "/", method: "POST" }), p, NOW)).toEqual({ action: "refuse-write", rule: null });
    expect(decide(facts({ path: "/search/x" }), p, NOW)).toEqual({ action: "maintenance", rule: search });
    expect(decide(facts({ path: "/" }), withRules([search], { mode: "maintenance" }), NOW)).toEqual({ action: "maintenance", rule: null });
  });

  it("lets allowlisted paths and IPs, and bypass holders, pass rules as they pass the site's mode", () => {
    const p = withRules([rule({ id: "everything", paths: ["/*"] })], { mode: "off", allow: { ips: ["203.0.113.0/24"], paths: ["/healthz"] } });
    expect(decide(facts({ path: "/x" }), p, NOW).action).toBe("maintenance");
    expect(decide(facts({ path: "/healthz" }), p, NOW)).toMatchObject({ reason: "allow-path" });
    expect(decide(facts({ path: "/x", ip: "203.0.113.9" }), p, NOW)).toMatchObject({ reason: "allow-ip" });
    expect(decide(facts({ path: "/x", bypass: true }), p, NOW)).toMatchObject({ reason: "bypass" });
  });

  describe("for users", () => {
    const alice = rule({ id: "migrate", users: ["alice", "carol"] });
    it("blocks only the users it lists", () => {
      const p = withRules([alice]);
      expect(decide(facts({ user: "alice" }), p, NOW)).toEqual({ action: "maintenance", rule: alice });
      expect(decide(facts({ user: "bob" }), p, NOW).action).toBe("pass");
    });
    it("never matches an anonymous visitor", () => {
      expect(decide(facts({ user: null }), withRules([alice]), NOW).action).toBe("pass");
      expect(decide(facts({ user: null }), withRules([rule({ id: "half", percent: 100 })]), NOW).action).toBe("pass");
    });
    it("combines users with paths: the user waits only on those paths", () => {
      const orders = rule({ id: "orders", users: ["alice"], paths: ["/orders/*"] });
      expect(decide(facts({ user: "alice", path: "/orders/1" }), withRules([orders]), NOW).action).toBe("maintenance");
      expect(decide(facts({ user: "alice", path: "/menu" }), withRules([orders]), NOW).action).toBe("pass");
    });
    it("takes a user in when the bucket falls under the percentage, and keeps them as it rises", () => {
      const at = (percent: number) => withRules([rule({ id: "rollout", percent })]);
      const users = Array.from({ length: 400 }, (_, i) => `user-${i}`);
      const inAt = (percent: number) => new Set(users.filter((user) => decide(facts({ user }), at(percent), NOW).action === "maintenance"));
      const quarter = inAt(25);
      const half = inAt(50);
      for (const user of quarter) expect(half.has(user)).toBe(true);
      expect(inAt(0).size).toBe(0);
      expect(inAt(100).size).toBe(users.length);
    });
  });

  it("passes with the banner on working pages when a rule asks for it, and only then", () => {
    const shown = rule({ id: "search-note", paths: ["/search/*"], message: "Search is being rebuilt; everything else works", banner: true });
    expect(decide(facts({ path: "/" }), withRules([shown]), NOW)).toEqual({ action: "pass", reason: "no-rule", announce: true });
    expect(decide(facts({ path: "/" }), withRules([search]), NOW)).toEqual({ action: "pass", reason: "no-rule", announce: false });
  });
});
