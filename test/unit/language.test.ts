// Language negotiation (Accept-Language: q-values, region fallback, DEFAULT_LANGUAGE) and the admin's message per language — unit harness, pure modules in workerd.
import { describe, expect, it } from "vitest";
import * as v from "valibot";
import { ConfigError, parseConfig, type Bindings } from "../../src/config";
import { messageIn, MessageInputSchema } from "../../src/core/message";
import { validate } from "../../src/core/input";
import { LanguagePicker, pickLanguage } from "../../src/i18n/negotiate";

describe("picking the visitor's language", () => {
  it.each([
    ["fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", "fr"],
    ["fr-CA", "fr"],
    ["ca-ES", "ca"],
    ["ca-ES-valencia", "ca"],
    ["pt-BR", "pt"],
    ["es-419", "es"],
    ["FR-be", "fr"],
    ["de-CH;q=0.8, en;q=0.9", "en"],
    ["ja, es;q=0.5", "es"],
    ["zh-Hant-TW, nl;q=0.2", "nl"],
    ["de, fr", "de"],
    ["fr;q=0.5, de;q=0.5", "fr"],
    ["en;q=0, fr;q=0.1", "fr"],
    ["en-x-custom", "en"],
    ["it-IT ; q=0.9 , pt ; q=1", "pt"],
  ])("%s gives %s", (header, lang) => {
    expect(pickLanguage(header, "en")).toBe(lang);
  });

  it.each([["ja"], ["*"], [""], ["x-klingon"], ["f"], ["fr;q=0"], [",,;;"]])("%j falls back to DEFAULT_LANGUAGE", (header) => {
    expect(pickLanguage(header, "ca")).toBe("ca");
    expect(pickLanguage(header, "en")).toBe("en");
  });

  it("falls back when there is no header at all", () => {
    expect(pickLanguage(null, "de")).toBe("de");
    expect(new LanguagePicker("nl").of(new Headers())).toBe("nl");
  });

  it("gives the same answer from memory for a header it has seen, past its memory's size", () => {
    const picker = new LanguagePicker("en");
    const fr = new Headers({ "accept-language": "fr-FR,fr;q=0.9" });
    expect(picker.of(fr)).toBe("fr");
    for (let i = 0; i < 300; i++) expect(picker.of(new Headers({ "accept-language": `x-${i}, de;q=0.5` }))).toBe("de");
    expect(picker.of(fr)).toBe("fr");
  });
});

describe("the admin's message per language", () => {
  const parse = (message: unknown) => validate(v.object({ message: MessageInputSchema }), { message });

  it("takes a string, trimmed, and an object from language to text", () => {
    expect(parse("  Back at 23:00 ")).toEqual({ ok: true, value: { message: "Back at 23:00" } });
    expect(parse({ en: "Back at 23:00", fr: " Retour à 23 h " })).toEqual({ ok: true, value: { message: { en: "Back at 23:00", fr: "Retour à 23 h" } } });
  });

  it("drops empty texts, and an empty message is no message", () => {
    expect(parse({ en: "Back", fr: "  " })).toEqual({ ok: true, value: { message: { en: "Back" } } });
    expect(parse({})).toEqual({ ok: true, value: { message: null } });
    expect(parse("")).toEqual({ ok: true, value: { message: null } });
  });

  it("checks each language as it checks a plain message, naming it", () => {
    expect(parse({ en: "ok", fr: "x".repeat(1001) })).toEqual({ ok: false, error: { field: "message.fr", message: "must be at most 1000 characters" } });
    expect(parse("x".repeat(1001))).toEqual({ ok: false, error: { field: "message", message: "must be at most 1000 characters" } });
  });

  it("refuses a language it does not speak, a region, and anything but text", () => {
    expect(parse({ en: "ok", ja: "はい" })).toEqual({ ok: false, error: { field: "message.ja", message: expect.stringContaining("is not a supported language (en, fr, es, ca, de, nl, it, pt)") } });
    expect(parse({ "fr-CA": "Allô" })).toMatchObject({ ok: false, error: { field: "message.fr-CA" } });
    for (const bad of [42, ["en", "Back"], { en: 3 }, true]) {
      expect(parse(bad), JSON.stringify(bad)).toMatchObject({ ok: false, error: { field: "message", message: expect.stringMatching(/^must be a string, or an object from language to text/) } });
    }
  });

  it("shows the visitor's language, else DEFAULT_LANGUAGE's, else the first given; a string is for everyone", () => {
    const m = { de: "Zurück um 23 Uhr", fr: "Retour à 23 h", en: "Back at 23:00" };
    expect(messageIn(m, "fr", "en")).toEqual({ text: "Retour à 23 h", lang: "fr" });
    expect(messageIn(m, "es", "en")).toEqual({ text: "Back at 23:00", lang: "en" });
    expect(messageIn({ de: "Zurück", nl: "Terug" }, "es", "en")).toEqual({ text: "Zurück", lang: "de" });
    expect(messageIn("Back soon", "fr", "en")).toEqual({ text: "Back soon", lang: null });
    expect(messageIn(null, "fr", "en")).toBeNull();
    expect(messageIn({}, "fr", "en")).toBeNull();
  });
});

describe("DEFAULT_LANGUAGE", () => {
  it("is English unless set, takes any supported language in any case, and names itself when wrong", () => {
    expect(parseConfig({} as Bindings).defaultLanguage).toBe("en");
    expect(parseConfig({ DEFAULT_LANGUAGE: " CA " } as Bindings).defaultLanguage).toBe("ca");
    expect(() => parseConfig({ DEFAULT_LANGUAGE: "ja" } as Bindings)).toThrow(ConfigError);
    expect(() => parseConfig({ DEFAULT_LANGUAGE: "fr-CA" } as Bindings)).toThrow(/^DEFAULT_LANGUAGE: must be one of en, fr, es, ca, de, nl, it, pt/);
  });
});
