// The admin API over HTTP. Every failure becomes a CliError with the right
// exit code: ServerError (2) when the worker answered no, NetworkError (3)
// when it could not be reached.
import type { AdminStatus, BypassLink, ChangeResult, LogPage, MintBody, OnBody, PublicStatus, RuleBody, RuleUsersBody } from "../shared/api";
import type { Connection } from "./config";
import { NetworkError, ServerError } from "./errors";
import { VERSION } from "./version";

export type {
  ActiveMode,
  AdminStatus,
  AllowBody,
  BypassLink,
  ChangeResult,
  LogEntry,
  LogPage,
  Message,
  Mode,
  OnBody,
  PublicStatus,
  Rule,
  RuleBody,
  StateDoc,
  Transition,
} from "../shared/api";

const TIMEOUT_MS = 15_000;

export class AdminClient {
  constructor(readonly conn: Connection) {}

  /** Where the admin API lives, for messages. */
  get base(): string {
    return `${this.conn.origin}${this.conn.prefix}`;
  }

  status(scope?: string): Promise<AdminStatus> {
    return this.call("GET", "/status", { query: { scope } });
  }

  on(body: OnBody, readOnly: boolean): Promise<ChangeResult> {
    return this.call("POST", readOnly ? "/read-only" : "/on", { body });
  }

  off(scope?: string): Promise<ChangeResult> {
    return this.call("POST", "/off", { body: { scope } });
  }

  schedule(body: OnBody & { startsAt: string }): Promise<ChangeResult> {
    return this.call("POST", "/schedule", { body });
  }

  /** Forget the scope's own document, so the site follows "*" again. */
  reset(scope?: string): Promise<ChangeResult> {
    return this.call("DELETE", "/state", { body: { scope } });
  }

  cancelSchedule(scope?: string): Promise<ChangeResult> {
    return this.call("DELETE", "/schedule", { body: { scope } });
  }

  log(limit: number, scope?: string): Promise<LogPage> {
    return this.call("GET", "/log", { query: { limit: String(limit), scope } });
  }

  bypass(body: MintBody): Promise<BypassLink> {
    return this.call("POST", "/bypass", { body });
  }

  revokeBypass(scope?: string): Promise<ChangeResult> {
    return this.call("POST", "/bypass/revoke", { body: { scope } });
  }

  /** Adds the rule, or replaces the one with the same id. */
  putRule(body: RuleBody): Promise<ChangeResult> {
    return this.call("POST", "/rules", { body });
  }

  /** Users in and out of a rule, applied to the rule as it stands when the worker writes. */
  ruleUsers(id: string, body: RuleUsersBody): Promise<ChangeResult> {
    return this.call("POST", `/rules/${encodeURIComponent(id)}/users`, { body });
  }

  removeRule(id: string, scope?: string): Promise<ChangeResult> {
    return this.call("DELETE", `/rules/${encodeURIComponent(id)}`, { query: { scope } });
  }

  /** The public status.json, without credentials: exactly what a visitor's page polls. */
  publicStatus(signal?: AbortSignal): Promise<PublicStatus> {
    return this.call("GET", "/status.json", { auth: false, signal });
  }

  private async call<T>(
    method: string,
    path: string,
    options: { query?: Record<string, string | undefined>; body?: object; auth?: boolean; signal?: AbortSignal },
  ): Promise<T> {
    const url = new URL(`${this.base}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": `pitstop-cli/${VERSION}`,
    };
    if (options.auth !== false) {
      headers.authorization = `Bearer ${this.conn.token}`;
      headers["x-pitstop-actor"] = this.conn.actor;
    }
    let payload: string | undefined;
    if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(options.body); // undefined fields drop out here
    }
    const timeout = AbortSignal.timeout(TIMEOUT_MS);
    // AbortSignal.any arrived in Node 20.3; without it, a caller's signal wins over the timeout.
    const signal = !options.signal ? timeout : typeof AbortSignal.any === "function" ? AbortSignal.any([timeout, options.signal]) : options.signal;
    const request = `${method} ${url.href}`;

    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: payload, redirect: "manual", signal });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw new NetworkError(url.href, describeFetchError(err));
    }

    const text = await res.text().catch(() => "");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get("location");
      throw new ServerError(res.status, null, `redirected${location ? ` to ${location}` : ""}`, request, [
        "Point PITSTOP_URL (or --url) at the address the worker answers on, usually https://.",
      ]);
    }
    if (!res.ok) {
      const body = (json ?? {}) as { error?: unknown; message?: unknown };
      const code = typeof body.error === "string" ? body.error : null;
      const message =
        typeof body.message === "string" ? body.message : text.trim().split("\n")[0]?.slice(0, 200) || res.statusText || "no message";
      throw new ServerError(res.status, code, message, request, hintsFor(res.status, code, path));
    }
    if (typeof json !== "object" || json === null) {
      throw new ServerError(res.status, null, "the answer is not JSON: is this a Pitstop worker?", request, [
        "Check PITSTOP_URL and PITSTOP_PREFIX (the worker's ADMIN_PREFIX, default /__maint).",
      ]);
    }
    return json as T;
  }
}

function hintsFor(status: number, code: string | null, path: string): string[] {
  if (status === 401) return ["Check PITSTOP_TOKEN (or --token-file) against the worker's ADMIN_TOKEN secret."];
  if (status === 404 && code === "not_found") {
    return [`This worker has no ${path} route: it may be older than this CLI (redeploy it), or ADMIN_PREFIX differs (set PITSTOP_PREFIX).`];
  }
  if (status === 404) return ["No Pitstop admin API here: check PITSTOP_URL and PITSTOP_PREFIX (the worker's ADMIN_PREFIX)."];
  return [];
}

/** Node's fetch hides the reason in `cause` (sometimes an AggregateError): dig it out. */
export function describeFetchError(err: unknown): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
    return `no answer within ${TIMEOUT_MS / 1000} s`;
  }
  let cause: unknown = err instanceof Error && err.cause !== undefined ? err.cause : err;
  if (cause instanceof AggregateError && cause.errors.length > 0) cause = cause.errors[0];
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}
