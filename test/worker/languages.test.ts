// Every visitor-facing text in the visitor's language: each page in each language, problem+json, the banner, status.json, the admin's message per language — worker harness, the whole worker in workerd with real local KV and a real origin.
import { afterEach, describe, expect, it } from "vitest";
import { escapeHtml } from "../../src/banner/markup";
import { LANGUAGES, type Language } from "../../src/core/message";
import { CATALOG, t, type TextKey } from "../../src/i18n/catalog";
import { utcText } from "../../src/page/time";
import { admin, freshSite, putDoc, putRaw, send, testEnv } from "./helpers";

const HOUR = 3600_000;
const TEMPLATES = ["maintenance.html", "read-only.html", "link-invalid.html", "notify.html"];
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
/** A browser of that country: its language with a region first, then English as a fallback. */
const browser = (lang: Language) => `${lang}-${lang === "en" ? "GB" : lang.toUpperCase()},${lang};q=0.9,en;q=0.5`;

/** The text as HTMLRewriter's setInnerContent writes it (it escapes &, < and >; quotes stay). */
const escaped = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function expectLanguage(res: Response, lang: Language): void {
  expect(res.headers.get("content-language")).toBe(lang);
  expect(res.headers.get("vary")).toBe("Accept, Accept-Language");
  // The language is never remembered in a cookie.
  expect(res.headers.getSetCookie()).toEqual([]);
}

/** What a visitor can read: the page without its comments and scripts (whose English is only a preview's fallback). */
const visible = (html: string) => html.replace(/<!--[\s\S]*?-->/g, "").replace(/<script[\s\S]*?<\/script>/g, "");

/** The page holds each of these texts in `lang`, and, for another language, none of their English. */
function expectTexts(html: string, lang: Language, keys: TextKey[]): void {
  const shown = visible(html);
  for (const key of keys) {
    expect(shown, `${lang} ${key}`).toContain(escaped(t(lang, key)));
    if (lang !== "en") expect(shown, `English ${key} left on the ${lang} page`).not.toContain(escaped(t("en", key)));
  }
}

