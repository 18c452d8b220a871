// The bypass cookie: which name it goes by, how it is set, and how a request's
// cookie is checked. Only called when the site is not off, so the hot path
// never parses cookies or computes an HMAC.
import { parse, serialize } from "hono/utils/cookie";
import type { Config } from "../config";
import type { Policy } from "../gate/policy";
import { verifyBypass, type BypassClaims } from "./signing";

/**
 * On https the cookie carries the __Host- prefix (Secure, Path=/, no Domain:
 * it cannot be set or shadowed by a sibling subdomain). With COOKIE_DOMAIN it
 * must name a Domain, so it uses __Secure- instead. Plain http (local runs)
 * cannot use either prefix.
 */
export const COOKIE_NAMES = ["__Host-pitstop_bypass", "__Secure-pitstop_bypass", "pitstop_bypass"] as const;

export function cookieNameFor(https: boolean, config: Config): (typeof COOKIE_NAMES)[number] {
  if (!https) return "pitstop_bypass";
  return config.cookieDomain ? "__Secure-pitstop_bypass" : "__Host-pitstop_bypass";
}

export function bypassSetCookie(value: string, https: boolean, config: Config, maxAgeSeconds: number): string {
  const name = cookieNameFor(https, config);
  return serialize(name, value, {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    secure: https,
    maxAge: maxAgeSeconds,
    ...(config.cookieDomain && https ? { domain: config.cookieDomain } : {}),
  } as never);
}

/**
 * Verified cookies are remembered briefly, so a bypass holder's requests cost
 * a Map lookup rather than an HMAC each. Expiry, site and revocation are still
 * checked against the current policy on every request, so a revoke or the
 * cookie's own expiry take effect at once.
 */
const verified = new Map<string, BypassClaims>();
const VERIFIED_MAX = 2000;

export async function hasValidBypassCookie(
  request: Request,
  site: string,
  policy: Policy,
  secret: string | undefined,
  nowMs: number,
): Promise<boolean> {
  if (!secret) return false;
  const header = request.headers.get("cookie");
  if (!header || !header.includes("pitstop_bypass")) return false;
  const revokedBefore = policy.revokedBefore;
  const now = Math.floor(nowMs / 1000);
  for (const name of COOKIE_NAMES) {
    const value = parse(header, name)[name];
    if (!value) continue;
    const known = verified.get(value);
    if (known) {
      if (now < known.exp && known.iat >= revokedBefore && (known.site === "*" || known.site === site)) return true;
      verified.delete(value);
      continue;
    }
    const result = await verifyBypass(secret, value, { purpose: "cookie", site, revokedBefore, now });
    if (result.ok) {
      if (verified.size >= VERIFIED_MAX) verified.clear();
      verified.set(value, result.claims);
      return true;
    }
  }
  return false;
}

/**
 * Expires the cookies named in SIGN_OUT_COOKIES, so users come back to a clean
 * session. Browsers only accept the expiry with the attributes the cookie was
 * set with: Secure on https (required for __Host- and __Secure- names), and a
 * Domain variant for cookies shared across subdomains (never for __Host-).
 */
export function signOutHeaders(config: Config, https: boolean): [string, string][] {
  const out: [string, string][] = [];
  const secure = https ? "; Secure" : "";
  for (const name of config.signOutCookies) {
    out.push(["set-cookie", `${name}=; Max-Age=0; Path=/${secure}; Expires=Thu, 01 Jan 1970 00:00:00 GMT`]);
    if (config.cookieDomain && !name.startsWith("__Host-")) {
      out.push(["set-cookie", `${name}=; Max-Age=0; Path=/; Domain=${config.cookieDomain}${secure}; Expires=Thu, 01 Jan 1970 00:00:00 GMT`]);
    }
  }
  return out;
}
