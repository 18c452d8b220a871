// The admin API under ADMIN_PREFIX: JSON in and out, bearer auth, plus the
// public GET /status.json and GET /bypass. Nothing under the prefix ever
// reaches the origin.
import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { bodyLimit } from "hono/body-limit";
import { bypassPrivateRoutes, bypassPublicRoutes, bypassStatus } from "../bypass/routes";
import type { Bindings, Config } from "../config";
import { logEvent } from "../log";
import { scheduleRoutes } from "../schedule/routes";
import { governingDoc } from "../gate/policy";
import { stateCache } from "../state/cache";
import { AllowInputSchema, LogQuerySchema, OnInputSchema, ScopeOnlySchema, validate } from "../state/schema";
import { listLog, readDoc } from "../state/store";
import { webhookStatus } from "../webhooks/deliver";
import { adminAuth } from "./auth";
import { MAX_BODY_BYTES, readBody, resolveScope } from "./body";
import { checkAllow, switchOff, switchOn } from "./changes";
import { commit, resetScope } from "./commit";
import { errorBody } from "./errors";
import { effectiveView, publicStatus } from "./views";

export type AdminEnv = { Bindings: Bindings; Variables: { config: Config } };

export function buildAdminApp(config: Config): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>().basePath(config.adminPrefix);
  app.use(async (c, next) => {
    c.set("config", config);
    await next();
    c.header("cache-control", "no-store");
  });

  // Served from the isolate cache: cheap enough for every open maintenance page and monitor.
  app.get("/status.json", async (c) => {
    const now = Date.now();
    const policy = await stateCache.policy(new URL(c.req.url).hostname, c.env.MAINTENANCE, c.executionCtx, config, now);
    c.header("access-control-allow-origin", "*");
    return c.json(publicStatus(policy.doc, now));
  });
  bypassPublicRoutes(app);

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
    return c.json(await adminStatus(c, scope.value));
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
    return commit(c, scope.value, "on", (doc, now) => switchOn(doc, body.value, chosen, now));
  };
  app.post("/on", on(null));
  app.post("/read-only", on("read-only"));

  app.post("/off", async (c) => {
    const body = await readBody(c, ScopeOnlySchema);
    if (!body.ok) return body.response;
    const scope = resolveScope(c, body.value.scope);
    if (!scope.ok) return scope.response;
    return commit(c, scope.value, "off", (doc) => ({ ok: true, doc: switchOff(doc) }));
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

  // Per-site allowlists; lists not given are kept.
  app.post("/allow", async (c) => {
    const body = await readBody(c, AllowInputSchema);
    if (!body.ok) return body.response;
    const scope = resolveScope(c, body.value.scope);
    if (!scope.ok) return scope.response;
    return commit(c, scope.value, "allow", (doc) => {
      const allow = { ips: body.value.ips ?? doc.allow.ips, paths: body.value.paths ?? doc.allow.paths };
      const problem = checkAllow(allow);
      return problem ? { ok: false, error: problem } : { ok: true, doc: { ...doc, allow } };
    });
  });

  // A site's own document wins over "*", even one that says off. Deleting it
  // makes the site follow "*" again (POST /off only writes an "off" document).
  app.delete("/state", async (c) => {
    const body = await readBody(c, ScopeOnlySchema);
    if (!body.ok) return body.response;
    const scope = resolveScope(c, body.value.scope);
    if (!scope.ok) return scope.response;
    return resetScope(c, scope.value);
  });

  bypassPrivateRoutes(app);
  scheduleRoutes(app);

  app.notFound((c) => c.json(errorBody("not_found", `No admin route ${c.req.method} ${new URL(c.req.url).pathname}.`), 404));
  app.onError((err, c) => {
    logEvent("error", "admin.refused", { reason: "internal", error: err.message, path: new URL(c.req.url).pathname });
    return c.json(errorBody("internal", "Internal error; see the worker's logs."), 500);
  });
  return app;
}

async function adminStatus(c: Context<AdminEnv>, site: string) {
  const config = c.get("config");
  const now = Date.now();
  const [own, star] = await Promise.all([readDoc(c.env.MAINTENANCE, site), readDoc(c.env.MAINTENANCE, "*")]);
  const policy = await stateCache.policy(site, c.env.MAINTENANCE, c.executionCtx, config, now);
  const faults = [
    ...(own.ok ? [] : [{ key: `site:${site}`, reason: own.reason }]),
    ...(star.ok ? [] : [{ key: "site:*", reason: star.reason }]),
  ];
  const isolate = stateCache.inspect(site, now);
  const ownDoc = own.ok ? own.doc : null;
  const starDoc = star.ok ? star.doc : null;
  const governing = governingDoc(ownDoc, starDoc);
  // An "inherit" document adds its lists to those of "*".
  const lists = [governing?.allow, ownDoc?.mode === "inherit" ? ownDoc.allow : undefined].filter((l) => l !== undefined);
  return {
    ok: true,
    site,
    effective: effectiveView(policy, now),
    documents: { site: own.ok ? own.doc : null, "*": star.ok ? star.doc : null },
    faults,
    cache: { ageMs: isolate.ageMs, fault: isolate.fault, cacheSeconds: config.cacheMs / 1000 },
    allow: {
      ips: [...config.allowIps, ...lists.flatMap((l) => l.ips)],
      paths: [...config.allowPaths, ...lists.flatMap((l) => l.paths)],
    },
    bypass: bypassStatus(c, ownDoc, starDoc),
    webhooks: await webhookStatus(c.env, config),
    config: { adminPrefix: config.adminPrefix, failMode: config.failMode, origin: config.origin ?? "route" },
  };
}
