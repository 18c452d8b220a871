// Reading and validating admin request bodies. A bad body is answered with 400
// naming the field, and nothing is changed.
import type { Context } from "hono";
import type * as v from "valibot";
import { validate, ScopeSchema } from "../state/schema";
import { errorBody, type ErrorBody } from "./errors";

export const MAX_BODY_BYTES = 16 * 1024;

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

/** An empty body means `{}`, so `curl -X POST .../on` works as is. */
export async function readBody<S extends v.GenericSchema>(c: Context, schema: S): Promise<Parsed<v.InferOutput<S>>> {
  const text = await c.req.text();
  let input: unknown = {};
  if (text.trim() !== "") {
    try {
      input = JSON.parse(text);
    } catch {
      return fail(c, errorBody("invalid_json", "The body must be a JSON object, for example {\"message\":\"Back at 23:00\"}.", "body"));
    }
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      return fail(c, errorBody("invalid_json", "The body must be a JSON object.", "body"));
    }
  }
  const result = validate(schema, input);
  if (!result.ok) {
    return fail(c, errorBody("invalid_request", `${result.error.field}: ${result.error.message}`, result.error.field));
  }
  return { ok: true, value: result.value };
}

/** `scope` from the body or the query string (they must agree), else the request's host. */
export function resolveScope(c: Context, fromBody: string | undefined): Parsed<string> {
  const raw = new URL(c.req.url).searchParams.get("scope");
  let fromQuery: string | undefined;
  if (raw !== null) {
    const result = validate(ScopeSchema, raw);
    if (!result.ok) return fail(c, errorBody("invalid_request", `scope: ${result.error.message}`, "scope"));
    fromQuery = result.value;
  }
  if (fromBody !== undefined && fromQuery !== undefined && fromBody !== fromQuery) {
    return fail(c, errorBody("invalid_request", "scope: the body and the query string name different scopes", "scope"));
  }
  return { ok: true, value: fromBody ?? fromQuery ?? new URL(c.req.url).hostname.toLowerCase() };
}

function fail(c: Context, body: ErrorBody): { ok: false; response: Response } {
  return { ok: false, response: c.json(body, 400) };
}
