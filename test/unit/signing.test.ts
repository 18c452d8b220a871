// Bypass tokens (signBypass, verifyBypass) and safe next paths (safeNextPath) — unit harness, pure modules in workerd.
import { describe, it, expect } from "vitest";
import { signBypass, verifyBypass, type BypassClaims } from "../../src/bypass/signing";
import { safeNextPath } from "../../src/core/redirect";

const SECRET = "unit-test-secret-0123456789abcdef";
const NOW = 1_800_000_000;
const link: BypassClaims = { purpose: "link", site: "example.org", exp: NOW + 900, iat: 1_700_000_000_000, next: "/admin?tab=1" };
const cookie: BypassClaims = { purpose: "cookie", site: "example.org", exp: NOW + 43_200, iat: 1_700_000_000_000 };
const asLink = { purpose: "link" as const, site: "example.org", revokedBefore: 1_700_000_000_000, now: NOW };
const asCookie = { ...asLink, purpose: "cookie" as const };

// Re-encodes the payload with one field changed, keeping the original signature.
function tamper(token: string, change: (wire: Record<string, unknown>) => void): string {
  const [payload, sig] = token.split(".");
  const json = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
  change(json);
  const b64 = btoa(JSON.stringify(json)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${b64}.${sig}`;
}

function flip(ch: string): string {
  return ch === "A" ? "B" : "A";
}

describe("signBypass / verifyBypass", () => {
  it("round-trips a link token with its claims", async () => {
    const token = await signBypass(SECRET, link);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(await verifyBypass(SECRET, token, asLink)).toEqual({ ok: true, claims: link });
  });

  it("round-trips a cookie without a next path", async () => {
    const value = await signBypass(SECRET, cookie);
    expect(await verifyBypass(SECRET, value, asCookie)).toEqual({ ok: true, claims: cookie });
  });

  it("does not put the secret in the token", async () => {
    const token = await signBypass(SECRET, link);
    expect(token).not.toContain(SECRET);
    expect(atob(token.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/"))).not.toContain(SECRET);
  });

  describe("rejects a token whose payload was edited", () => {
    const edits: Array<[string, (w: Record<string, unknown>) => void]> = [
      ["site", (w) => (w.s = "evil.example")],
      ["site widened to *", (w) => (w.s = "*")],
      ["expiry", (w) => (w.x = (w.x as number) + 86_400)],
      ["iat", (w) => (w.i = 1_800_000_000_000)],
      ["purpose", (w) => (w.p = "c")],
      ["next", (w) => (w.n = "/elsewhere")],
      ["next removed", (w) => delete w.n],
    ];
    for (const [field, edit] of edits) {
      it(`with a changed ${field}`, async () => {
        const token = await signBypass(SECRET, link);
        const forged = tamper(token, edit);
        expect(forged).not.toBe(token);
        const expectAs = field === "purpose" ? asCookie : asLink;
        expect(await verifyBypass(SECRET, forged, expectAs)).toEqual({ ok: false, reason: "bad-signature" });
      });
    }
  });

  it("rejects a signature with any single character flipped", async () => {
    const token = await signBypass(SECRET, link);
    const dot = token.indexOf(".");
    // Every position of the tag, including the last (which carries unused bits).
    for (let i = dot + 1; i < token.length; i++) {
      const forged = token.slice(0, i) + flip(token[i]!) + token.slice(i + 1);
      const result = await verifyBypass(SECRET, forged, asLink);
      expect(result.ok, `position ${i}`).toBe(false);
    }
  });

  it("refuses a second spelling of the same tag (unused trailing bits set)", async () => {
    const token = await signBypass(SECRET, link);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // 43 characters carry 258 bits for a 256-bit tag: the last character's low
    // two bits are unused, so toggling them decodes to the very same bytes.
    const last = alphabet[alphabet.indexOf(token.at(-1)!) ^ 1]!;
    const respelled = token.slice(0, -1) + last;
    expect(await verifyBypass(SECRET, respelled, asLink)).toEqual({ ok: false, reason: "malformed" });
  });

  it("rejects a payload with any single character flipped", async () => {
    const token = await signBypass(SECRET, link);
    for (let i = 0; i < token.indexOf("."); i++) {
      const forged = token.slice(0, i) + flip(token[i]!) + token.slice(i + 1);
      expect((await verifyBypass(SECRET, forged, asLink)).ok, `position ${i}`).toBe(false);
    }
  });

  it("rejects a truncated, missing or empty signature", async () => {
    const token = await signBypass(SECRET, link);
    const payload = token.split(".")[0]!;
    // 40 characters decode cleanly to 30 bytes: a short tag, not junk.
    expect(await verifyBypass(SECRET, token.slice(0, -3), asLink)).toEqual({ ok: false, reason: "bad-signature" });
    expect((await verifyBypass(SECRET, token.slice(0, -1), asLink)).ok).toBe(false);
    expect(await verifyBypass(SECRET, `${payload}.`, asLink)).toEqual({ ok: false, reason: "malformed" });
    expect(await verifyBypass(SECRET, payload, asLink)).toEqual({ ok: false, reason: "malformed" });
    expect(await verifyBypass(SECRET, "", asLink)).toEqual({ ok: false, reason: "malformed" });
  });

  it("rejects a token signed with another key", async () => {
    const token = await signBypass("some-other-secret-0123456789", link);
    expect(await verifyBypass(SECRET, token, asLink)).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("accepts a link one second before expiry and refuses it at expiry", async () => {
    const token = await signBypass(SECRET, link);
    expect((await verifyBypass(SECRET, token, { ...asLink, now: link.exp - 1 })).ok).toBe(true);
    expect(await verifyBypass(SECRET, token, { ...asLink, now: link.exp })).toEqual({ ok: false, reason: "expired" });
    expect(await verifyBypass(SECRET, token, { ...asLink, now: link.exp + 1 })).toEqual({ ok: false, reason: "expired" });
  });

  it("rejects a token minted for another site", async () => {
    const token = await signBypass(SECRET, link);
    expect(await verifyBypass(SECRET, token, { ...asLink, site: "shop.example.org" })).toEqual({ ok: false, reason: "wrong-site" });
  });

  it("compares sites case-insensitively, as hostnames are", async () => {
    const token = await signBypass(SECRET, link);
    expect((await verifyBypass(SECRET, token, { ...asLink, site: "EXAMPLE.org" })).ok).toBe(true);
  });

  it("accepts a token minted for * on any site", async () => {
    const token = await signBypass(SECRET, { ...cookie, site: "*" });
    expect((await verifyBypass(SECRET, token, { ...asCookie, site: "example.org" })).ok).toBe(true);
    expect((await verifyBypass(SECRET, token, { ...asCookie, site: "other.example" })).ok).toBe(true);
  });

  it("rejects a cookie minted before the last revoke", async () => {
    const value = await signBypass(SECRET, cookie);
    expect(await verifyBypass(SECRET, value, { ...asCookie, revokedBefore: 1_700_000_000_001 })).toEqual({ ok: false, reason: "revoked" });
  });

  it("accepts a cookie issued at or after the last revoke", async () => {
    const value = await signBypass(SECRET, cookie);
    expect((await verifyBypass(SECRET, value, { ...asCookie, revokedBefore: 1_700_000_000_000 })).ok).toBe(true);
    expect((await verifyBypass(SECRET, value, { ...asCookie, revokedBefore: 0 })).ok).toBe(true);
  });

  it("rejects a link used as a cookie, and a cookie used as a link", async () => {
    const token = await signBypass(SECRET, link);
    const value = await signBypass(SECRET, cookie);
    expect(await verifyBypass(SECRET, token, asCookie)).toEqual({ ok: false, reason: "wrong-purpose" });
    expect(await verifyBypass(SECRET, value, asLink)).toEqual({ ok: false, reason: "wrong-purpose" });
  });

  it("rejects garbage and oversized input as malformed", async () => {
    const token = await signBypass(SECRET, link);
    const junk = ["x", ".", "a.b.c", "abc$.def", "a b.c", `${token}=`, `${token} `, "é.é", "%2e.%2e", "A".repeat(3000) + ".AAAA"];
    for (const value of junk) {
      expect(await verifyBypass(SECRET, value, asLink), value.slice(0, 20)).toEqual({ ok: false, reason: "malformed" });
    }
    const padded = token + "A".repeat(2049 - token.length);
    expect(await verifyBypass(SECRET, padded, asLink)).toEqual({ ok: false, reason: "malformed" });
  });

  it("refuses to sign claims that are not well formed or carry an unsafe next", async () => {
    await expect(signBypass(SECRET, { ...link, next: "//evil.com" })).rejects.toThrow(/next/);
    await expect(signBypass(SECRET, { ...link, exp: 1.5 })).rejects.toThrow(TypeError);
    await expect(signBypass(SECRET, { ...link, iat: -1 })).rejects.toThrow(TypeError);
    await expect(signBypass(SECRET, { ...link, site: "" })).rejects.toThrow(TypeError);
    await expect(signBypass("", link)).rejects.toThrow(/empty/);
  });
});

describe("safeNextPath", () => {
  const attacks = [
    "//evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "https://evil.com",
    "http:evil.com",
    "javascript:alert(1)",
    "/%0d%0aSet-Cookie:x",
    "/x\r\nSet-Cookie: x",
    " /x",
    "/x y",
    "/\u00a0x",
    "/.//evil.com",
    "/\tevil.com",
    "evil.com",
    "",
    "/" + "a".repeat(512),
  ];
  for (const next of attacks) {
    it(`refuses ${JSON.stringify(next.slice(0, 30))}`, () => {
      expect(safeNextPath(next)).toBeNull();
    });
  }

  it("refuses values that are not strings", () => {
    for (const v of [undefined, null, 42, ["/x"], { toString: () => "/x" }]) expect(safeNextPath(v)).toBeNull();
  });

  it("keeps a same-site path with its query and fragment", () => {
    expect(safeNextPath("/ok?x=1#y")).toBe("/ok?x=1#y");
    expect(safeNextPath("/")).toBe("/");
    expect(safeNextPath("/a/b/c?next=//evil.com")).toBe("/a/b/c?next=//evil.com");
  });

  it("returns an ASCII path safe for a Location header", () => {
    expect(safeNextPath("/café")).toBe("/caf%C3%A9");
  });
});
