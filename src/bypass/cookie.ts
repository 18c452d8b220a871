// The bypass cookie: which name it goes by, how it is set, and how a request's
// cookie is checked. Only asked when the site is not off, so the hot path
// never parses cookies or computes an HMAC.
import { parse, serialize } from "hono/utils/cookie";
import type { Policy } from "../core/policy";
import { verifyBypass, type BypassClaims } from "./signing";

/**
 * On https the cookie carries the __Host- prefix (Secure, Path=/, no Domain:
 * it cannot be set or shadowed by a sibling subdomain). With COOKIE_DOMAIN it
 * must name a Domain, so it uses __Secure- instead. Plain http (local runs)
 * cannot use either prefix.
 */
export const COOKIE_NAMES = ["__Host-pitstop_bypass", "__Secure-pitstop_bypass", "pitstop_bypass"] as const;

export interface CookieSettings {
  /** BYPASS_SECRET; null when bypass is disabled. */
  secret: string | null;
  cookieDomain: string | null;
  /** SIGN_OUT_COOKIES: expired on the maintenance response. */
  signOutCookies: string[];
}

const VERIFIED_MAX = 2000;

/** The bypass cookies of one isolate. */
export class BypassCookies {
  /**
   * Verified cookies are remembered, so a bypass holder's requests cost a Map
   * lookup rather than an HMAC each. Expiry, site and revocation are still
   * checked against the current policy on every request, so a revoke or the
   * cookie's own expiry take effect at once.
   */
  private readonly verified = new Map<string, BypassClaims>();

  constructor(private readonly settings: CookieSettings) {}

  /** Does this request carry a valid bypass cookie for `site` under `policy`? */
  async holds(request: Request, site: string, policy: Policy, nowMs: number): Promise<boolean> {
    const secret = this.settings.secret;
    if (!secret) return false;
    const header = request.headers.get("cookie");
    if (!header || !header.includes("pitstop_bypass")) return false;
    const revokedBefore = policy.revokedBefore;
    const now = Math.floor(nowMs / 1000);
    for (const name of COOKIE_NAMES) {
      const value = parse(header, name)[name];
      if (!value) continue;
      const known = this.verified.get(value);
      if (known) {
        if (now < known.exp && known.iat >= revokedBefore && (known.site === "*" || known.site === site)) return true;
        this.verified.delete(value);
        continue;
      }
      const result = await verifyBypass(secret, value, { purpose: "cookie", site, revokedBefore, now });
      if (result.ok) {
        if (this.verified.size >= VERIFIED_MAX) this.verified.clear();
        this.verified.set(value, result.claims);
        return true;
      }
    }
    return false;
  }

  nameFor(https: boolean): (typeof COOKIE_NAMES)[number] {
    if (!https) return "pitstop_bypass";
    return this.settings.cookieDomain ? "__Secure-pitstop_bypass" : "__Host-pitstop_bypass";
  }

  setCookie(value: string, https: boolean, maxAgeSeconds: number): string {
    const domain = this.settings.cookieDomain;
    return serialize(this.nameFor(https), value, {
      path: "/",
      httpOnly: true,
      sameSite: "Lax",
      secure: https,
      maxAge: maxAgeSeconds,
      ...(domain && https ? { domain } : {}),
    } as never);
  }

  /**
   * Expires the cookies named in SIGN_OUT_COOKIES, so users come back to a clean
   * session. Browsers only accept the expiry with the attributes the cookie was
   * set with: Secure on https (required for __Host- and __Secure- names), and a
   * Domain variant for cookies shared across subdomains (never for __Host-).
   */
  signOutHeaders(https: boolean): [string, string][] {
    const out: [string, string][] = [];
    const secure = https ? "; Secure" : "";
    const domain = this.settings.cookieDomain;
    for (const name of this.settings.signOutCookies) {
      out.push(["set-cookie", `${name}=; Max-Age=0; Path=/${secure}; Expires=Thu, 01 Jan 1970 00:00:00 GMT`]);
      if (domain && !name.startsWith("__Host-")) {
        out.push(["set-cookie", `${name}=; Max-Age=0; Path=/; Domain=${domain}${secure}; Expires=Thu, 01 Jan 1970 00:00:00 GMT`]);
      }
    }
    return out;
  }
}
