// Bypass links: minting (admin), following (public), revoking (admin).
import type { Context, Hono } from "hono";
import * as v from "valibot";
import type { AdminEnv } from "../admin/api";
import { readBody, resolveScope } from "../admin/body";
import { commit, recordAudit } from "../admin/commit";
import { errorBody } from "../admin/errors";
import { logEvent } from "../log";
import { audienceOf } from "../page/negotiate";
import { renderPage } from "../page/render";
import { stateCache } from "../state/cache";
import { governingDoc } from "../gate/policy";
import { ScopeOnlySchema, ScopeSchema, type StateDoc } from "../state/schema";
import { readDoc } from "../state/store";
import { bypassSetCookie } from "./cookie";
import { safeNextPath, signBypass, verifyBypass } from "./signing";

export const DEFAULT_LINK_TTL_SECONDS = 15 * 60;
const MAX_LINK_TTL_SECONDS = 7 * 24 * 3600;

const MintSchema = v.strictObject(
  {
    ttl: v.optional(
      v.pipe(
        v.number("must be a number of seconds"),
        v.integer("must be a whole number of seconds"),
        v.minValue(30, "must be at least 30 seconds"),
        v.maxValue(MAX_LINK_TTL_SECONDS, "must be at most 604800 seconds (7 days)"),
      ),
    ),
    next: v.optional(
      v.pipe(
        v.string("must be a path such as /checkout"),
        v.check((n) => safeNextPath(n) !== null, "must be a path on this site, such as /checkout (no other hosts, no //, no backslashes)"),
      ),
    ),
    scope: v.optional(ScopeSchema),
  },
  () => "unknown field",
);

const NOT_CONFIGURED =
  "Bypass links are disabled because BYPASS_SECRET is not set. Set it with `npx wrangler secret put BYPASS_SECRET` (a long random string, e.g. `openssl rand -hex 32`).";

export function bypassPublicRoutes(app: Hono<AdminEnv>): void {
  // Following a link: verify, set the cookie, land on a same-site path.
  app.get("/bypass", async (c) => {
    const config = c.get("config");
    const secret = c.env.BYPASS_SECRET;
    const url = new URL(c.req.url);
    const site = url.hostname.toLowerCase();
    const now = Date.now();
    const token = url.searchParams.get("token") ?? "";
    const policy = await stateCache.policy(site, c.env.MAINTENANCE, c.executionCtx, config, now);
    const revokedBefore = policy.revokedBefore;
    const result = secret ? await verifyBypass(secret, token, { purpose: "link", site, revokedBefore, now: Math.floor(now / 1000) }) : null;
    if (!secret || !result?.ok) {
      logEvent("warn", "bypass.used", { site, ok: false, reason: !secret ? "not configured" : result && !result.ok ? result.reason : "unknown" });
      // Never say why: a forged, expired and revoked link look the same.
      const page = await renderPage({ kind: "link-invalid", audience: audienceOf(c.req.raw.headers), method: "GET", policy, config, env: c.env, now });
      page.headers.set("referrer-policy", "no-referrer");
      return page;
    }
    const https = url.protocol === "https:";
    const cookieSeconds = config.bypassCookieSeconds;
    const cookie = await signBypass(secret, {
      purpose: "cookie",
      site: result.claims.site,
      exp: Math.floor(now / 1000) + cookieSeconds,
      // The link's own issue time: a link revoked before this isolate heard of
      // it must not turn into a cookie that outlives the revoke.
      iat: result.claims.iat,
    });
    logEvent("info", "bypass.used", { site, ok: true, ip: c.req.header("cf-connecting-ip") ?? null });
    const next = safeNextPath(result.claims.next) ?? "/";
    return new Response(null, {
      status: 303,
      headers: {
        location: next,
        "set-cookie": bypassSetCookie(cookie, https, config, cookieSeconds),
        "referrer-policy": "no-referrer",
        "cache-control": "no-store",
      },
    });
  });
}

export function bypassPrivateRoutes(app: Hono<AdminEnv>): void {
  app.post("/bypass", async (c) => {
    const secret = c.env.BYPASS_SECRET;
    if (!secret) return c.json(errorBody("not_configured", NOT_CONFIGURED), 503);
    const body = await readBody(c, MintSchema);
    if (!body.ok) return body.response;
    const scope = resolveScope(c, body.value.scope);
    if (!scope.ok) return scope.response;
    const config = c.get("config");
    const ttl = body.value.ttl ?? DEFAULT_LINK_TTL_SECONDS;
    const exp = Math.floor(Date.now() / 1000) + ttl;
    const next = body.value.next === undefined ? undefined : (safeNextPath(body.value.next) ?? undefined);
    const token = await signBypass(secret, { purpose: "link", site: scope.value, exp, iat: Date.now(), ...(next ? { next } : {}) });
    const expiresAt = new Date(exp * 1000).toISOString();
    await recordAudit(c, scope.value, "bypass.mint", await modeOf(c, scope.value), { ttl, next: next ?? null, expiresAt });
    return c.json({
      ok: true,
      scope: scope.value,
      url: linkUrl(c, scope.value, config.adminPrefix, token),
      expiresAt,
      cookieHours: config.bypassCookieSeconds / 3600,
    });
  });

  app.post("/bypass/revoke", async (c) => {
    const body = await readBody(c, ScopeOnlySchema);
    if (!body.ok) return body.response;
    const scope = resolveScope(c, body.value.scope);
    if (!scope.ok) return scope.response;
    // Revoked before now; never moving backwards, even if clocks disagree.
    // A site that follows "*" gets an "inherit" document holding just this
    // revocation, so it keeps following "*" and no other site is affected.
    return commit(c, scope.value, "bypass.revoke", (doc) => ({ ok: true, doc: { ...doc, bypassEpoch: Math.max(Date.now(), doc.bypassEpoch + 1) } }));
  });
}

export function bypassStatus(c: Context<AdminEnv>, own: StateDoc | null, star: StateDoc | null) {
  const epoch = Math.max(own?.bypassEpoch ?? 0, star?.bypassEpoch ?? 0);
  return {
    enabled: Boolean(c.env.BYPASS_SECRET),
    /** Links and cookies issued before this time are refused (0: never revoked). */
    epoch,
    revokedBefore: epoch ? new Date(epoch).toISOString() : null,
    linkTtlSeconds: DEFAULT_LINK_TTL_SECONDS,
    cookieHours: c.get("config").bypassCookieSeconds / 3600,
  };
}

async function modeOf(c: Context<AdminEnv>, scope: string): Promise<string> {
  const own = await readDoc(c.env.MAINTENANCE, scope);
  const star = scope === "*" ? own : await readDoc(c.env.MAINTENANCE, "*");
  return governingDoc(own.ok ? own.doc : null, star.ok ? star.doc : null)?.mode ?? "off";
}

/** The link points at the scope's host; for "*" (or the caller's own host) at the caller's origin. */
function linkUrl(c: Context, scope: string, prefix: string, token: string): string {
  const here = new URL(c.req.url);
  const base = scope === "*" || scope === here.hostname.toLowerCase() ? here.origin : `${here.protocol}//${scope}`;
  return `${base}${prefix}/bypass?token=${encodeURIComponent(token)}`;
}
