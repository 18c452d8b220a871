// Configuration (parseConfig): documented defaults, and errors that name the bad variable — unit harness, pure modules in workerd.
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, type Bindings } from "../../src/config";

const parse = (vars: Partial<Bindings>) => parseConfig(vars as Bindings);

describe("configuration", () => {
  it("has documented defaults", () => {
    const c = parse({});
    expect(c).toMatchObject({ adminPrefix: "/__maint", cacheMs: 5000, failMode: "open", origin: null, allowPaths: ["/healthz", "/up"], allowIps: [] });
    expect(c.bypassCookieSeconds).toBe(12 * 3600);
  });

  it.each([
    ["CACHE_SECONDS", { CACHE_SECONDS: "soon" }],
    ["CACHE_SECONDS", { CACHE_SECONDS: "-1" }],
    ["FAIL_MODE", { FAIL_MODE: "maybe" }],
    ["ORIGIN_URL", { ORIGIN_URL: "not a url" }],
    ["ORIGIN_URL", { ORIGIN_URL: "ftp://example.org" }],
    ["ADMIN_PREFIX", { ADMIN_PREFIX: "__maint" }],
    ["ADMIN_PREFIX", { ADMIN_PREFIX: "/__maint/" }],
    ["ALLOW_IPS", { ALLOW_IPS: "10.0.0.0/8, 300.1.1.1" }],
    ["ALLOW_PATHS", { ALLOW_PATHS: "healthz" }],
    ["SIGN_OUT_COOKIES", { SIGN_OUT_COOKIES: "session; Domain=evil" }],
    ["WEBHOOK_URLS", { WEBHOOK_URLS: "javascript:alert(1)" }],
  ])("throws an error naming %s for a bad value", (name, vars) => {
    let error: unknown;
    try {
      parse(vars as Partial<Bindings>);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message.startsWith(`${name}:`)).toBe(true);
  });

  it("keeps only the origin of ORIGIN_URL (path and query come from each request)", () => {
    expect(parse({ ORIGIN_URL: "http://127.0.0.1:8788/ignored?x=1" }).origin).toBe("http://127.0.0.1:8788");
  });

  it("reads comma or space separated lists", () => {
    expect(parse({ ALLOW_IPS: "10.0.0.0/8,  192.0.2.1\n2001:db8::/32" }).allowIps).toEqual(["10.0.0.0/8", "192.0.2.1", "2001:db8::/32"]);
  });

  it("lets ALLOW_PATHS be emptied on purpose", () => {
    expect(parse({ ALLOW_PATHS: "" }).allowPaths).toEqual([]);
  });
});
