// The admin API under ADMIN_PREFIX: JSON in and out, bearer auth, plus the
// public GET /status.json and GET /bypass. Nothing under the prefix ever
// reaches the origin. Built once per isolate.
import { Hono } from "hono/tiny";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { RequestContext } from "../request";
import { languageHeaders } from "../i18n/negotiate";
import { logEvent } from "../log";
import { adminAuth } from "./auth";
import type { AdminEnv, AdminParts } from "./context";
import { AdminError, errorBody, invalidJson } from "./errors";
import { bypassAdminRoutes, bypassPublicRoutes } from "./routes/bypass";
import { notifyRoutes } from "./routes/notify";
import { ruleRoutes } from "./routes/rules";
import { scheduleRoutes } from "./routes/schedule";
import { stateRoutes } from "./routes/state";
import { publicStatus } from "./views";

export const MAX_BODY_BYTES = 16 * 1024;

export class AdminApi {
  private readonly app: Hono<AdminEnv>;

  constructor(parts: AdminParts) {
    this.app = buildApp(parts);
  }

  handle(rc: RequestContext): Promise<Response> {
    return Promise.resolve(this.app.fetch(rc.request, { rc }, rc.ctx as ExecutionContext));
  }
}

function buildApp(parts: AdminParts): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>().basePath(parts.config.adminPrefix);
  app.use(async function noStore(c, next) {
    await next();
    c.header("cache-control", "no-store");
  });

  // Served from the isolate cache: cheap enough for every open maintenance page and monitor.
  app.get("/status.json", async (c) => {
    const rc = c.env.rc;
    const policy = await parts.cache.policy(rc.site, rc.now, rc.ctx);
    const lang = parts.languages.of(c.req.raw.headers);
    c.header("access-control-allow-origin", "*");
    const res = c.json(publicStatus(policy.doc, rc.now, policy.rules.map((r) => r.rule), lang, parts.config.defaultLanguage));
    // The messages in it are in the visitor's language.
    languageHeaders(res.headers, lang);
    return res;
  });
  bypassPublicRoutes(app, parts);
  notifyRoutes(app, parts);

  app.use(adminAuth(parts.adminToken));
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new AdminError(413, errorBody("body_too_large", `The body must be at most ${MAX_BODY_BYTES} bytes.`));
      },
    }),
  );
  stateRoutes(app, parts);
  bypassAdminRoutes(app, parts);
  scheduleRoutes(app, parts);
  ruleRoutes(app, parts);

  app.notFound((c) => c.json(errorBody("not_found", `No admin route ${c.req.method} ${new URL(c.req.url).pathname}.`), 404));
  app.onError((err, c) => {
    if (err instanceof AdminError) return err.getResponse();
    // Hono's own refusals (a body it could not read) are the client's fault.
    if (err instanceof HTTPException && err.status < 500) return invalidJson(err.message).getResponse();
    logEvent("error", "admin.refused", { reason: "internal", error: err.message, path: new URL(c.req.url).pathname });
    return c.json(errorBody("internal", "Internal error; see the worker's logs."), 500);
  });
  return app;
}
