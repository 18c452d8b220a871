// The announcement banner ahead of a window: layout on phone and desktop, light and dark, and dismissal — browser harness, a real Chromium against the worker under wrangler dev and a real origin.
import { beforeEach, describe, expect, it } from "vitest";
import { DESKTOP, PHONE, admin, isoFromNow, pitstop, resetSite, screenshot, tokyoClock, useBrowserStack, waitForMode, withVisitor } from "./support";

useBrowserStack();
beforeEach(async () => {
  await resetSite(pitstop);
  await waitForMode(pitstop, "off");
});

describe("the announcement banner", () => {
  const MESSAGE = "Database upgrade";
  let startsAt: string;

  beforeEach(async () => {
    startsAt = isoFromNow(2 * 86_400_000);
    await admin(pitstop, "POST", "/schedule", { startsAt, announceFrom: isoFromNow(-60_000), message: MESSAGE });
    await waitForMode(pitstop, "off"); // scheduled, not active: the site runs normally
  });

  for (const [device, viewport] of [["phone", PHONE], ["desktop", DESKTOP]] as const) {
    for (const scheme of ["light", "dark"] as const) {
      it(`shows on the origin's page on a ${device} in ${scheme} mode, above the page's own heading`, async () => {
        await withVisitor({ viewport, colorScheme: scheme }, async (page) => {
          const response = await page.goto(`${pitstop.url}/html`);
          expect(response?.status()).toBe(200);
          const heading = page.getByRole("heading", { name: "Hello from the origin" });
          await heading.waitFor({ state: "visible" });

          const banner = page.getByRole("region", { name: "Scheduled maintenance" });
          await banner.waitFor({ state: "visible", timeout: 5_000 });
          expect(await page.locator("#pitstop-banner").count()).toBe(1);
          const text = await banner.innerText();
          expect(text).toContain("Scheduled maintenance");
          expect(text).toContain(MESSAGE);
          // The start in the visitor's local time (Tokyo), not UTC.
          expect(text).toMatch(tokyoClock(startsAt));
          expect(text).not.toContain("UTC");
          expect(await page.getByRole("button", { name: "Dismiss maintenance notice" }).isVisible()).toBe(true);

          // The banner covers nothing of the page.
          const b = (await banner.boundingBox())!;
          const h = (await heading.boundingBox())!;
          const overlap = b.x < h.x + h.width && h.x < b.x + b.width && b.y < h.y + h.height && h.y < b.y + b.height;
          expect(overlap, `banner ${JSON.stringify(b)} heading ${JSON.stringify(h)}`).toBe(false);
          expect(h.y).toBeGreaterThanOrEqual(b.y + b.height);
          const topmost = await page.evaluate(() => {
            const el = [...document.querySelectorAll("h1")].find((e) => e.textContent === "Hello from the origin")!;
            const r = el.getBoundingClientRect();
            return document.elementFromPoint(r.left + Math.min(10, r.width / 2), r.top + r.height / 2) === el;
          });
          expect(topmost).toBe(true);
          expect(b.width).toBeLessThanOrEqual(viewport.width);
          const widths = await page.evaluate(() => ({ scroll: document.scrollingElement!.scrollWidth, inner: innerWidth }));
          expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
          await screenshot(page, `banner-${device}-${scheme}`);
        });
      });
    }
  }

  it("stays dismissed after a reload, for that visitor only", async () => {
    await withVisitor({}, async (page) => {
      await page.goto(`${pitstop.url}/html`);
      const banner = page.getByRole("region", { name: "Scheduled maintenance" });
      await banner.waitFor({ state: "visible", timeout: 5_000 });
      await page.getByRole("button", { name: "Dismiss maintenance notice" }).click();
      await banner.waitFor({ state: "hidden", timeout: 5_000 });
      expect(await page.getByRole("heading", { name: "Hello from the origin" }).isVisible()).toBe(true);

      const again = await page.reload({ waitUntil: "load" });
      expect(again?.status()).toBe(200);
      await page.getByRole("heading", { name: "Hello from the origin" }).waitFor({ state: "visible" });
      expect(await page.getByText(MESSAGE).count()).toBe(0);
      expect(await banner.isVisible()).toBe(false);
      await screenshot(page, "banner-dismissed-desktop-light");
    });

    await withVisitor({}, async (page) => {
      await page.goto(`${pitstop.url}/html`);
      await page.getByRole("region", { name: "Scheduled maintenance" }).waitFor({ state: "visible", timeout: 5_000 });
    });
  });
});
