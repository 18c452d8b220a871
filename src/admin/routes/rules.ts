// Rules: maintenance for a feature or for some users. POST /rules adds one or
// replaces the one with the same id; DELETE /rules/{id} removes it.
import type { Hono } from "hono";
import { RuleIdSchema, RuleInputSchema, ScopeOnlySchema, validate } from "../../core/input";
import type { AdminEnv, AdminParts } from "../context";
import { invalidField } from "../errors";
import { actorOf, runChange } from "../pipeline";
import { jsonBody, queryInput } from "../validate";

export function ruleRoutes(app: Hono<AdminEnv>, parts: AdminParts): void {
  app.post("/rules", jsonBody(RuleInputSchema), async (c) => {
    const { scope, ...rule } = c.req.valid("json");
    return c.json(await runChange(parts, c.env.rc, { scope, action: { kind: "rule.put", rule }, actor: actorOf(c.req.raw.headers) }));
  });

  app.delete("/rules/:id", queryInput(ScopeOnlySchema), async (c) => {
    const { scope } = c.req.valid("query");
    const id = validate(RuleIdSchema, c.req.param("id"));
    if (!id.ok) throw invalidField({ field: "id", message: id.error.message });
    return c.json(await runChange(parts, c.env.rc, { scope, action: { kind: "rule.delete", id: id.value }, actor: actorOf(c.req.raw.headers) }));
  });
}
