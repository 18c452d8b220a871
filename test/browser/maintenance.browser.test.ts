// The maintenance page: phone and desktop, light and dark, the end in the visitor's time zone, no off-site request, reload after `off` — browser harness, a real Chromium against the worker under wrangler dev and a real origin.
import { beforeAll, describe, expect, it } from "vitest";
import type { ConsoleMessage, Request as PwRequest } from "playwright-core";
import { DESKTOP, PHONE, admin, browser, isoFromNow, newVisitor, pitstop, screenshot, tokyoClock, useBrowserStack, waitForMode } from "./support";

const MESSAGE = "Moving to a new server";
let endsAt: string;

useBrowserStack();
beforeAll(async () => {
  endsAt = isoFromNow(60 * 60_000);
  await admin(pitstop, "POST", "/on", { message: MESSAGE, endsAt });
  await waitForMode(pitstop, "maintenance");
});

/** Page background per colour scheme, from assets/maintenance.html (--bg). */
const BACKGROUND = { light: "rgb(243, 245, 248)", dark: "rgb(13, 18, 23)" } as const;

describe("the maintenance page", () => {
  for (const [device, viewport] of [["phone", PHONE], ["desktop", DESKTOP]] as const) {
    for (const scheme of ["light", "dark"] as const) {
      it(`reads well on a ${device} (${viewport.width}px) in ${scheme} mode, with the end in Tokyo time`, async () => {
        const context = await newVisitor(browser, { viewport, colorScheme: scheme });
        try {
          const page = await context.newPage();
          const response = await page.goto(`${pitstop.url}/html`);
          expect(response?.status()).toBe(503);

          const h1 = page.getByRole("heading", { level: 1 });
          await h1.waitFor({ state: "visible" });
          expect(await h1.innerText()).toBe("We'll be back soon");
          expect(await page.title()).toBe("We'll be back soon");
          const message = page.locator('[data-pitstop="message"]');
          expect(await message.isVisible()).toBe(true);
          expect(await message.innerText()).toBe(MESSAGE);

          // The script replaced the UTC fallback with Tokyo local time.
          const ends = page.locator('time[data-pitstop="ends"]');
          expect(await ends.isVisible()).toBe(true);
          const endsText = await ends.innerText();
          expect(endsText).toMatch(tokyoClock(endsAt));
          expect(endsText).toMatch(/GMT\+9|JST/);
          expect(endsText).not.toContain("UTC");
          expect(await page.locator('[data-pitstop="countdown"]').innerText()).toMatch(/^about (\d+ minutes|1 hour) from now$/);
          expect(await page.locator('[data-pitstop="note"]').isVisible()).toBe(true);

          // Light or dark as the visitor's system asks.
          expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(BACKGROUND[scheme]);

          // Nothing sticks out sideways; the card and its text sit inside the viewport.
          const widths = await page.evaluate(() => ({ scroll: document.scrollingElement!.scrollWidth, inner: innerWidth }));
          expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
          for (const selector of ["main", "h1", '[data-pitstop="message"]', '[data-pitstop="ends-wrap"]']) {
            const box = await page.locator(selector).boundingBox();
            expect(box, selector).not.toBeNull();
            expect(box!.x, selector).toBeGreaterThanOrEqual(0);
            expect(box!.x + box!.width, selector).toBeLessThanOrEqual(viewport.width);
          }
          await screenshot(page, `maintenance-${device}-${scheme}`);
        } finally {
          await context.close();
        }
      });
    }
  }

  it("makes no failed or off-site request, and breaks no CSP rule (including its status poll)", async () => {
    const context = await newVisitor(browser);
    try {
      const page = await context.newPage();
      const requests: PwRequest[] = [];
      const failed: string[] = [];
      const consoleErrors: ConsoleMessage[] = [];
      const pageErrors: string[] = [];
      page.on("request", (r) => requests.push(r));
      page.on("requestfailed", (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") consoleErrors.push(m);
      });
      page.on("pageerror", (e) => pageErrors.push(e.message));
      await page.addInitScript(() => {
        const seen: string[] = [];
        (window as unknown as { __csp: string[] }).__csp = seen;
        document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      // Fake timers: the first poll of status.json is due 12-18 s after load.
      await page.clock.install();

      const pageUrl = `${pitstop.url}/html`;
      const response = await page.goto(pageUrl, { waitUntil: "load" });
      expect(response?.status()).toBe(503);
      expect(response?.headers()["content-security-policy"]).toContain("default-src 'none'");
      const poll = page.waitForResponse((r) => r.url().endsWith("/__maint/status.json"));
      await page.clock.runFor(20_000);
      const polled = await poll;
      expect(polled.status()).toBe(200);
      expect(((await polled.json()) as { mode: string }).mode).toBe("maintenance");
      await page.waitForLoadState("networkidle");

      const workerOrigin = new URL(pitstop.url).origin;
      const urls = requests.map((r) => r.url());
      expect(urls).toContain(pageUrl);
      expect(urls).toContain(`${workerOrigin}/__maint/status.json`);
      for (const url of urls) expect(new URL(url).origin, url).toBe(workerOrigin);
      for (const r of requests) {
        if (r.url() === pageUrl) continue; // the page itself is a 503 by design
        const res = await r.response();
        expect(res?.status(), r.url()).toBeLessThan(400);
      }
      expect(failed).toEqual([]);
      expect(pageErrors).toEqual([]);
      const unexpected = consoleErrors
        .filter((m) => !(m.location().url === pageUrl && /status of 503/.test(m.text()))) // Chromium reports the 503 page itself
        .map((m) => `${m.type()}: ${m.text()}`);
      expect(unexpected).toEqual([]);
      expect(consoleErrors.some((m) => /Content Security Policy/i.test(m.text()))).toBe(false);
      expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("reloads into the origin's page by itself after `off` (first poll ~15 s, on a fake clock)", async () => {
    const context = await newVisitor(browser);
    try {
      const page = await context.newPage();
      const polls: string[] = [];
      page.on("request", (r) => {
        if (r.url().endsWith("/__maint/status.json")) polls.push(r.url());
      });
      await page.clock.install();
      const response = await page.goto(`${pitstop.url}/html`);
      expect(response?.status()).toBe(503);
      await page.getByRole("heading", { name: "We'll be back soon" }).waitFor({ state: "visible" });

      await admin(pitstop, "POST", "/off");
      await waitForMode(pitstop, "off");

      // Not before the first poll (15 s minus 20 % jitter): the page is still up.
      await page.clock.runFor(11_000);
      expect(polls).toEqual([]);
      expect(await page.getByRole("heading", { name: "We'll be back soon" }).isVisible()).toBe(true);

      // The first poll (at most 18 s) sees "off" and reloads into the real site.
      const reloaded = page.waitForResponse((r) => r.url() === `${pitstop.url}/html` && r.status() === 200);
      await page.clock.runFor(8_000);
      await reloaded;
      await page.getByRole("heading", { name: "Hello from the origin" }).waitFor({ state: "visible", timeout: 15_000 });
      expect(page.url()).toBe(`${pitstop.url}/html`);
      expect(await page.title()).toBe("Origin");
      expect(polls).toHaveLength(1);
      expect(await page.evaluate(() => JSON.parse(sessionStorage.getItem("pitstop-reloads") ?? "null")?.n)).toBe(1);
    } finally {
      await context.close();
    }
  });
});
