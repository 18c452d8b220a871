// Pitstop's entry point: it wires the parts together once per isolate, sends
// admin paths to the admin API and everything else through the gate, and
// runs the cron sweep that announces windows starting or ending by the clock.
// See README.md, and docs/ for each part.
import { AdminApi } from "./admin/app";
import { Banner } from "./banner/inject";
import { BypassCookies } from "./bypass/cookie";
import { ConfigError, getConfig, type Bindings, type Config } from "./config";
import { isAdminPath } from "./core/admin-path";
import { Gate } from "./gate/gate";
import { t } from "./i18n/catalog";
import { LanguagePicker, pickLanguage } from "./i18n/negotiate";
import { UserKeys } from "./identity/user-key";
import { requestContext } from "./request";
import { logEvent } from "./log";
import { Notifier } from "./notify/notifier";
import { Pages } from "./page/render";
import { StateCache } from "./state/cache";
import { SnapshotSource } from "./state/source";
import { Webhooks } from "./webhooks/events";

/** The Durable Object classes behind STATE_COORDINATOR and NOTIFY_STORE (wrangler finds them here). */
export { StateCoordinator } from "./state/coordinator";
export { NotifyStore } from "./notify/store";

/** Everything built from one configuration: in production, once per isolate. */
export interface Pitstop {
  config: Config;
  source: SnapshotSource;
  cache: StateCache;
  gate: Gate;
  admin: AdminApi;
  webhooks: Webhooks;
  /** Null unless "email me when we're back" is configured. */
  notify: Notifier | null;
}

export function buildPitstop(env: Bindings, config: Config): Pitstop {
  const source = new SnapshotSource({
    coordinator: env.STATE_COORDINATOR,
    kv: env.MAINTENANCE,
    edgeMs: config.edgeCacheMs,
    cachePath: `${config.adminPrefix}/__state`,
  });
  const cache = new StateCache(source, config);
  const languages = new LanguagePicker(config.defaultLanguage);
  const notify = config.notify ? new Notifier({ store: env.NOTIFY_STORE, limiter: env.NOTIFY_LIMITER, from: config.notify.from, max: config.notify.max }) : null;
  const pages = new Pages({ assets: env.ASSETS, adminPrefix: config.adminPrefix, defaultLanguage: config.defaultLanguage, notify: notify !== null });
  const bypassSecret = env.BYPASS_SECRET || null;
  const cookies = new BypassCookies({ secret: bypassSecret, cookieDomain: config.cookieDomain, signOutCookies: config.signOutCookies });
  const webhooks = new Webhooks({ urls: config.webhookUrls, secret: env.WEBHOOK_SECRET || null, kv: env.MAINTENANCE });
  const banner = config.banner ? new Banner(config.bannerCss, config.defaultLanguage) : null;
  const users = config.userKey ? new UserKeys({ ...config.userKey, secret: env.USER_KEY_SECRET || null }) : null;
  return {
    config,
    source,
    cache,
    webhooks,
    notify,
    gate: new Gate({ origin: config.origin, cache, pages, cookies, banner, users, languages }),
    admin: new AdminApi({ config, kv: env.MAINTENANCE, source, cache, pages, cookies, webhooks, languages, notify, adminToken: env.ADMIN_TOKEN || null, bypassSecret }),
  };
}

/** The env object is the same for every request of an isolate, so it keys what was built for it. */
const built = new WeakMap<Bindings, Pitstop>();

/** This isolate's Pitstop for `env` (throws a ConfigError on a bad setting). */
export function pitstopFor(env: Bindings): Pitstop {
  let pitstop = built.get(env);
  if (!pitstop) built.set(env, (pitstop = buildPitstop(env, getConfig(env))));
  return pitstop;
}

export default {
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
    let pitstop: Pitstop;
    try {
      pitstop = pitstopFor(env);
    } catch (err) {
      return configFault(err, request, env);
    }
    const rc = requestContext(request, ctx);
    if (isAdminPath(rc.url.pathname, pitstop.config.adminPrefix)) return pitstop.admin.handle(rc);
    return pitstop.gate.handle(rc).catch((err: unknown) => {
      // A bug must never show a visitor a runtime error or a stack trace.
      logEvent("error", "render.fault", { what: "gate", reason: err instanceof Error ? err.message : String(err) });
      const lang = pickLanguage(request.headers.get("accept-language"), pitstop.config.defaultLanguage);
      const text = t(lang, "originDown.title");
      return new Response(`<!doctype html><html lang="${lang}"><meta charset="utf-8"><title>${escapeText(text)}</title><p>${escapeText(text)}</p></html>`, {
        status: 503,
        headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "retry-after": "30", "content-language": lang, vary: "Accept, Accept-Language" },
      });
    });
  },

  async scheduled(controller: ScheduledController, env: Bindings, ctx: ExecutionContext): Promise<void> {
    let pitstop: Pitstop;
    try {
      pitstop = pitstopFor(env);
    } catch (err) {
      logEvent("error", "config.fault", { reason: err instanceof Error ? err.message : String(err), in: "cron" });
      return;
    }
    ctx.waitUntil(
      pitstop.webhooks
        .sweep(pitstop.source, controller.scheduledTime)
        .catch((err) => logEvent("error", "webhook.failed", { reason: err instanceof Error ? err.message : String(err), in: "cron" })),
    );
    // Sites back by the clock (autoEnd) release their subscribers' emails; a lost alarm is set again.
    const notify = pitstop.notify;
    if (notify) {
      const now = controller.scheduledTime;
      ctx.waitUntil(
        notify
          .sweep(() => pitstop.source.fetch("cron.invalid", 0, now).then((f) => f.wire), now)
          .catch((err) => logEvent("error", "notify.failed", { reason: err instanceof Error ? err.message : String(err), in: "cron" })),
      );
    }
  },
} satisfies ExportedHandler<Bindings>;

/** A bad setting: its name (never its value) to admin paths, the detail to the logs. */
function configFault(err: unknown, request: Request, env: Bindings): Response {
  const variable = err instanceof ConfigError ? err.variable : "configuration";
  logEvent("error", "config.fault", { reason: err instanceof Error ? err.message : String(err) });
  const admin = isAdminPath(new URL(request.url).pathname, env.ADMIN_PREFIX?.trim() || "/__maint");
  // DEFAULT_LANGUAGE may be the bad setting: visitors get their own language, else English.
  const lang = pickLanguage(request.headers.get("accept-language"), "en");
  const text = admin ? `Pitstop configuration error: ${variable} is invalid (the worker's logs say why).\n` : `${t(lang, "page.unavailable")}\n`;
  return new Response(text, {
    status: 500,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...(admin ? {} : { "content-language": lang, vary: "Accept-Language" }) },
  });
}

/** The last-resort page holds only translations, but escape them anyway. */
function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
