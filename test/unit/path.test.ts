// Path normalisation and allowlist path patterns (normalisePath, pathMatches) — unit harness, pure modules in workerd.
import { describe, it, expect } from "vitest";
import { normalisePath, parsePathPattern, parsePathPatterns, pathMatches } from "../../src/core/path";

const patterns = parsePathPatterns(["/healthz", "/up", "/webhooks/*"]);

describe("normalisePath", () => {
  const cases: Array<[string, string]> = [
    ["/", "/"],
    ["/healthz", "/healthz"],
    ["/healthz/", "/healthz/"],
    ["//healthz", "/healthz"],
    ["/a//b///c", "/a/b/c"],
    ["/healthz/../admin", "/admin"],
    ["/a/./b", "/a/b"],
    ["/a/b/..", "/a/"],
    ["/a/.", "/a/"],
    ["/../../etc/passwd", "/etc/passwd"],
    ["/%2e%2e/admin", "/admin"],
    ["/healthz/%2E%2e/admin", "/admin"],
    ["/%2e/x", "/x"],
    ["/caf%C3%A9", "/café"],
    ["/a%20b", "/a b"],
    ["/Healthz", "/Healthz"],
  ];
  for (const [raw, expected] of cases) {
    it(`normalises ${raw} to ${expected}`, () => {
      expect(normalisePath(raw)).toBe(expected);
    });
  }

  const undecodable = ["/a%2fb", "/a%2Fb", "/a%5cb", "/a\\b", "/a%00b", "/a%0d%0ab", "/a%", "/a%zz", "/a%c3", "/a%ff", "", "healthz", "/a\u0000b"];
  for (const raw of undecodable) {
    it(`cannot safely decode ${JSON.stringify(raw)}`, () => {
      expect(normalisePath(raw)).toBeNull();
    });
  }

  it("keeps case, because the origin may treat /Healthz as another resource", () => {
    expect(normalisePath("/HEALTHZ")).toBe("/HEALTHZ");
  });
});

describe("parsePathPattern", () => {
  it("reads an exact path and a prefix pattern", () => {
    expect(parsePathPattern("/healthz")).toEqual({ entry: "/healthz", kind: "exact", path: "/healthz" });
    expect(parsePathPattern("/webhooks/*")).toEqual({ entry: "/webhooks/*", kind: "prefix", path: "/webhooks" });
    expect(parsePathPattern(" /up ")).toEqual({ entry: "/up", kind: "exact", path: "/up" });
  });

  const invalid = [
    "", "healthz", "*", "/web*", "/webhooks/*/x", "/a/**", "/webhooks//*", "//healthz", "/a/../b", "/a/./b", "/..", "/a/..",
    "/%2e%2e/x", "/a%20b", "/a\\b", "/a b", "/a\tb", "/a;b", "/café", "/a?x=1", "/a#b", "/" + "a".repeat(512),
  ];
  for (const entry of invalid) {
    it(`refuses ${JSON.stringify(entry.slice(0, 30))} with an error naming it`, () => {
      expect(() => parsePathPattern(entry)).toThrow(`Invalid path pattern: "${entry}"`);
    });
  }

  it("says why a pattern was refused", () => {
    expect(() => parsePathPattern("/%2e%2e/x")).toThrow(/percent-escapes/);
    expect(() => parsePathPattern("/a/../b")).toThrow(/"\.\."/);
    expect(() => parsePathPattern("healthz")).toThrow(/must start with "\/"/);
  });

  it("names the bad entry in a list", () => {
    expect(() => parsePathPatterns(["/healthz", "/x/../y"])).toThrow('"/x/../y"');
  });
});

describe("pathMatches", () => {
  it("lets exact and prefix patterns through", () => {
    expect(pathMatches("/healthz", patterns)).toBe(true);
    expect(pathMatches("/up", patterns)).toBe(true);
    expect(pathMatches("/webhooks/stripe", patterns)).toBe(true);
    expect(pathMatches("/webhooks/stripe/events", patterns)).toBe(true);
  });

  it("lets a prefix pattern match its own directory, with and without the slash", () => {
    expect(pathMatches("/webhooks", patterns)).toBe(true);
    expect(pathMatches("/webhooks/", patterns)).toBe(true);
  });

  it("does not let a prefix pattern match a longer sibling name", () => {
    expect(pathMatches("/webhooksx", patterns)).toBe(false);
    expect(pathMatches("/webhooks-admin/x", patterns)).toBe(false);
  });

  it("does not match an exact path with a trailing slash or a suffix", () => {
    expect(pathMatches("/healthz/", patterns)).toBe(false);
    expect(pathMatches("/healthz/x", patterns)).toBe(false);
    expect(pathMatches("/healthzz", patterns)).toBe(false);
    expect(pathMatches("/healthz.json", patterns)).toBe(false);
  });

  const attacks = [
    "/healthz/../admin",
    "/%2e%2e/",
    "/%2e%2e/healthz",
    "//healthz",
    "/healthz//",
    "/./healthz",
    "/healthz/.",
    "/healthz/%2e%2e/admin",
    "/webhooks/../admin",
    "/webhooks/%2e%2e/admin",
    "/webhooks/%2E%2E/admin",
    "/webhooks/..%2fadmin",
    "/webhooks/%2fadmin",
    "/webhooks/..;/admin",
    "/webhooks;/x",
    "/healthz;x=1",
    "/webhooks\\..\\admin",
    "/Healthz",
    "/HEALTHZ",
    "/Webhooks/stripe",
    "/%68ealthz",
    "/healthz%00",
    "/healthz%20",
    "/webhooks/%",
  ];
  for (const path of attacks) {
    it(`does not allowlist ${path}`, () => {
      expect(pathMatches(path, patterns)).toBe(false);
    });
  }

  it("still refuses a non-canonical path after the URL parser has handled it", () => {
    // The WHATWG parser resolves "." and ".." but keeps "//" and "%2f".
    expect(pathMatches(new URL("https://x.test/healthz/../admin").pathname, patterns)).toBe(false);
    expect(pathMatches(new URL("https://x.test//healthz").pathname, patterns)).toBe(false);
    expect(pathMatches(new URL("https://x.test/webhooks/x%2f..%2f..%2fadmin").pathname, patterns)).toBe(false);
    expect(pathMatches(new URL("https://x.test/healthz").pathname, patterns)).toBe(true);
  });

  it("matches nothing with an empty list", () => {
    expect(pathMatches("/healthz", [])).toBe(false);
  });

  it("lets /* allowlist every canonical path", () => {
    const all = parsePathPatterns(["/*"]);
    expect(pathMatches("/", all)).toBe(true);
    expect(pathMatches("/anything/at/all", all)).toBe(true);
    expect(pathMatches("//x", all)).toBe(false);
  });
});
