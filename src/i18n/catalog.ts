// Every visitor-facing text, one file per language in locales/ (flat keys,
// `{name}` placeholders), so a translator edits one JSON file and nothing else.
// en.json is the reference: test/unit/i18n.test.ts fails when a language
// misses a key, has one too many, or changes a key's placeholders.
import type { Language } from "../core/message";
import ca from "./locales/ca.json";
import de from "./locales/de.json";
import en from "./locales/en.json";
import es from "./locales/es.json";
import fr from "./locales/fr.json";
import it from "./locales/it.json";
import nl from "./locales/nl.json";
import pt from "./locales/pt.json";

export type TextKey = keyof typeof en;
export type Texts = Readonly<Record<TextKey, string>>;

/** Typed as complete: a file missing a key fails the type check too. */
export const CATALOG: Readonly<Record<Language, Texts>> = { en, fr, es, ca, de, nl, it, pt };

/** The text for `key` in `lang`, with `{name}` placeholders filled in (values as given: escape where they land). */
export function t(lang: Language, key: TextKey, vars?: Readonly<Record<string, string>>): string {
  const text = CATALOG[lang][key];
  return vars ? text.replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole) : text;
}

/** The texts with these keys, for the pages' script (which localises times and the countdown). */
export function pick(lang: Language, keys: readonly TextKey[]): Record<string, string> {
  const texts = CATALOG[lang];
  return Object.fromEntries(keys.map((k) => [k, texts[k]]));
}
