// Calling the real worker inside workerd, with real local KV and assets and
// the real origin server started by test/support/origin-global-setup.ts.
import { createExecutionContext, env, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { inject } from "vitest";
import type { Bindings } from "../../src/config";
import type { StateDoc } from "../../src/core/doc";
import worker, { pitstopFor } from "../../src/index";
import { COORDINATOR_NAME, type StateCoordinator } from "../../src/state/coordinator";
import { doc } from "../support/docs";

export { doc };

// The secrets vitest.config.ts binds for the worker.
export const ADMIN_TOKEN = "test-admin-token-0123456789";
export const BYPASS_SECRET = "test-bypass-secret-0123456789abcdef";

let siteCounter = 0;
/** A fresh hostname per test: the isolate cache and KV are shared within a file. */
export function freshSite(label = "site"): string {
  return `${label}-${++siteCounter}-${crypto.randomUUID().slice(0, 8)}.test`;
}

let defaultEnv: Bindings | undefined;

/**
 * The worker's env for a test. Without overrides it is always the same
 * object, as in a real isolate, so requests share one isolate's cache; each
 * call with overrides is a new deployment, with a cache of its own.
 */
export function testEnv(overrides?: Partial<Bindings>): Bindings {
  if (!overrides) return (defaultEnv ??= { ...env, ORIGIN_URL: inject("originUrl") } as Bindings);
  return { ...env, ORIGIN_URL: inject("originUrl"), ...overrides } as Bindings;
}

/** The isolate's state cache behind `e`: tests clear it to play a fresh isolate. */
export function cacheOf(e: Bindings = testEnv()) {
  return pitstopFor(e).cache;
}

/** Sends a request through the worker and waits for its waitUntil work. */
export async function send(input: string | Request, init?: RequestInit, e: Bindings = testEnv()): Promise<Response> {
  const request = typeof input === "string" ? new Request(input, init) : input;
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, e, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export interface AdminCall {
  method?: string;
  body?: unknown;
  token?: string | null;
  headers?: Record<string, string>;
}

export async function admin(site: string, path: string, call: AdminCall = {}, e?: Bindings): Promise<Response> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.token !== null) headers.authorization = `Bearer ${call.token ?? ADMIN_TOKEN}`;
  let body: string | undefined;
  if (call.body !== undefined) {
    body = typeof call.body === "string" ? call.body : JSON.stringify(call.body);
    headers["content-type"] ??= "application/json";
  }
  return send(`https://${site}/__maint${path}`, { method: call.method ?? (body === undefined ? "GET" : "POST"), headers, body }, e);
}

/** The coordinator of the test deployment (the real Durable Object, in workerd). */
export function coordinator() {
  return env.STATE_COORDINATOR.get(env.STATE_COORDINATOR.idFromName(COORDINATOR_NAME));
}

/** The scope's document as the coordinator stores it (null: none, or not JSON). */
export async function storedDoc(scope: string): Promise<StateDoc | null> {
  const raw = (await coordinator().status()).snapshot.docs[scope];
  if (raw === undefined) return null;
  try {
    return JSON.parse(raw) as StateDoc;
  } catch {
    return null;
  }
}

/** A document written straight into the coordinator's storage, as if by an admin. */
export async function putDoc(scope: string, partial: Partial<StateDoc>): Promise<void> {
  await putRaw(scope, (version) => JSON.stringify({ ...doc(partial), version }));
}

/**
 * Any text as a scope's stored document (a corrupt one, an old version),
 * numbered like a write; then this isolate and this location take the new
 * state, as they would after an admin call here.
 */
export async function putRaw(scope: string, text: string | ((version: number) => string)): Promise<void> {
  await editCoordinator((sql, version) => {
    sql.exec("INSERT OR REPLACE INTO docs (scope, doc, version) VALUES (?, ?, ?)", scope, typeof text === "string" ? text : text(version), version);
  }, scope);
}

/** Removes a scope's document from the coordinator (test clean-up), numbered like a write. */
export async function deleteDoc(scope: string): Promise<void> {
  await editCoordinator((sql) => void sql.exec("DELETE FROM docs WHERE scope = ?", scope), scope);
}

async function editCoordinator(edit: (sql: SqlStorage, version: number) => void, scope: string): Promise<void> {
  const stub = coordinator();
  await stub.status(); // adopted, and its tables made
  await runInDurableObject(stub, (_instance: StateCoordinator, state: DurableObjectState) => {
    const sql = state.storage.sql;
    const version = Number(sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'version'").toArray()[0]?.value ?? 0) + 1;
    edit(sql, version);
    sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('version', ?)", String(version));
    return state.storage.setAlarm(Date.now()); // and the KV copy follows, as after a commit
  });
  const { snapshot } = await stub.status();
  const pitstop = pitstopFor(testEnv());
  pitstop.cache.applyWrite(snapshot, Date.now());
  if (scope !== "*") await pitstop.source.publish(scope, snapshot);
}

export interface Echo {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  bodyLength: number;
  bodySha256: string;
  body?: string;
}
