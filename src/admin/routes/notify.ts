// POST <ADMIN_PREFIX>/notify: "email me when we're back", public. The
// maintenance page's form posts here without JavaScript and gets a 303 back
// to the page, which then thanks the visitor (#pitstop-notify-ok); JSON
// clients get JSON. Answers never repeat what was typed.
//
//   303 taken (or already waiting): back to the page; JSON clients get 202 {"ok": true}
//   400 not an email address               429 too many from this client (NOTIFY_LIMITER)
//   409 the site's list is full, or the site is not in maintenance (the form then just goes back)
//   503 the store did not answer           404 not configured (no EMAIL or NOTIFY_FROM)
import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { parseEmailAddress } from "../../core/email";
import { isLanguage, type Language } from "../../core/message";
import { isAdminPath } from "../../core/admin-path";
import { safeNextPath } from "../../core/redirect";
import { t } from "../../i18n/catalog";
import { languageHeaders } from "../../i18n/negotiate";
import { logEvent } from "../../log";
import { inMaintenance } from "../../notify/notifier";
import { audienceOf, type Audience } from "../../page/negotiate";
import type { PageKind } from "../../page/render";
import type { AdminEnv, AdminParts } from "../context";
import { errorBody } from "../errors";

/** An address and a language fit in far less; anything bigger is not a form of ours. */
const MAX_NOTIFY_BODY = 4096;

/** Where the thank-you is: the maintenance page shows it with CSS :target, no script needed. */
export const THANKS_FRAGMENT = "#pitstop-notify-ok";

export function notifyRoutes(app: Hono<AdminEnv>, parts: AdminParts): void {
  app.post(
    "/notify",
    async function notifyConfigured(c, next) {
      if (!parts.notify) return c.json(errorBody("not_found", `No admin route POST ${new URL(c.req.url).pathname}.`), 404);
      await next();
    },
    bodyLimit({ maxSize: MAX_NOTIFY_BODY, onError: (c) => c.json(errorBody("body_too_large", `The body must be at most ${MAX_NOTIFY_BODY} bytes.`), 413) }),
    async (c) => {
      const notify = parts.notify!;
      const rc = c.env.rc;
      const headers = c.req.raw.headers;
      const audience = audienceOf(headers);
      const back = backPath(headers.get("referer"), rc.url, parts.config.adminPrefix);
      let lang = parts.languages.of(headers);
      const refuse = (kind: PageKind) => parts.pages.render({ kind, audience, lang, method: "POST", policy: null, now: rc.now, back });

      // 1. The rate limit comes first: floods and probes are counted too.
      if (!(await notify.allowed(headers.get("cf-connecting-ip")))) return refuse("notify-limited");

      // 2. The address (and the page's language, from its hidden field).
      const input = await readInput(c, audience);
      if (input.lang !== null) lang = input.lang;
      const address = input.email === null ? null : parseEmailAddress(input.email);
      if (address === null) return refuse("notify-invalid");

      // 3. Only while the site's own maintenance is on: otherwise there is nothing to wait for.
      const policy = await parts.cache.policy(rc.site, rc.now, rc.ctx);
      if (!inMaintenance(policy.doc, rc.now)) return audience === "json" ? refuse("notify-closed") : seeOther(back, lang);

      // 4. Stored: one entry per address, at most NOTIFY_MAX per site.
      let result;
      try {
        result = await notify.subscribe(rc.site, rc.url.origin, address, lang, rc.now);
      } catch (err) {
        logEvent("error", "notify.failed", { reason: "the subscriber store did not answer", site: rc.site, error: err instanceof Error ? err.name : "unknown" });
        return refuse("notify-failed");
      }
      if (result === "full") return refuse("notify-full");

      // 5. Taken. The same answer whether the address was new or already waiting.
      if (audience === "html") return seeOther(`${back}${THANKS_FRAGMENT}`, lang);
      const res = c.json({ ok: true, subscribed: true, message: t(lang, "notify.thanks") }, 202);
      languageHeaders(res.headers, lang);
      return res;
    },
  );
}

/**
 * The page the form was on (the maintenance page sends a same-origin
 * Referer), when its path is a plain one of this site: letters, digits and
 * - . _ ~ / only, no query. Anything else goes home, so nothing odd a visitor
 * could put in a Referer comes back in the answer.
 */
function backPath(referer: string | null, url: URL, adminPrefix: string): string {
  if (!referer) return "/";
  let from: URL;
  try {
    from = new URL(referer);
  } catch {
    return "/";
  }
  if (from.origin !== url.origin || isAdminPath(from.pathname, adminPrefix)) return "/";
  const path = safeNextPath(from.pathname);
  return path !== null && PLAIN_PATH.test(path) ? path : "/";
}

const PLAIN_PATH = /^\/[A-Za-z0-9._~\/-]{0,200}$/;

function seeOther(location: string, lang: Language): Response {
  return new Response(null, { status: 303, headers: { location, "cache-control": "no-store", "content-language": lang } });
}

interface NotifyInput {
  email: string | null;
  lang: Language | null;
}

/** `email` and `lang` from a form (urlencoded or multipart) or a JSON object; anything else reads as nothing. */
async function readInput(c: Context<AdminEnv>, audience: Audience): Promise<NotifyInput> {
  let fields: Record<string, unknown> = {};
  const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase() ?? "";
  try {
    if (/^application\/([a-z0-9.+-]*\+)?json$/.test(type) || (audience === "json" && !type.includes("form"))) {
      const json: unknown = JSON.parse(await c.req.text());
      if (typeof json === "object" && json !== null && !Array.isArray(json)) fields = json as Record<string, unknown>;
    } else {
      fields = await c.req.parseBody();
    }
  } catch {
    fields = {};
  }
  const email = typeof fields.email === "string" ? fields.email : null;
  const lang = typeof fields.lang === "string" && isLanguage(fields.lang) ? fields.lang : null;
  return { email, lang };
}
