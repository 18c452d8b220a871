// The page in the visitor's language: fr-FR and ca-ES at phone and desktop widths (times by Intl in that language and the visitor's zone, text that fits), every language at phone width, the banner in French, and "email me when we're back" submitted with JavaScript off — browser harness, a real Chromium against the worker under wrangler dev and a real origin.
import { beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { LANGUAGES, type Language } from "../../src/core/message";
import { t } from "../../src/i18n/catalog";
import { DESKTOP, PHONE, admin, isoFromNow, pitstop, resetSite, screenshot, useBrowserStack, waitForMode, withVisitor } from "./support";

useBrowserStack({ NOTIFY_FROM: "maintenance@example.org" });

const MESSAGE = { en: "We are moving to a new database server.", fr: "Nous migrons vers un nouveau serveur de base de données.", ca: "Estem migrant a un nou servidor de bases de dades." };
let endsAt: string;

/** A browser of that country and language. */
const LOCALE: Record<Language, string> = { en: "en-GB", fr: "fr-FR", es: "es-ES", ca: "ca-ES", de: "de-DE", nl: "nl-NL", it: "it-IT", pt: "pt-PT" };

beforeAll(async () => {
  endsAt = isoFromNow(60 * 60_000);
  await admin(pitstop, "POST", "/on", { message: MESSAGE, endsAt });
  await waitForMode(pitstop, "maintenance");
});

/** Nothing sticks out sideways: the page does not scroll horizontally and these boxes sit inside the viewport. */
async function expectFits(page: Page, width: number, selectors: string[]): Promise<void> {
  const widths = await page.evaluate(() => ({ scroll: document.scrollingElement!.scrollWidth, inner: innerWidth }));
  expect(widths.scroll, "horizontal overflow").toBeLessThanOrEqual(widths.inner);
  for (const selector of selectors) {
    const box = await page.locator(selector).first().boundingBox();
    expect(box, selector).not.toBeNull();
    expect(box!.x, selector).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width, selector).toBeLessThanOrEqual(width);
  }
}

describe("the maintenance page in French and Catalan", () => {
  for (const lang of ["fr", "ca"] as const) {
    for (const [device, viewport] of [["phone", PHONE], ["desktop", DESKTOP]] as const) {
      it(`reads in ${LOCALE[lang]} on a ${device} (${viewport.width}px): texts, message, times in that language and zone, nothing overflows`, async () => {
        await withVisitor({ viewport, locale: LOCALE[lang] }, async (page) => {
          const response = await page.goto(`${pitstop.url}/menu`);
          expect(response?.status()).toBe(503);
          expect(response?.headers()["content-language"]).toBe(lang);
          expect(await page.getAttribute("html", "lang")).toBe(lang);
          await page.getByRole("heading", { level: 1 }).waitFor({ state: "visible" });
          expect(await page.title()).toBe(t(lang, "maintenance.title"));
          expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe(t(lang, "maintenance.title"));
          expect(await page.locator('[data-pitstop="message"]').innerText()).toBe(MESSAGE[lang]);
          expect(await page.locator(".ends-label").innerText()).toBe(t(lang, "maintenance.endsLabel"));
          expect(await page.locator('[data-pitstop="note"]').innerText()).toBe(t(lang, "maintenance.refreshNote"));
          expect(await page.getByRole("button", { name: t(lang, "notify.button") }).isVisible()).toBe(true);

          // The end: the script's text in this language, with Intl's time in this language and the visitor's zone (Tokyo).
          const expected = await page.evaluate(
            ({ iso, locale, texts }) => {
              const when = new Date(iso);
              const time = new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit", timeZoneName: "short" }).format(when);
              const unit = (n: number, u: string) => new Intl.NumberFormat(locale, { style: "unit", unit: u, unitDisplay: "long" }).format(n);
              return {
                ends: [texts.today.replace("{time}", time), texts.tomorrow.replace("{time}", time)],
                countdown: [texts.about.replace("{duration}", unit(59, "minute")), texts.about.replace("{duration}", unit(1, "hour"))],
              };
            },
            { iso: endsAt, locale: LOCALE[lang], texts: { today: t(lang, "time.today"), tomorrow: t(lang, "time.tomorrow"), about: t(lang, "countdown.about") } },
          );
          const ends = await page.locator('time[data-pitstop="ends"]').innerText();
          expect(expected.ends).toContain(ends);
          expect(ends).toMatch(/GMT\+9|UTC\+9|JST/);
          expect(expected.countdown).toContain(await page.locator('[data-pitstop="countdown"]').innerText());

          await expectFits(page, viewport.width, ["main", "h1", '[data-pitstop="message"]', '[data-pitstop="ends-wrap"]', 'form[data-pitstop="notify"]', ".notify button"]);
          await screenshot(page, `maintenance-${LOCALE[lang]}-${device}`);
        });
      });
    }
  }
});

