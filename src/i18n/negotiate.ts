// Which language a visitor reads: Accept-Language, by q-value, each range
// looked up with progressive truncation (RFC 4647 §3.4: "fr-CA" tries
// "fr-CA", then "fr"), else DEFAULT_LANGUAGE. No cookie, no query string:
// a maintenance response sets no cookie it does not need.
//
// Hono's languageDetector does the same matching (q order, truncation, a
// fallback), but it is middleware (it needs a Hono context, which the gate
// does not have) and caches the choice in a cookie unless told not to. Its
// general Accept parser (hono/utils/accept) handles quoted parameters that
// Accept-Language never has, for 2 KB of bundle: this reads q and nothing
// else, as leniently (a q it cannot read counts as 1, as Hono's does).
import { LANGUAGES, type Language } from "../core/message";

/** Ranges read per header: a browser sends a handful; a longer one is cut here. */
const MAX_RANGES = 32;

/** The best supported language for an Accept-Language header, or `fallback`. */
export function pickLanguage(header: string | null | undefined, fallback: Language): Language {
  if (!header) return fallback;
  const ranges: Array<{ tag: string; q: number }> = [];
  for (const part of header.split(",", MAX_RANGES)) {
    const [tag = "", ...params] = part.split(";");
    let q = 1;
    for (const param of params) {
      const [name = "", value = ""] = param.split("=");
      if (name.trim().toLowerCase() !== "q") continue;
      const n = Number(value.trim());
      q = value.trim() === "" || Number.isNaN(n) ? 1 : Math.min(1, Math.max(0, n));
    }
    // q=0 means "not acceptable".
    if (q > 0) ranges.push({ tag: tag.trim().toLowerCase(), q });
  }
  // Highest q first; equal q keep the header's order (sort is stable).
  ranges.sort((a, b) => b.q - a.q);
  for (const { tag } of ranges) {
    const match = lookup(tag);
    if (match) return match;
  }
  return fallback;
}

function lookup(range: string): Language | null {
  let tag = range;
  while (tag.length >= 2) {
    if ((LANGUAGES as readonly string[]).includes(tag)) return tag as Language;
    const cut = tag.lastIndexOf("-");
    if (cut === -1) return null;
    tag = tag.slice(0, cut);
    // A single-letter subtag (an extension such as "-x-") goes with the one after it.
    if (tag.length > 2 && tag[tag.length - 2] === "-") tag = tag.slice(0, -2);
  }
  return null;
}

/** How many distinct Accept-Language headers an isolate remembers (browsers send a handful). */
const MEMO_SIZE = 256;

/** Built once per isolate: negotiates per request, remembering the answer for each header seen. */
export class LanguagePicker {
  private readonly memo = new Map<string, Language>();

  constructor(readonly fallback: Language) {}

  of(headers: Headers): Language {
    const header = headers.get("accept-language");
    if (!header) return this.fallback;
    let lang = this.memo.get(header);
    if (lang === undefined) {
      lang = pickLanguage(header, this.fallback);
      // A browser's header is short; a long one (anyone can send one) is not worth the memory.
      if (header.length > 256) return lang;
      if (this.memo.size >= MEMO_SIZE) this.memo.clear();
      this.memo.set(header, lang);
    }
    return lang;
  }
}

/** The headers every response in a language carries (the body depends on Accept and Accept-Language). */
export function languageHeaders(headers: Headers, lang: Language): void {
  headers.set("content-language", lang);
  headers.set("vary", "Accept, Accept-Language");
}
