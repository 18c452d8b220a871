// Switching a scope: on, read-only, off, its allowlists, following "*" again;
// and reading it back (status, audit log).
import type { Hono } from "hono";
import type { AuditEntry } from "../../core/audit";
import type { LogPage } from "../../shared/api";
import { AllowInputSchema, LogQuerySchema, OnInputSchema, ScopeOnlySchema, StatusQuerySchema } from "../../core/input";
import type { AdminEnv, AdminParts } from "../context";
import { AdminError, errorBody, invalidField } from "../errors";
import { actorOf, runChange } from "../pipeline";
import { adminStatus } from "../views";
import { jsonBody, queryInput } from "../validate";

export function stateRoutes(app: Hono<AdminEnv>, parts: AdminParts): void {
  app.get("/status", queryInput(StatusQuerySchema), async (c) => {
    const { scope } = c.req.valid("query");
    return c.json(await adminStatus(parts, c.env.rc, scope));
  });

  app.post("/on", jsonBody(OnInputSchema), async (c) => {
    const input = c.req.valid("json");
    const action = { kind: "on", mode: input.mode ?? "maintenance", input } as const;
    return c.json(await runChange(parts, c.env.rc, { scope: input.scope, action, actor: actorOf(c.req.raw.headers) }));
  });

  app.post("/read-only", jsonBody(OnInputSchema), async (c) => {
    const input = c.req.valid("json");
    if (input.mode === "maintenance") throw invalidField({ field: "mode", message: 'must be "read-only" here (use /on for full maintenance)' });
    const action = { kind: "on", mode: "read-only", input } as const;
    return c.json(await runChange(parts, c.env.rc, { scope: input.scope, action, actor: actorOf(c.req.raw.headers) }));
  });

  app.post("/off", jsonBody(ScopeOnlySchema), async (c) => {
    const { scope } = c.req.valid("json");
    return c.json(await runChange(parts, c.env.rc, { scope, action: { kind: "off" }, actor: actorOf(c.req.raw.headers) }));
  });

  // Per-site allowlists; lists not given are kept.
  app.post("/allow", jsonBody(AllowInputSchema), async (c) => {
    const { scope, ips, paths } = c.req.valid("json");
    const action = { kind: "allow", input: { ips, paths } } as const;
    return c.json(await runChange(parts, c.env.rc, { scope, action, actor: actorOf(c.req.raw.headers) }));
  });

  // A site's own document wins over "*", even one that says off. Deleting it
  // makes the site follow "*" again (POST /off only writes an "off" document).
  app.delete("/state", jsonBody(ScopeOnlySchema), async (c) => {
    const { scope } = c.req.valid("json");
    return c.json(await runChange(parts, c.env.rc, { scope, action: { kind: "reset" }, actor: actorOf(c.req.raw.headers) }));
  });

  app.get("/log", queryInput(LogQuerySchema), async (c) => {
    const { scope, limit, cursor } = c.req.valid("query");
    const page = await parts.source
      .coordinator()
      .log(scope, limit, cursor)
      .catch(() => {
        throw new AdminError(503, errorBody("storage_error", "Could not read the audit log: the state coordinator did not answer. Try again."));
      });
    const log: LogPage = { ok: true, scope, entries: page.entries.map((text) => JSON.parse(text) as AuditEntry), cursor: page.cursor };
    return c.json(log);
  });
}
