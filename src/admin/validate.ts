// Validator middleware for the admin routes: the body (or query) is checked
// against its valibot schema, and the scope is resolved, before the handler
// runs. A handler reads the result with `c.req.valid("json")` or
// `c.req.valid("query")`; a bad input is thrown as a 400 naming the field.
import type { Context, MiddlewareHandler } from "hono";
import { validator } from "hono/validator";
import type * as v from "valibot";
import { ScopeSchema, validate } from "../core/input";
import type { AdminEnv } from "./context";
import { invalidField, invalidJson } from "./errors";

type Scoped<T> = Omit<T, "scope"> & { scope: string };
type Input<S extends v.GenericSchema> = v.InferInput<S>;
type Output<S extends v.GenericSchema> = Scoped<v.InferOutput<S>>;

/**
 * The JSON body, validated, with `scope` resolved. An empty body means `{}`,
 * so `curl -X POST .../on` works as is.
 *
 * Hono's own `validator("json")` is not used here: it reads a body only when
 * the request says Content-Type: application/json, and `curl -d '{...}'` says
 * application/x-www-form-urlencoded, so the admin's message would be dropped
 * without a word. This does the same job for any content type.
 */
export function jsonBody<S extends v.GenericSchema>(
  schema: S,
): MiddlewareHandler<AdminEnv, string, { in: { json: Input<S> }; out: { json: Output<S> } }> {
  return async function jsonBodyValidator(c, next) {
    const text = await c.req.text();
    let input: unknown = {};
    if (text.trim() !== "") {
      try {
        input = JSON.parse(text);
      } catch {
        throw invalidJson('The body must be a JSON object, for example {"message":"Back at 23:00"}.');
      }
      if (typeof input !== "object" || input === null || Array.isArray(input)) throw invalidJson("The body must be a JSON object.");
    }
    const result = validate(schema, input);
    if (!result.ok) throw invalidField(result.error);
    const value = result.value as { scope?: string };
    c.req.addValidatedData("json", { ...value, scope: resolveScope(c, value.scope) });
    await next();
  };
}

/** The query string, validated, with `scope` resolved. */
export function queryInput<S extends v.GenericSchema>(schema: S) {
  return validator("query", (query, c: Context<AdminEnv>): Output<S> => {
    const result = validate(schema, query);
    if (!result.ok) throw invalidField(result.error);
    const value = result.value as { scope?: string };
    return { ...value, scope: resolveScope(c, value.scope) } as Output<S>;
  });
}

/** `scope` from the body or the query string (they must agree), else the request's host. */
function resolveScope(c: Context<AdminEnv>, fromBody: string | undefined): string {
  const raw = c.req.query("scope");
  let fromQuery: string | undefined;
  if (raw !== undefined) {
    const result = validate(ScopeSchema, raw);
    if (!result.ok) throw invalidField({ field: "scope", message: result.error.message });
    fromQuery = result.value;
  }
  if (fromBody !== undefined && fromQuery !== undefined && fromBody !== fromQuery) {
    throw invalidField({ field: "scope", message: "the body and the query string name different scopes" });
  }
  return fromBody ?? fromQuery ?? c.env.rc.site;
}
