// Pitstop's entry point: admin paths go to the admin API, everything else
// through the gate; the cron trigger announces windows that start or end by
// the clock. See README.md and DESIGN.md in the team's shared folder.
import type { Hono } from "hono";
import { buildAdminApp, type AdminEnv } from "./admin/api";
import { onChange } from "./admin/commit";
import { announceBanner } from "./banner/inject";
import { hasValidBypassCookie, signOutHeaders } from "./bypass/cookie";
import { ConfigError, getConfig, type Bindings, type Config } from "./config";
import { handleGate, type GateHooks } from "./gate/handle";
import { logEvent } from "./log";
import { announceChange, sweepWindows } from "./webhooks/events";

let built: { config: Config; admin: Hono<AdminEnv>; hooks: GateHooks } | undefined;

/** Built once per configuration (that is, once per isolate). */
function parts(config: Config) {
  if (built?.config !== config) {
    built = {
      config,
      admin: buildAdminApp(config),
      hooks: {
        hasBypass: (request, site, policy, now, env) => hasValidBypassCookie(request, site, policy, env.BYPASS_SECRET, now),
        maintenanceHeaders: () => signOutHeaders(config),
        announce: (response, request, policy, now) => announceBanner(response, request, policy, now, config),
      },
    };
  }
  return built;
}

onChange((c, event) => {
  c.executionCtx.waitUntil(
    announceChange(c.env, c.get("config"), event.scope, event.kind, event.after, event.actor, Date.now()).catch((err) =>
      logEvent("error", "webhook.failed", { reason: err instanceof Error ? err.message : String(err) }),
    ),
  );
});

export default {
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
    let config: Config;
    try {
      config = getConfig(env);
    } catch (err) {
      return configFault(err, request);
    }
    const url = new URL(request.url);
    const { admin, hooks } = parts(config);
    if (isAdminPath(url.pathname, config.adminPrefix)) return admin.fetch(request, env, ctx);
    return handleGate(request, url, env, ctx, config, hooks);
  },

  async scheduled(controller: ScheduledController, env: Bindings, ctx: ExecutionContext): Promise<void> {
    const config = getConfig(env);
    if (config.webhookUrls.length === 0) return;
    ctx.waitUntil(sweepWindows(env, config, controller.scheduledTime));
  },
} satisfies ExportedHandler<Bindings>;

/**
 * Anything that looks like the admin prefix (in any case, percent-encoded or
 * with doubled slashes) is kept away from the origin; only the exact form is
 * routed, the rest get the admin API's 404.
 */
export function isAdminPath(pathname: string, prefix: string): boolean {
  if (pathname.startsWith(prefix) && (pathname.length === prefix.length || pathname[prefix.length] === "/")) return true;
  let p = pathname;
  if (p.includes("%")) {
    try {
      p = decodeURIComponent(p);
    } catch {
      return false;
    }
  }
  p = p.replace(/\/{2,}/g, "/").toLowerCase();
  const lower = prefix.toLowerCase();
  return p === lower || p.startsWith(`${lower}/`);
}

/** A bad setting: the detail goes to the logs and to admins, never to visitors. */
function configFault(err: unknown, request: Request): Response {
  const message = err instanceof ConfigError ? err.message : "invalid configuration";
  logEvent("error", "config.fault", { reason: message });
  const admin = new URL(request.url).pathname.includes("__maint");
  return new Response(admin ? `Pitstop configuration error: ${message}\n` : "Service temporarily unavailable\n", {
    status: 500,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}
