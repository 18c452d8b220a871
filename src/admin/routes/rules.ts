// Rules: maintenance for a feature or for some users. POST /rules adds one or
// replaces the one with the same id; DELETE /rules/{id} removes it; POST
// /rules/{id}/users moves users in and out of one, as it stands when written.
import type { Hono } from "hono";
import { RuleIdSchema, RuleInputSchema, RuleUsersInputSchema, ScopeOnlySchema, validate } from "../../core/input";
import type { AdminEnv, AdminParts } from "../context";
import { invalidField } from "../errors";
import { actorOf, runChange } from "../pipeline";
import { jsonBody } from "../validate";

export function ruleRoutes(app: Hono<AdminEnv>, parts: AdminParts): void {
  app.post("/rules", jsonBody(RuleInputSchema), async (c) => {
    const { scope, ...rule } = c.req.valid("json");
    return c.json(await runChange(parts, c.env.rc, { scope, action: { kind: "rule.put", rule }, actor: actorOf(c.req.raw.headers) }));
  });

  app.post("/rules/:id/users", jsonBody(RuleUsersInputSchema), async (c) => {
    const { scope, add, remove, create } = c.req.valid("json");
    const id = ruleId(c.req.param("id"));
    return c.json(await runChange(parts, c.env.rc, { scope, action: { kind: "rule.users", id, add, remove, create }, actor: actorOf(c.req.raw.headers) }));
  });

  app.delete("/rules/:id", jsonBody(ScopeOnlySchema), async (c) => {
    const { scope } = c.req.valid("json");
    return c.json(await runChange(parts, c.env.rc, { scope, action: { kind: "rule.delete", id: ruleId(c.req.param("id")) }, actor: actorOf(c.req.raw.headers) }));
  });
}

function ruleId(raw: string): string {
  const id = validate(RuleIdSchema, raw);
  if (!id.ok) throw invalidField({ field: "id", message: id.error.message });
  return id.value;
}
