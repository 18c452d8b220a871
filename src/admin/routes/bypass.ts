// Bypass links: minting (admin), following (public), revoking (admin).
import type { Context, Hono } from "hono";
import { auditEntry } from "../../core/audit";
import { DEFAULT_LINK_TTL_SECONDS, MintInputSchema, ScopeOnlySchema } from "../../core/input";
import { safeNextPath } from "../../core/redirect";
import { signBypass, verifyBypass } from "../../bypass/signing";
import { logEvent } from "../../log";
import { audienceOf } from "../../page/negotiate";
import type { BypassLink } from "../../shared/api";
import type { AdminEnv, AdminParts } from "../context";
import { AdminError, errorBody } from "../errors";
import { actorOf, recordAction, runChange } from "../pipeline";
import { jsonBody } from "../validate";

const NOT_CONFIGURED =
  "Bypass links are disabled because BYPASS_SECRET is not set. Set it with `npx wrangler secret put BYPASS_SECRET` (a long random string, e.g. `openssl rand -hex 32`).";

/** Following a link: verify, set the cookie, land on a same-site path. */
export function bypassPublicRoutes(app: Hono<AdminEnv>, parts: AdminParts): void {
  app.get("/bypass", async (c) => {
    const rc = c.env.rc;
    const { config, bypassSecret: secret } = parts;
    const site = rc.site;
    const token = rc.url.searchParams.get("token") ?? "";
    const policy = await parts.cache.policy(site, rc.now, rc.ctx);
    const revokedBefore = policy.revokedBefore;
    const result = secret ? await verifyBypass(secret, token, { purpose: "link", site, revokedBefore, now: Math.floor(rc.now / 1000) }) : null;
    if (!secret || !result?.ok) {
      logEvent("warn", "bypass.used", { site, ok: false, reason: !secret ? "not configured" : result && !result.ok ? result.reason : "unknown" });
      // Never say why: a forged, expired and revoked link look the same.
      const headers = c.req.raw.headers;
      const page = await parts.pages.render({ kind: "link-invalid", audience: audienceOf(headers), lang: parts.languages.of(headers), method: "GET", policy, now: rc.now });
      page.headers.set("referrer-policy", "no-referrer");
      return page;
    }
    const https = rc.url.protocol === "https:";
    const cookieSeconds = config.bypassCookieSeconds;
    const cookie = await signBypass(secret, {
      purpose: "cookie",
      site: result.claims.site,
      exp: Math.floor(rc.now / 1000) + cookieSeconds,
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
        "set-cookie": parts.cookies.setCookie(cookie, https, cookieSeconds),
        "referrer-policy": "no-referrer",
        "cache-control": "no-store",
      },
    });
  });
}

export function bypassAdminRoutes(app: Hono<AdminEnv>, parts: AdminParts): void {
  app.post(
    "/bypass",
    async function bypassConfigured(_c, next) {
      if (!parts.bypassSecret) throw new AdminError(503, errorBody("not_configured", NOT_CONFIGURED));
      await next();
    },
    jsonBody(MintInputSchema),
    async (c) => {
      const rc = c.env.rc;
      const { scope, ttl = DEFAULT_LINK_TTL_SECONDS, next: rawNext } = c.req.valid("json");
      const exp = Math.floor(rc.now / 1000) + ttl;
      const next = rawNext === undefined ? undefined : (safeNextPath(rawNext) ?? undefined);
      const token = await signBypass(parts.bypassSecret!, { purpose: "link", site: scope, exp, iat: rc.now, ...(next ? { next } : {}) });
      const expiresAt = new Date(exp * 1000).toISOString();
      const mode = (await parts.cache.policy(scope, rc.now, rc.ctx)).doc?.mode ?? "off";
      const detail = { ttl, next: next ?? null, expiresAt };
      await recordAction(parts, auditEntry({ action: "bypass.mint", scope, mode, message: null, detail }, actorOf(c.req.raw.headers), rc.now));
      const link: BypassLink = {
        ok: true,
        scope,
        url: linkUrl(c, scope, parts.config.adminPrefix, token),
        expiresAt,
        cookieHours: parts.config.bypassCookieSeconds / 3600,
      };
      return c.json(link);
    },
  );

  app.post("/bypass/revoke", jsonBody(ScopeOnlySchema), async (c) => {
    const { scope } = c.req.valid("json");
    return c.json(await runChange(parts, c.env.rc, { scope, action: { kind: "bypass.revoke" }, actor: actorOf(c.req.raw.headers) }));
  });
}

/** The link points at the scope's host; for "*" (or the caller's own host) at the caller's origin. */
function linkUrl(c: Context<AdminEnv>, scope: string, prefix: string, token: string): string {
  const rc = c.env.rc;
  const base = scope === "*" || scope === rc.site ? rc.url.origin : `${rc.url.protocol}//${scope}`;
  return `${base}${prefix}/bypass?token=${encodeURIComponent(token)}`;
}
