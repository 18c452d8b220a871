// A bypass link in the browser: the tester lands on the real site, HttpOnly cookie, others see maintenance — browser harness, a real Chromium against the worker under wrangler dev and a real origin.
import { beforeEach, describe, expect, it } from "vitest";
import { admin, pitstop, resetSite, screenshot, useBrowserStack, waitForMode, withVisitor } from "./support";

useBrowserStack();
beforeEach(async () => {
  await resetSite(pitstop);
  await waitForMode(pitstop, "off");
});

describe("a bypass link in the browser", () => {
  it("lands the tester on the real page while a fresh visitor sees maintenance; the cookie is HttpOnly", async () => {
    await admin(pitstop, "POST", "/on", { message: "Moving to a new server" });
    await waitForMode(pitstop, "maintenance");
    const minted = await admin(pitstop, "POST", "/bypass", { next: "/html" });
    expect(typeof minted.url).toBe("string");

    await withVisitor({}, async (page, context) => {
      const response = await page.goto(minted.url as string);
      expect(response?.status()).toBe(200);
      expect(page.url()).toBe(`${pitstop.url}/html`);
      await page.getByRole("heading", { name: "Hello from the origin" }).waitFor({ state: "visible" });
      expect(await page.getByRole("heading", { name: "We'll be back soon" }).count()).toBe(0);

      // The cookie is there, but page scripts cannot read it.
      const cookies = await context.cookies(pitstop.url);
      const bypass = cookies.find((c) => c.name.includes("pitstop_bypass"));
      expect(bypass, JSON.stringify(cookies)).toBeDefined();
      expect(bypass!.httpOnly).toBe(true);
      expect(bypass!.sameSite).toBe("Lax");
      expect(await page.evaluate(() => document.cookie)).not.toContain("pitstop_bypass");

      // It keeps working on the next navigation.
      const again = await page.reload();
      expect(again?.status()).toBe(200);
      await page.getByRole("heading", { name: "Hello from the origin" }).waitFor({ state: "visible" });
      await screenshot(page, "bypass-origin-page");
    });

    await withVisitor({}, async (page, context) => {
      expect(await context.cookies()).toEqual([]);
      const response = await page.goto(`${pitstop.url}/html`);
      expect(response?.status()).toBe(503);
      await page.getByRole("heading", { name: "We'll be back soon" }).waitFor({ state: "visible" });
      expect(await page.getByText("Moving to a new server").isVisible()).toBe(true);
      expect(await page.getByRole("heading", { name: "Hello from the origin" }).count()).toBe(0);
    });
  });
});
