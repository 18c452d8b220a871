// The request decision (decide), exhaustively: every mode, method and path case — unit harness, pure modules in workerd.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";
import { decide, type RequestFacts } from "../../src/core/decide";
import type { StateDoc } from "../../src/core/doc";
import { compilePolicy } from "../../src/core/policy";
import { doc } from "../support/docs";

const NOW = Date.parse("2026-06-01T12:00:00Z");
const config = parseConfig({ ALLOW_IPS: "198.51.100.7, 2001:db8::/32" } as never);

const policy = (partial: Partial<StateDoc> | null) => compilePolicy(partial ? doc(partial, new Date(NOW)) : null, null, config);
const facts = (f: Partial<RequestFacts> = {}): RequestFacts => ({
  method: "GET", path: "/", ip: "192.0.2.1", bypass: false, upgrade: false, methodOverride: null, user: null, ...f,
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
