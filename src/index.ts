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
        maintenanceHeaders: (url) => signOutHeaders(config, url.protocol === "https:"),
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
      return configFault(err, request, env);
    }
    const url = new URL(request.url);
    const { admin, hooks } = parts(config);
    if (isAdminPath(url.pathname, config.adminPrefix)) return admin.fetch(request, env, ctx);
    return handleGate(request, url, env, ctx, config, hooks).catch((err: unknown) => {
      // A bug must never show a visitor a runtime error or a stack trace.
      logEvent("error", "render.fault", { what: "gate", reason: err instanceof Error ? err.message : String(err) });
      return new Response("<!doctype html><title>Back soon</title><p>We'll be right back.</p>", {
        status: 503,
        headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "retry-after": "30" },
      });
    });
  },

  async scheduled(controller: ScheduledController, env: Bindings, ctx: ExecutionContext): Promise<void> {
    let config: Config;
    try {
      config = getConfig(env);
    } catch (err) {
      logEvent("error", "config.fault", { reason: err instanceof Error ? err.message : String(err), in: "cron" });
      return;
    }
    if (config.webhookUrls.length === 0) return;
    ctx.waitUntil(
      sweepWindows(env, config, controller.scheduledTime).catch((err) =>
        logEvent("error", "webhook.failed", { reason: err instanceof Error ? err.message : String(err), in: "cron" }),
      ),
    );
  },
} satisfies ExportedHandler<Bindings>;

/**
 * Anything that could reach the admin prefix at the origin (any case,
 * percent-encoded, doubled slashes, dot segments, ";params") is kept away
 * from it; only the exact form is routed, the rest get the admin API's 404.
 * The common case, a path with none of those characters, costs one test.
 */
export function isAdminPath(pathname: string, prefix: string): boolean {
  if (pathname.startsWith(prefix) && (pathname.length === prefix.length || pathname[prefix.length] === "/")) return true;
  if (!SUSPICIOUS.test(pathname)) return false;
  const lower = prefix.toLowerCase();
  const p = canonicalForMatching(pathname);
  return p === lower || p.startsWith(`${lower}/`);
}

const SUSPICIOUS = /[%;A-Z]|\/\/|\/\.|\.\/|\.$|\\/;

/** Lenient: decodes only valid escapes, never throws. For matching, not for forwarding. */
function canonicalForMatching(pathname: string): string {
  const decoded = pathname.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  const out: string[] = [];
  for (const raw of decoded.replace(/\\/g, "/").split("/")) {
    // Some servers drop ";params", trailing dots and spaces, or stop at a NUL.
    let segment = raw.split(";")[0]!.split("\0")[0]!;
    if (segment !== "." && segment !== "..") segment = segment.replace(/[. ]+$/, "");
    segment = segment.toLowerCase();
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return `/${out.join("/")}`;
}

/** A bad setting: its name (never its value) to admin paths, the detail to the logs. */
function configFault(err: unknown, request: Request, env: Bindings): Response {
  const variable = err instanceof ConfigError ? err.variable : "configuration";
  logEvent("error", "config.fault", { reason: err instanceof Error ? err.message : String(err) });
  const admin = isAdminPath(new URL(request.url).pathname, env.ADMIN_PREFIX?.trim() || "/__maint");
  const text = admin ? `Pitstop configuration error: ${variable} is invalid (the worker's logs say why).\n` : "Service temporarily unavailable\n";
  return new Response(text, { status: 500, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
}
