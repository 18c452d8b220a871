// Shared by the e2e tests: a real origin and the worker under wrangler dev for
// each file that calls useStack(), and the admin API called as curl would.
import { afterAll, beforeAll } from "vitest";
import { startOrigin, type Origin } from "../support/origin";
import { startPitstop, type Pitstop } from "../support/pitstop";

/** The file's origin and worker: live bindings, set by useStack()'s beforeAll. */
export let origin: Origin;
export let pitstop: Pitstop;

/** Starts an origin and the worker in front of it before the file's tests, and stops both after. */
export function useStack(vars: Record<string, string> = { CACHE_SECONDS: "1" }): void {
  beforeAll(async () => {
    origin = await startOrigin();
    pitstop = await startPitstop({ originUrl: origin.url, vars });
  });
  afterAll(async () => {
    await pitstop?.stop();
    await origin?.close();
  });
}

/**
 * Calls the admin API with the token. With a body it POSTs it (as JSON unless
 * it is a string); without one, /on, /off and /read-only are an empty POST and
 * anything else a GET.
 */
export async function adminCall(path: string, body?: unknown): Promise<Response> {
  return fetch(`${pitstop.url}/__maint${path}`, {
    method: body === undefined && path !== "/on" && path !== "/off" && path !== "/read-only" ? "GET" : "POST",
    headers: { authorization: `Bearer ${pitstop.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** POSTs a JSON body (`{}` unless given) to the admin API. */
export function adminPost(path: string, body: unknown = {}): Promise<Response> {
  return adminCall(path, body);
}
