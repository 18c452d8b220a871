// Calling the real worker inside workerd, with real local KV and assets and
// the real origin server started by test/support/origin-global-setup.ts.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { inject } from "vitest";
import type { Bindings } from "../../src/config";
import worker from "../../src/index";
import { emptyDoc, type StateDoc } from "../../src/state/schema";

export const ADMIN_TOKEN = "test-admin-token-0123456789";

let siteCounter = 0;
/** A fresh hostname per test: the isolate cache and KV are shared within a file. */
export function freshSite(label = "site"): string {
  return `${label}-${++siteCounter}-${crypto.randomUUID().slice(0, 8)}.test`;
}

export function testEnv(overrides: Partial<Bindings> = {}): Bindings {
  return { ...env, ORIGIN_URL: inject("originUrl"), ...overrides } as Bindings;
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

export async function storedDoc(scope: string): Promise<StateDoc | null> {
  return env.MAINTENANCE.get<StateDoc>(`site:${scope}`, "json");
}

export function doc(partial: Partial<StateDoc>): StateDoc {
  return { ...emptyDoc(new Date(), "test"), mode: "maintenance", ...partial };
}

export async function putDoc(scope: string, partial: Partial<StateDoc>): Promise<void> {
  await env.MAINTENANCE.put(`site:${scope}`, JSON.stringify(doc(partial)));
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
