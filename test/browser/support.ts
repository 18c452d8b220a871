// Shared by the browser tests: one Chromium (Debian's, never a downloaded one)
// with the worker under wrangler dev and a real origin, the admin API,
// screenshots, and what a visitor in Tokyo should read.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { startOrigin, type Origin } from "../support/origin";
import { startPitstop, type Pitstop } from "../support/pitstop";

export const CHROMIUM = process.env.PITSTOP_CHROMIUM ?? "/usr/bin/chromium";
export const SCREENSHOTS = new URL("../../test-artifacts/screenshots/", import.meta.url).pathname;

export const PHONE = { width: 375, height: 812 } as const;
export const DESKTOP = { width: 1280, height: 800 } as const;
export const TIMEZONE = "Asia/Tokyo";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (the browser tests never download one)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/** The file's origin, worker and Chromium: live bindings, set by useBrowserStack()'s beforeAll. */
export let origin: Origin;
export let pitstop: Pitstop;
export let browser: Browser;

/** Starts an origin, the worker in front of it (with `vars` on top) and Chromium before the file's tests, and stops them after. */
export function useBrowserStack(vars: Record<string, string> = {}): void {
  beforeAll(async () => {
    origin = await startOrigin();
    pitstop = await startPitstop({ originUrl: origin.url, vars: { CACHE_SECONDS: "1", ...vars } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await pitstop?.stop();
    await origin?.close();
  });
}

/** A fresh context: a visitor in Tokyo with an English browser, no cookies, no storage. */
export function newVisitor(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({ locale: "en-US", timezoneId: TIMEZONE, viewport: DESKTOP, ...options });
}

/** Runs `fn` on a page in a fresh visitor context of the file's browser, and closes the context. */
export async function withVisitor<T>(options: Parameters<typeof newVisitor>[1], fn: (page: Page, context: BrowserContext) => Promise<T>): Promise<T> {
  const context = await newVisitor(browser, options);
  try {
    return await fn(await context.newPage(), context);
  } finally {
    await context.close();
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Calls the admin API. KV takes at most one write per second per key, so a
 * refused write (503 storage_error) is retried once after a second.
 */
export async function admin(pitstop: Pitstop, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${pitstop.url}/__maint${path}`, {
      method,
      headers: { authorization: `Bearer ${pitstop.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status === 503 && json.error === "storage_error" && attempt < 3) {
      await new Promise((r) => setTimeout(r, 1100));
      continue;
    }
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
    return json;
  }
}

/** Back to a clean site: maintenance off, no window. */
export async function resetSite(pitstop: Pitstop): Promise<void> {
  await admin(pitstop, "DELETE", "/schedule");
  await admin(pitstop, "POST", "/off");
}

/** Waits until the public status.json (what the page polls) reports `mode`. */
export async function waitForMode(pitstop: Pitstop, mode: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${pitstop.url}/__maint/status.json`, { headers: { accept: "application/json" } });
    const json = (await res.json()) as { mode?: string };
    if (json.mode === mode) return;
    if (Date.now() > deadline) throw new Error(`status.json still says ${JSON.stringify(json)}, wanted mode ${mode}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The hour and minute a visitor in Tokyo reads for `iso` on a 12-hour clock
 * ("3:07"), as a pattern that cannot match the same time in UTC (9 h apart).
 */
export function tokyoClock(iso: string): RegExp {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: TIMEZONE, hour: "numeric", minute: "2-digit", hour12: true }).formatToParts(
    new Date(iso),
  );
  const hour = parts.find((p) => p.type === "hour")!.value;
  const minute = parts.find((p) => p.type === "minute")!.value;
  return new RegExp(`(^|\\D)${hour}:${minute}(\\D|$)`);
}

/** An ISO time `ms` from now, on a whole minute (so the shown minute is unambiguous). */
export function isoFromNow(ms: number): string {
  const t = Date.now() + ms;
  return new Date(t - (t % 60_000)).toISOString();
}
