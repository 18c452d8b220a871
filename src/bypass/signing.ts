// Signed bypass links and cookies: HMAC-SHA256 over a small JSON payload.
// Pure apart from WebCrypto; no bindings, no clock (callers pass `now`).
//
// Wire format: base64url(JSON) + "." + base64url(HMAC-SHA256 tag).
// The MAC covers a domain-separation label plus the payload segment exactly as
// it travels (like JWS), so nothing is decoded or parsed before it is verified.
//
// Site scope: a token's `site` is a hostname or "*". A "*" token is valid on
// every site, mirroring the `site:*` state document.
//
// Revocation: every token carries `iat`, when it was issued (ms). A revoke
// stores "revoked before <now>" in the state, and a token issued before the
// newest such time (of the site's document and of "*") is refused. Times only
// move forward, so nothing a later change does can bring a revoked token back.

import { safeNextPath } from "../core/redirect";

export type BypassPurpose = "link" | "cookie";

export interface BypassClaims {
  purpose: BypassPurpose;
  site: string;
  /** Expiry, unix seconds. Invalid from this second on. */
  exp: number;
  /** Issued at, ms since the Unix epoch; tokens issued before a revoke are refused. */
  iat: number;
  /** Same-site path to land on after the link is followed. */
  next?: string;
}

export type VerifyResult =
  | { ok: true; claims: BypassClaims }
  | { ok: false; reason: "malformed" | "bad-signature" | "wrong-purpose" | "expired" | "wrong-site" | "revoked" };

export interface VerifyExpectation {
  purpose: BypassPurpose;
  site: string;
  /** Tokens issued before this time (ms) are revoked; 0 when nothing was revoked. */
  revokedBefore: number;
  /** Unix seconds. */
  now: number;
}

export const MAX_TOKEN_LENGTH = 2048;

export async function signBypass(secret: string, claims: BypassClaims): Promise<string> {
  if (!validClaims(claims)) throw new TypeError("signBypass: invalid claims");
  if (claims.next !== undefined && safeNextPath(claims.next) !== claims.next) {
    throw new TypeError(`signBypass: unsafe next path ${JSON.stringify(claims.next)}`);
  }
  const payload = toBase64Url(encoder.encode(JSON.stringify(toWire(claims))));
  const tag = await crypto.subtle.sign("HMAC", await hmacKey(secret), macInput(payload));
  const token = `${payload}.${toBase64Url(new Uint8Array(tag))}`;
  if (token.length > MAX_TOKEN_LENGTH) throw new TypeError("signBypass: token too long");
  return token;
}

export async function verifyBypass(secret: string, value: string, expect: VerifyExpectation): Promise<VerifyResult> {
  // Cheap structural checks first, so junk costs no crypto work.
  if (typeof value !== "string" || value.length > MAX_TOKEN_LENGTH) return fail("malformed");
  const match = TOKEN_SHAPE.exec(value);
  if (!match) return fail("malformed");
  const payload = match[1]!;
  const tag = fromBase64Url(match[2]!);
  if (!tag) return fail("malformed");
  if (tag.length !== TAG_BYTES) return fail("bad-signature");
  // crypto.subtle.verify compares in constant time.
  const good = await crypto.subtle.verify("HMAC", await hmacKey(secret), tag, macInput(payload));
  if (!good) return fail("bad-signature");

  // Only now is the payload trusted enough to decode.
  const claims = parsePayload(payload);
  if (!claims) return fail("malformed");
  if (claims.purpose !== expect.purpose) return fail("wrong-purpose");
  if (claims.site !== "*" && claims.site !== expect.site.toLowerCase()) return fail("wrong-site");
  if (expect.now >= claims.exp) return fail("expired");
  if (claims.iat < expect.revokedBefore) return fail("revoked");
  return { ok: true, claims };
}

// ---- private helpers ----

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const TAG_BYTES = 32;
const MAC_LABEL = "pitstop-bypass-v1.";
const TOKEN_SHAPE = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;
const PURPOSE_CODES: Record<BypassPurpose, string> = { link: "l", cookie: "c" };

interface WirePayload {
  p: string;
  s: string;
  x: number;
  i: number;
  n?: string;
}

// Keys are cached as values, never as promises: a promise started by one
// request cannot be awaited by another in workerd.
const keyCache = new Map<string, CryptoKey>();

async function hmacKey(secret: string): Promise<CryptoKey> {
  if (typeof secret !== "string" || secret.length === 0) throw new Error("BYPASS_SECRET is empty");
  let key = keyCache.get(secret);
  if (!key) {
    key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    if (keyCache.size >= 8) keyCache.clear(); // secrets rotate rarely; stay bounded
    keyCache.set(secret, key);
  }
  return key;
}

function macInput(payload: string): Uint8Array {
  return encoder.encode(MAC_LABEL + payload);
}

function toWire(c: BypassClaims): WirePayload {
  const w: WirePayload = { p: PURPOSE_CODES[c.purpose], s: c.site, x: c.exp, i: c.iat };
  if (c.next !== undefined) w.n = c.next;
  return w;
}

function parsePayload(payload: string): BypassClaims | null {
  const bytes = fromBase64Url(payload);
  if (!bytes) return null;
  let w: Partial<WirePayload>;
  try {
    w = JSON.parse(decoder.decode(bytes)) as Partial<WirePayload>;
  } catch {
    return null;
  }
  if (typeof w !== "object" || w === null) return null;
  const purpose = w.p === "l" ? "link" : w.p === "c" ? "cookie" : undefined;
  if (!purpose) return null;
  const claims: BypassClaims = { purpose, site: w.s as string, exp: w.x as number, iat: w.i as number };
  if (w.n !== undefined) claims.next = w.n;
  return validClaims(claims) ? claims : null;
}

function validClaims(c: BypassClaims): boolean {
  return (
    (c.purpose === "link" || c.purpose === "cookie") &&
    typeof c.site === "string" && c.site.length > 0 && c.site.length <= 253 && c.site === c.site.toLowerCase() &&
    Number.isSafeInteger(c.exp) && c.exp > 0 &&
    Number.isSafeInteger(c.iat) && c.iat >= 0 &&
    (c.next === undefined || typeof c.next === "string")
  );
}

function fail(reason: Extract<VerifyResult, { ok: false }>["reason"]): VerifyResult {
  return { ok: false, reason };
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// Strict RFC 4648 §5 decoding without padding. Non-canonical encodings (unused
// trailing bits set) are refused, so one tag has exactly one spelling.
function fromBase64Url(s: string): Uint8Array | null {
  if (s.length % 4 === 1) return null;
  let bin: string;
  try {
    bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return null;
  }
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return toBase64Url(bytes) === s ? bytes : null;
}