describe.each(LANGUAGES)("in %s", (lang) => {
  it("the maintenance page: lang, title, texts, the end in UTC in that language, and the script's texts", async () => {
    const site = freshSite();
    const endsAt = iso(2 * HOUR);
    await putDoc(site, { mode: "maintenance", endsAt });
    const res = await send(`https://${site}/menu`, { headers: { accept: "text/html", "accept-language": browser(lang) } });
    expect(res.status).toBe(503);
    expectLanguage(res, lang);
    const html = await res.text();
    expect(html).toContain(`<html lang="${lang}"`);
    expect(html).toContain(`<title>${escaped(t(lang, "maintenance.title"))}</title>`);
    expectTexts(html, lang, ["maintenance.title", "maintenance.message", "maintenance.endsLabel", "maintenance.refreshNote", "maintenance.noscriptNote"]);
    expect(html).toContain(`<time data-pitstop="ends" datetime="${endsAt}">${escaped(utcText(endsAt, lang))}</time>`);
    const strings = JSON.parse(/data-strings="([^"]*)"/.exec(html)![1]!.replace(/&quot;/g, '"').replace(/&amp;/g, "&")) as Record<string, string>;
    expect(strings["countdown.about"]).toBe(t(lang, "countdown.about"));
    expect(strings["time.tomorrow"]).toBe(t(lang, "time.tomorrow"));
  });

  it("the read-only refusal page", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "read-only" });
    const res = await send(`https://${site}/cart`, { method: "POST", body: "x=1", headers: { accept: "text/html", "accept-language": browser(lang) } });
    expect(res.status).toBe(503);
    expectLanguage(res, lang);
    const html = await res.text();
    expect(html).toContain(`<html lang="${lang}"`);
    expectTexts(html, lang, ["readOnly.title", "readOnly.message", "readOnly.advice", "readOnly.back", "page.home"]);
  });

  it("the origin-down page", async () => {
    const res = await send(`https://${freshSite()}/status/502`, { headers: { accept: "text/html", "accept-language": browser(lang) } });
    expect(res.status).toBe(502);
    expectLanguage(res, lang);
    expectTexts(await res.text(), lang, ["originDown.title", "originDown.message"]);
  });

  it("the invalid-link page", async () => {
    const res = await send(`https://${freshSite()}/__maint/bypass?token=forged`, { headers: { accept: "text/html", "accept-language": browser(lang) } });
    expect(res.status).toBe(403);
    expectLanguage(res, lang);
    const html = await res.text();
    expect(html).toContain(`<html lang="${lang}"`);
    expectTexts(html, lang, ["linkInvalid.title", "linkInvalid.message", "page.home"]);
  });

  it("the notify form and its answers (a bad address: 400 page and problem+json)", async () => {
    const e = testEnv({ NOTIFY_FROM: "maintenance@example.org" });
    const site = freshSite();
    await admin(site, "/on", { body: {} }, e);
    const page = await (await send(`https://${site}/`, { headers: { "accept-language": browser(lang) } }, e)).text();
    expectTexts(page, lang, ["notify.title", "notify.button", "notify.privacy", "notify.thanks"]);
    const post = (accept: string) =>
      send(`https://${site}/__maint/notify`, {
        method: "POST",
        body: new URLSearchParams({ email: "nope", lang }),
        headers: { "content-type": "application/x-www-form-urlencoded", accept, "cf-connecting-ip": `192.0.2.${LANGUAGES.indexOf(lang) * 2 + (accept === "text/html" ? 1 : 2)}` },
      }, e);
    const html = await post("text/html");
    expect(html.status).toBe(400);
    expectLanguage(html, lang);
    expectTexts(await html.text(), lang, ["notify.invalidTitle", "notify.invalid", "notify.back"]);
    const json = await post("application/json");
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ title: t(lang, "notify.invalidTitle"), detail: t(lang, "notify.invalid") });
  });

  it("problem+json: title and detail in that language, for every page kind", async () => {
    const headers = { accept: "application/json", "accept-language": browser(lang) };
    const maintenance = freshSite();
    await putDoc(maintenance, { mode: "maintenance" });
    const readOnly = freshSite();
    await putDoc(readOnly, { mode: "read-only" });
    const cases: Array<[Response, number, TextKey, TextKey]> = [
      [await send(`https://${maintenance}/api`, { headers }), 503, "maintenance.title", "maintenance.message"],
      [await send(`https://${readOnly}/api`, { method: "PUT", body: "{}", headers }), 503, "readOnly.title", "readOnly.message"],
      [await send(`https://${freshSite()}/status/504`, { headers }), 502, "originDown.title", "originDown.message"],
      [await send(`https://${freshSite()}/__maint/bypass?token=forged`, { headers }), 403, "linkInvalid.title", "linkInvalid.message"],
    ];
    for (const [res, status, title, detail] of cases) {
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expectLanguage(res, lang);
      expect(await res.json()).toMatchObject({ status, title: t(lang, title), detail: t(lang, detail) });
    }
  });

  it("the banner of an announced window", async () => {
    const site = freshSite("banner");
    const startsAt = "2031-05-02T22:00:00.000Z";
    await putDoc(site, { mode: "maintenance", startsAt, announceFrom: iso(-HOUR), message: null });
    const res = await send(`https://${site}/banner/page`, { headers: { "accept-language": browser(lang) } });
    expect(res.status).toBe(200);
    expect(res.headers.get("vary")).toMatch(/Accept-Language/);
    // The origin's page keeps its own language: only the banner is the visitor's.
    expect(res.headers.get("content-language")).toBeNull();
    const html = await res.text();
    const banner = /<div id="pitstop-banner"[\s\S]*?<\/div><script/.exec(html)![0];
    expect(banner).toContain(`lang="${lang}"`);
    expect(banner).toContain(`<strong>${escapeHtml(t(lang, "banner.scheduled"))}</strong>`);
    expect(banner).toContain(`<time datetime="${startsAt}">${escapeHtml(utcText(startsAt, lang))}</time>`);
    expect(banner).toContain(`aria-label="${escapeHtml(t(lang, "banner.dismiss"))}"`);
    if (lang !== "en") expect(banner).not.toContain("Scheduled maintenance");
  });
});

