// The no-script fallback for times shown to visitors, shared by the pages and
// the banner: the time in UTC, in the page's language. The script swaps in
// the visitor's local time.
import type { Language } from "../core/message";

const formats = new Map<Language, Intl.DateTimeFormat>();

/**
 * E.g. "Fri 2 May 2031, 22:00 UTC", "ven. 2 mai 2031, 22:00 UTC". Intl's
 * output can differ a little between ICU versions, so tests compare with
 * Intl in the same runtime rather than with fixed strings. Rendered once
 * per state and language, never per request.
 */
export function utcText(iso: string, lang: Language = "en"): string {
  let format = formats.get(lang);
  if (!format) {
    // English as in Britain: day before month, 24-hour clock, as the text has always read.
    format = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : lang, {
      timeZone: "UTC",
      weekday: "short",
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formats.set(lang, format);
  }
  return `${format.format(new Date(iso))} UTC`;
}
