// The admin API under ADMIN_PREFIX: JSON in and out, bearer auth, plus the
// public GET /status.json. Nothing under the prefix ever reaches the origin.
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Bindings, Config } from "../config";
import { logEvent } from "../log";
import { stateCache } from "../state/cache";
import { emptyDoc, LogQuerySchema, OnInputSchema, ScopeOnlySchema, validate, type StateDoc } from "../state/schema";
import { appendLog, listLog, readDoc, writeDoc, type AuditEntry } from "../state/store";
import { adminAuth } from "./auth";
import { MAX_BODY_BYTES, readBody, resolveScope } from "./body";
import { switchOff, switchOn, transition, type Change } from "./changes";
import { errorBody } from "./errors";
import { effectiveView, publicStatus } from "./views";

export type AdminEnv = { Bindings: Bindings; Variables: { config: Config } };

export interface AdminExtensions {
  /** Extra routes (bypass, schedule) mounted on the same app, before auth where public. */
  publicRoutes?: (app: Hono<AdminEnv>) => void;
  privateRoutes?: (app: Hono<AdminEnv>, tools: AdminTools) => void;
  /** Told about every stored change (webhooks). */
  onChange?: (c: Context<AdminEnv>, event: ChangeEvent) => void;
  /** Extra sections for GET /status. */
  statusExtras?: (c: Context<AdminEnv>, site: string, doc: StateDoc | null) => Record<string, unknown>;
}

export interface ChangeEvent {
  action: string;
  scope: string;
  kind: ReturnType<typeof transition>;
  before: StateDoc | null;
  after: StateDoc;
  actor: string;
}

export interface AdminTools {
  commit: typeof commit;
}

export function buildAdminApp(config: Config, ext: AdminExtensions = {}): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>().basePath(config.adminPrefix);
  app.use(async (c, next) => {
    c.set("config", config);
    await next();
    c.header("cache-control", "no-store");
  });

  // Served from the isolate cache: cheap enough for every open maintenance page and monitor.
  app.get("/status.json", async (c) => {
    const now = Date.now();
    const cached = stateCache.policy(new URL(c.req.url).hostname, c.env.MAINTENANCE, c.executionCtx, config, now);
    const policy = cached instanceof Promise ? await cached : cached;
    c.header("access-control-allow-origin", "*");
    return c.json(publicStatus(policy.doc, now));
  });
  ext.publicRoutes?.(app);

  app.use(adminAuth((env) => env.ADMIN_TOKEN));
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json(errorBody("body_too_large", `The body must be at most ${MAX_BODY_BYTES} bytes.`), 413),
    }),
  );

  app.get("/status", async (c) => {
    const scope = resolveScope(c, undefined);
    if (!scope.ok) return scope.response;
    return c.json(await adminStatus(c, scope.value, ext));
  });

  const on = (mode: "maintenance" | "read-only" | null) => async (c: Context<AdminEnv>) => {
    const body = await readBody(c, OnInputSchema);
    if (!body.ok) return body.response;
    if (mode === "read-only" && body.value.mode === "maintenance") {
      return c.json(errorBody("invalid_request", 'mode: must be "read-only" here (use /on for full maintenance)', "mode"), 400);
    }
    const scope = resolveScope(c, body.value.scope);
    if (!scope.ok) return scope.response;
    const chosen = mode ?? body.value.mode ?? "maintenance";
    return commit(c, scope.value, "on", (doc, now) => switchOn(doc, body.value, chosen, now), ext);
  };
  app.post("/on", on(null));
  app.post("/read-only", on("read-only"));

  app.post("/off", async (c) => {
    const body = await readBody(c, ScopeOnlySchema);
    if (!body.ok) return body.response;
    const scope = resolveScope(c, body.value.scope);
    if (!scope.ok) return scope.response;
    return commit(c, scope.value, "off", (doc) => ({ ok: true, doc: switchOff(doc) }), ext);
  });

  app.get("/log", async (c) => {
    const query = validate(LogQuerySchema, c.req.query());
    if (!query.ok) {
      return c.json(errorBody("invalid_request", `${query.error.field}: ${query.error.message}`, query.error.field), 400);
    }
    const scope = resolveScope(c, query.value.scope);
    if (!scope.ok) return scope.response;
    const page = await listLog(c.env.MAINTENANCE, scope.value, query.value.limit, query.value.cursor);
    return c.json({ ok: true, scope: scope.value, entries: page.entries, cursor: page.cursor });
  });

  ext.privateRoutes?.(app, { commit });

  app.notFound((c) => c.json(errorBody("not_found", `No admin route ${c.req.method} ${new URL(c.req.url).pathname}.`), 404));
  app.onError((err, c) => {
    logEvent("error", "admin.refused", { reason: "internal", error: err.message, path: new URL(c.req.url).pathname });
    return c.json(errorBody("internal", "Internal error; see the worker's logs."), 500);
  });
  return app;
}

