// Maintenance windows: POST /schedule stores a window that starts by itself
// at startsAt (the banner shows from announceFrom); DELETE /schedule cancels it.
import type { Hono } from "hono";
import type { AdminEnv } from "../admin/api";
import { readBody, resolveScope } from "../admin/body";
import { switchOff, switchOn } from "../admin/changes";
import { commit } from "../admin/commit";
import { errorBody } from "../admin/errors";
import { OnInputSchema, ScopeOnlySchema } from "../state/schema";
import { readDoc } from "../state/store";

export function scheduleRoutes(app: Hono<AdminEnv>): void {
  app.post("/schedule", async (c) => {
    const body = await readBody(c, OnInputSchema);
    if (!body.ok) return body.response;
    if (!body.value.startsAt) {
      return c.json(errorBody("invalid_request", "startsAt: is required for a scheduled window (use /on to start now)", "startsAt"), 400);
    }
    const scope = resolveScope(c, body.value.scope);
    if (!scope.ok) return scope.response;
    const mode = body.value.mode ?? "maintenance";
    return commit(c, scope.value, "schedule", (doc, now) => switchOn(doc, body.value, mode, now));
  });

  app.delete("/schedule", async (c) => {
    const body = await readBody(c, ScopeOnlySchema);
    if (!body.ok) return body.response;
    const scope = resolveScope(c, body.value.scope);
    if (!scope.ok) return scope.response;
    // Nothing of the site's own to cancel (it follows "*"): say so, change nothing.
    const stored = await readDoc(c.env.MAINTENANCE, scope.value);
    if (stored.ok && (stored.doc === null || stored.doc.mode === "inherit")) {
      return c.json({ ok: true, scope: scope.value, transition: "updated", state: stored.doc, note: 'nothing of its own to cancel; a "*" window is cancelled with scope "*"' });
    }
    return commit(c, scope.value, "schedule.cancel", (doc) => ({ ok: true, doc: switchOff(doc) }));
  });
}
