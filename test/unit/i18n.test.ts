// Translations: every language file has exactly the reference's keys, with the same placeholders, and really is translated — unit harness, pure modules in workerd.
/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { LANGUAGES } from "../../src/core/message";
import { CATALOG, t } from "../../src/i18n/catalog";

/** Every file in src/i18n/locales/, as the bundler sees it (a file missing from LANGUAGES shows up here too). */
const FILES = import.meta.glob<Record<string, string>>("../../src/i18n/locales/*.json", { eager: true, import: "default" });
const byCode: Record<string, Record<string, string>> = Object.fromEntries(Object.entries(FILES).map(([path, texts]) => [/([a-z]+)\.json$/.exec(path)![1]!, texts]));

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** What is wrong with one language's file against the reference: missing and extra keys, changed placeholders, empty texts. */
function problems(reference: Record<string, string>, texts: Record<string, string>): string[] {
  const out: string[] = [];
  for (const key of Object.keys(reference)) if (!(key in texts)) out.push(`missing ${key}`);
  for (const key of Object.keys(texts)) if (!(key in reference)) out.push(`extra ${key}`);
  for (const [key, text] of Object.entries(texts)) {
    if (typeof text !== "string" || text.trim() === "") out.push(`empty ${key}`);
    else if (key in reference && placeholders(text).join() !== placeholders(reference[key]!).join()) out.push(`placeholders of ${key}`);
  }
  return out;
}

describe("translation files", () => {
  it("exist for exactly the supported languages, at least en, fr, es, ca, de, nl, it and pt", () => {
    expect(Object.keys(byCode).sort()).toEqual([...LANGUAGES].sort());
    expect(LANGUAGES).toEqual(expect.arrayContaining(["en", "fr", "es", "ca", "de", "nl", "it", "pt"]));
  });

  it.each(LANGUAGES.filter((l) => l !== "en"))("%s has every key of en.json, no other, and the same placeholders", (lang) => {
    expect(problems(byCode.en!, byCode[lang]!)).toEqual([]);
  });

  it("the check finds a missing key, an extra key, a lost placeholder and an empty text", () => {
    const reference: Record<string, string> = { a: "A", b: "Hello {name}", c: "C" };
    expect(problems(reference, { b: "Bonjour", c: "", d: "D" })).toEqual(["missing a", "extra d", "placeholders of b", "empty c"]);
  });

  it.each(LANGUAGES.filter((l) => l !== "en"))("%s is translated, not a copy of the English", (lang) => {
    const same = Object.keys(byCode.en!).filter((k) => byCode[lang]![k] === byCode.en![k] && !/^banner\.(end|separator)$/.test(k));
    expect(same).toEqual([]);
  });

  it("fills placeholders and leaves unknown ones as they are", () => {
    expect(t("fr", "email.subject", { site: "shop.example" })).toBe("shop.example est de retour");
    expect(t("de", "countdown.about", {})).toBe("in etwa {duration}");
    expect(CATALOG.ca["maintenance.title"]).toBe("Tornem aviat");
  });
});