/**
 * Read the scope's current document from KV, apply the change, store it,
 * update this isolate's cache and write the audit entry. A corrupt stored
 * document is replaced (this is how an admin repairs it).
 */
async function commit(
  c: Context<AdminEnv>,
  scope: string,
  action: string,
  change: (current: StateDoc, now: number) => Change,
  ext: AdminExtensions,
  detail?: Record<string, unknown>,
): Promise<Response> {
  const config = c.get("config");
  const now = Date.now();
  const actor = actorOf(c);
  const stored = await readDoc(c.env.MAINTENANCE, scope);
  const before = stored.ok ? stored.doc : null;
  const result = change(before ?? emptyDoc(new Date(now), actor), now);
  if (!result.ok) {
    return c.json(errorBody("invalid_request", `${result.error.field}: ${result.error.message}`, result.error.field), 400);
  }
  const after: StateDoc = { ...result.doc, updatedAt: new Date(now).toISOString(), updatedBy: actor };
  try {
    await writeDoc(c.env.MAINTENANCE, scope, after);
  } catch (err) {
    logEvent("error", "admin.refused", { reason: "storage_error", scope, action, error: err instanceof Error ? err.message : String(err) });
    return c.json(errorBody("storage_error", "Could not save the change (KV refused the write; at most one write per second per scope). Nothing changed; try again."), 503);
  }
  stateCache.applyWrite(scope, after, config);

  const kind = transition(before, after, now);
  const entry: AuditEntry = {
    at: after.updatedAt,
    action,
    scope,
    mode: after.mode,
    message: after.message,
    actor,
    ip: c.req.header("cf-connecting-ip") ?? null,
    userAgent: c.req.header("user-agent")?.slice(0, 200) ?? null,
    detail: { transition: kind, ...(stored.ok ? {} : { repaired: stored.reason }), ...detail },
  };
  try {
    await appendLog(c.env.MAINTENANCE, entry);
  } catch (err) {
    // The change itself is stored; a lost audit line must not undo or fail it.
    logEvent("error", "state.fault", { reason: "audit log write failed", error: err instanceof Error ? err.message : String(err) });
  }
  logEvent("info", "admin.change", { action, scope, mode: after.mode, transition: kind, actor, ip: entry.ip });
  ext.onChange?.(c, { action, scope, kind, before, after, actor });
  return c.json({ ok: true, scope, transition: kind, state: after });
}

async function adminStatus(c: Context<AdminEnv>, site: string, ext: AdminExtensions) {
  const config = c.get("config");
  const now = Date.now();
  const [own, star] = await Promise.all([readDoc(c.env.MAINTENANCE, site), readDoc(c.env.MAINTENANCE, "*")]);
  const cached = stateCache.policy(site, c.env.MAINTENANCE, c.executionCtx, config, now);
  const policy = cached instanceof Promise ? await cached : cached;
  const faults = [
    ...(own.ok ? [] : [{ key: `site:${site}`, reason: own.reason }]),
    ...(star.ok ? [] : [{ key: "site:*", reason: star.reason }]),
  ];
  const isolate = stateCache.inspect(site, now);
  const effectiveDoc = own.ok && own.doc ? own.doc : star.ok ? star.doc : null;
  return {
    ok: true,
    site,
    effective: effectiveView(policy, now),
    documents: { site: own.ok ? own.doc : null, "*": star.ok ? star.doc : null },
    faults,
    cache: { ageMs: isolate.ageMs, fault: isolate.fault, cacheSeconds: config.cacheMs / 1000 },
    allow: {
      ips: [...config.allowIps, ...(effectiveDoc?.allow.ips ?? [])],
      paths: [...config.allowPaths, ...(effectiveDoc?.allow.paths ?? [])],
    },
    config: { adminPrefix: config.adminPrefix, failMode: config.failMode, origin: config.originUrl ? config.originUrl.origin : "route" },
    ...ext.statusExtras?.(c, site, effectiveDoc),
  };
}

/** Who made a change: the CLI sends X-Pitstop-Actor (user@host); curl users are "api". */
function actorOf(c: Context): string {
  const raw = c.req.header("x-pitstop-actor");
  const clean = raw?.replace(/[^\w@.:+\- ]/g, "").trim().slice(0, 100);
  return clean || "api";
}