describe("the admin's message per language", () => {
  it("is set through the admin API and shown in each visitor's language, else in DEFAULT_LANGUAGE", async () => {
    const site = freshSite();
    const on = await admin(site, "/on", { body: { message: { en: "Back at 23:00", fr: "Retour à 23 h", ca: "Tornem a les 23 h" } } });
    expect(on.status).toBe(200);
    expect(((await on.json()) as { state: { message: unknown } }).state.message).toEqual({ en: "Back at 23:00", fr: "Retour à 23 h", ca: "Tornem a les 23 h" });

    const page = async (accept: string, e = testEnv()) => (await send(`https://${site}/`, { headers: { "accept-language": accept } }, e)).text();
    expect(await page("fr-FR")).toContain('<p class="msg" data-pitstop="message">Retour à 23 h</p>');
    expect(await page("ca-ES")).toContain('<p class="msg" data-pitstop="message">Tornem a les 23 h</p>');
    // German has no text of its own: the page is German, the message English, and says so.
    const de = await page("de-DE");
    expect(de).toContain('<html lang="de"');
    expect(de).toContain('<p class="msg" data-pitstop="message" lang="en">Back at 23:00</p>');
    // With DEFAULT_LANGUAGE=fr, a visitor with no language of ours reads the French page and message.
    const fr = await page("ja-JP", testEnv({ DEFAULT_LANGUAGE: "fr" }));
    expect(fr).toContain('<html lang="fr"');
    expect(fr).toContain(t("fr", "maintenance.title"));
    expect(fr).toContain('<p class="msg" data-pitstop="message">Retour à 23 h</p>');

    const json = await send(`https://${site}/api`, { headers: { accept: "application/json", "accept-language": "fr" } });
    expect(await json.json()).toMatchObject({ title: t("fr", "maintenance.title"), detail: "Retour à 23 h" });
  });

  it("escapes each language's text, on the page and in the banner", async () => {
    const site = freshSite();
    const evil = `<script>alert("x")</script> & <b>gras</b>`;
    await putDoc(site, { mode: "maintenance", message: { en: "fine", fr: evil } });
    const html = await (await send(`https://${site}/`, { headers: { "accept-language": "fr" } })).text();
    expect(html).not.toContain('<script>alert("x")</script>');
    expect(html).toContain('&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;b&gt;gras&lt;/b&gt;');
    const banner = freshSite("banner");
    await putDoc(banner, { mode: "maintenance", startsAt: iso(48 * HOUR), announceFrom: iso(-HOUR), message: { en: "fine", fr: evil } });
    const page = await (await send(`https://${banner}/banner/page`, { headers: { "accept-language": "fr" } })).text();
    expect(page).not.toContain("<b>gras</b>");
    expect(page).toContain("&lt;b&gt;gras&lt;/b&gt;");
  });

  it("refuses a language Pitstop does not speak, naming it, and changes nothing", async () => {
    const site = freshSite();
    const res = await admin(site, "/on", { body: { message: { en: "Back soon", ja: "すぐ戻ります" } } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request", field: "message.ja" });
    expect((await send(`https://${site}/html`)).status).toBe(200);
  });

  it("checks each language's length as it checks a plain message", async () => {
    const res = await admin(freshSite(), "/schedule", { body: { startsAt: iso(HOUR), message: { fr: "x".repeat(1001) } } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: "message.fr", message: "message.fr: must be at most 1000 characters" });
  });

  it("a plain string is for every visitor, whatever their language", async () => {
    const site = freshSite();
    await admin(site, "/on", { body: { message: "Nous migrons" } });
    const html = await (await send(`https://${site}/`, { headers: { "accept-language": "de" } })).text();
    expect(html).toContain('<html lang="de"');
    expect(html).toContain('<p class="msg" data-pitstop="message">Nous migrons</p>');
  });

  it("a rule's message can be given per language too", async () => {
    const site = freshSite();
    const put = await admin(site, "/rules", { body: { id: "checkout", paths: ["/checkout/*"], message: { en: "Checkout is paused", nl: "Afrekenen is gepauzeerd" } } });
    expect(put.status).toBe(200);
    const res = await send(`https://${site}/checkout/pay`, { headers: { accept: "application/json", "accept-language": "nl-BE" } });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ rule: "checkout", title: t("nl", "maintenance.title"), detail: "Afrekenen is gepauzeerd" });
  });

  it("a version 1 document with a string message still reads", async () => {
    const site = freshSite();
    const v1 = { v: 1, mode: "maintenance", message: "Old style message", retryAfter: null, startsAt: null, endsAt: null, announceFrom: null, autoEnd: false, allow: { ips: [], paths: [] }, bypassEpoch: 0, updatedAt: new Date().toISOString(), updatedBy: "test" };
    await putRaw(site, JSON.stringify(v1));
    const html = await (await send(`https://${site}/`, { headers: { "accept-language": "it" } })).text();
    expect(html).toContain(t("it", "maintenance.title"));
    expect(html).toContain("Old style message");
  });

  it("status.json gives the message in the visitor's language", async () => {
    const site = freshSite();
    await admin(site, "/on", { body: { message: { en: "Back soon", es: "Volvemos pronto" } } });
    const res = await send(`https://${site}/__maint/status.json`, { headers: { "accept-language": "es-MX" } });
    expect(res.headers.get("content-language")).toBe("es");
    expect(res.headers.get("vary")).toBe("Accept, Accept-Language");
    expect(await res.json()).toMatchObject({ mode: "maintenance", message: "Volvemos pronto" });
    expect(await (await send(`https://${site}/__maint/status.json`)).json()).toMatchObject({ message: "Back soon" });
  });
});

