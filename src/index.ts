// Pitstop's entry point: admin paths go to the admin API, everything else
// through the gate. See DESIGN.md in the team's shared folder and README.md.
import type { Hono } from "hono";
import { buildAdminApp, type AdminEnv } from "./admin/api";
import { ConfigError, getConfig, type Bindings, type Config } from "./config";
import { handleGate } from "./gate/handle";
import { logEvent } from "./log";

let adminApp: { config: Config; app: Hono<AdminEnv> } | undefined;

export default {
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
    let config: Config;
    try {
      config = getConfig(env);
    } catch (err) {
      return configFault(err, request);
    }
    const url = new URL(request.url);
    if (isAdminPath(url.pathname, config.adminPrefix)) {
      if (adminApp?.config !== config) adminApp = { config, app: buildAdminApp(config) };
      return adminApp.app.fetch(request, env, ctx);
    }
    return handleGate(request, url, env, ctx, config, {});
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