describe("every language at phone width", () => {
  for (const lang of LANGUAGES) {
    it(`${LOCALE[lang]}: the page's own texts, and no text wider than the phone`, async () => {
      await withVisitor({ viewport: PHONE, locale: LOCALE[lang] }, async (page) => {
        await page.goto(`${pitstop.url}/`);
        await page.getByRole("heading", { level: 1 }).waitFor({ state: "visible" });
        expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe(t(lang, "maintenance.title"));
        expect(await page.locator("label[for=pitstop-email]").innerText()).toBe(t(lang, "notify.title"));
        await expectFits(page, PHONE.width, ["main", "h1", '[data-pitstop="ends-wrap"]', 'form[data-pitstop="notify"]', ".notify input", ".notify button"]);
        await screenshot(page, `maintenance-${LOCALE[lang]}-phone-all`);
      });
    });
  }
});

describe("email me when we're back, with JavaScript off", () => {
  it("submits the form in French and lands back on the page, thanked, with the form gone", async () => {
    await withVisitor({ viewport: PHONE, locale: "fr-FR", javaScriptEnabled: false }, async (page) => {
      const response = await page.goto(`${pitstop.url}/menu`);
      expect(response?.status()).toBe(503);
      // No script: the no-script note shows, in French; the thank-you waits.
      // (Playwright's text selectors skip <noscript>, so it is found by its element.)
      const noscript = page.locator("noscript.note");
      expect(await noscript.isVisible()).toBe(true);
      expect(await noscript.innerText()).toBe(t("fr", "maintenance.noscriptNote"));
      expect(await page.locator("#pitstop-notify-ok").isVisible()).toBe(false);

      await page.getByLabel(t("fr", "notify.title")).fill("lea@example.org");
      await screenshot(page, "notify-no-js-fr-FR-filled");
      const [post] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith("/__maint/notify")),
        page.getByRole("button", { name: t("fr", "notify.button") }).click(),
      ]);
      expect(post.status()).toBe(303);
      await page.waitForURL(`${pitstop.url}/menu#pitstop-notify-ok`);
      const thanks = page.locator("#pitstop-notify-ok");
      await thanks.waitFor({ state: "visible" });
      expect(await thanks.innerText()).toBe(t("fr", "notify.thanks"));
      expect(await page.locator('form[data-pitstop="notify"]').isVisible()).toBe(false);
      await expectFits(page, PHONE.width, ["main", "#pitstop-notify-ok"]);
      await screenshot(page, "notify-no-js-fr-FR-thanked");
    });
    const status = (await admin(pitstop, "GET", "/status")) as { notify: { subscribed: number } };
    expect(status.notify.subscribed).toBe(1);
  });

  it("refuses an address the browser let through, in French, with a way back", async () => {
    await withVisitor({ viewport: PHONE, locale: "fr-FR", javaScriptEnabled: false }, async (page) => {
      await page.goto(`${pitstop.url}/menu`);
      // type=email accepts "a@b"; Pitstop wants a domain with a dot.
      await page.getByLabel(t("fr", "notify.title")).fill("lea@localhost");
      const [post] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith("/__maint/notify")),
        page.getByRole("button", { name: t("fr", "notify.button") }).click(),
      ]);
      expect(post.status()).toBe(400);
      await page.getByRole("heading", { level: 1 }).waitFor({ state: "visible" });
      expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe(t("fr", "notify.invalidTitle"));
      expect(await page.content()).not.toContain("lea@localhost");
      await expectFits(page, PHONE.width, ["main", "h1"]);
      await screenshot(page, "notify-no-js-fr-FR-invalid");
      await page.getByRole("link", { name: t("fr", "notify.back") }).click();
      await page.waitForURL(`${pitstop.url}/menu`);
    });
  });
});

describe("the banner in French", () => {
  it("announces the window in French, the time by Intl in French and the visitor's zone", async () => {
    await resetSite(pitstop);
    await waitForMode(pitstop, "off");
    const startsAt = isoFromNow(2 * 86_400_000);
    await admin(pitstop, "POST", "/schedule", { startsAt, announceFrom: isoFromNow(-60_000), message: MESSAGE });
    try {
      await withVisitor({ viewport: PHONE, locale: "fr-FR" }, async (page) => {
        await page.goto(`${pitstop.url}/html`);
        const banner = page.getByRole("region", { name: t("fr", "banner.scheduled") });
        await banner.waitFor({ state: "visible", timeout: 5_000 });
        const text = await banner.locator(".pb-tx").innerText();
        const time = await page.evaluate(
          (iso) =>
            new Intl.DateTimeFormat("fr", { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit", timeZoneName: "short" }).format(new Date(iso)),
          startsAt,
        );
        expect(text).toBe(`${t("fr", "banner.scheduled")} ${t("fr", "banner.scheduledOn", { time })}${t("fr", "banner.separator")}${MESSAGE.fr}`);
        expect(await page.getByRole("button", { name: t("fr", "banner.dismiss") }).isVisible()).toBe(true);
        await expectFits(page, PHONE.width, ["#pitstop-banner"]);
        await screenshot(page, "banner-fr-FR-phone");
      });
    } finally {
      await resetSite(pitstop);
    }
  });
});