describe("the templates", () => {
  it("use only translation keys that exist", async () => {
    for (const name of TEMPLATES) {
      const html = await (await testEnv().ASSETS.fetch(`https://assets.invalid/${name}`)).text();
      const keys = [...visible(html).matchAll(/data-i18n(?:-placeholder)?="([^"]+)"/g)].map((m) => m[1]!);
      expect(keys.length, name).toBeGreaterThan(0);
      for (const key of keys) expect(Object.keys(CATALOG.en), `${name}: ${key}`).toContain(key);
    }
  });
});

describe("faults", () => {
  it("a bad setting shows visitors 'unavailable' in their language", async () => {
    const res = await send(`https://${freshSite()}/`, { headers: { "accept-language": "pt-PT" } }, testEnv({ FAIL_MODE: "maybe" }));
    expect(res.status).toBe(500);
    expect(res.headers.get("content-language")).toBe("pt");
    expect(await res.text()).toBe(`${t("pt", "page.unavailable")}\n`);
  });
});

describe("rendering cost", () => {
  const global = globalThis as unknown as { HTMLRewriter: typeof HTMLRewriter };
  const Original = global.HTMLRewriter;
  afterEach(() => {
    global.HTMLRewriter = Original;
  });

  it("renders a page once per state and language, then serves it from memory", async () => {
    let renders = 0;
    global.HTMLRewriter = class extends Original {
      constructor() {
        super();
        renders++;
      }
    };
    const site = freshSite();
    await putDoc(site, { mode: "maintenance", message: "First" });
    const get = (lang: string) => send(`https://${site}/`, { headers: { "accept-language": lang } }).then((r) => r.text());
    await get("fr");
    await get("fr-CA");
    await get("fr-FR,fr;q=0.9");
    expect(renders).toBe(1);
    await get("de");
    expect(renders).toBe(2);
    await putDoc(site, { mode: "maintenance", message: "Second" });
    expect(await get("fr")).toContain("Second");
    expect(renders).toBe(3);
    expect(CATALOG.fr).toBeDefined();
  });
});
