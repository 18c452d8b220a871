// Maintenance windows: POST /schedule stores a window that starts by itself
// at startsAt (the banner shows from announceFrom); DELETE /schedule cancels it.
import type { Hono } from "hono";
import { OnInputSchema, ScopeOnlySchema } from "../../core/input";
import type { AdminEnv, AdminParts } from "../context";
import { invalidField } from "../errors";
import { actorOf, runChange } from "../pipeline";
import { jsonBody } from "../validate";

export function scheduleRoutes(app: Hono<AdminEnv>, parts: AdminParts): void {
  app.post("/schedule", jsonBody(OnInputSchema), async (c) => {
    const input = c.req.valid("json");
    if (!input.startsAt) throw invalidField({ field: "startsAt", message: "is required for a scheduled window (use /on to start now)" });
    const action = { kind: "schedule", mode: input.mode ?? "maintenance", input } as const;
    return c.json(await runChange(parts, c.env.rc, { scope: input.scope, action, actor: actorOf(c.req.raw.headers) }));
  });

  app.delete("/schedule", jsonBody(ScopeOnlySchema), async (c) => {
    const { scope } = c.req.valid("json");
    return c.json(await runChange(parts, c.env.rc, { scope, action: { kind: "schedule.cancel" }, actor: actorOf(c.req.raw.headers) }));
  });
}
