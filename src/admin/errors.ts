// Admin errors are thrown once, where they are found, and rendered in one
// place (app.ts's onError): `{ok: false, error, message, field?}`. The full
// table of statuses and codes is in README.md ("Errors").
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { FieldError } from "../core/input";
import type { ErrorBody } from "../shared/api";

export function errorBody(error: string, message: string, field?: string): ErrorBody {
  return field === undefined ? { ok: false, error, message } : { ok: false, error, message, field };
}

export class AdminError extends HTTPException {
  constructor(status: ContentfulStatusCode, readonly body: ErrorBody, headers?: Record<string, string>) {
    super(status, { message: body.message, res: Response.json(body, { status, headers }) });
  }
}

/** 400 naming the field: "retryAfter: must be ...". */
export function invalidField(error: FieldError): AdminError {
  return new AdminError(400, errorBody("invalid_request", `${error.field}: ${error.message}`, error.field));
}

export function invalidJson(message: string): AdminError {
  return new AdminError(400, errorBody("invalid_json", message, "body"));
}
