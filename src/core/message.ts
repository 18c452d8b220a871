// The languages Pitstop speaks to visitors, and the admin's message: one
// text, or one text per language ({"en": "...", "fr": "..."}). Pure: the
// translations themselves live in src/i18n/, one file per language.
import * as v from "valibot";

/** Every language the visitor-facing texts are translated into (src/i18n/locales/<code>.json). */
export const LANGUAGES = ["en", "fr", "es", "ca", "de", "nl", "it", "pt"] as const;
export type Language = (typeof LANGUAGES)[number];

export function isLanguage(code: string): code is Language {
  return (LANGUAGES as readonly string[]).includes(code);
}

/** The admin's message: a text for every visitor, or a text per language. */
export type Message = string | { readonly [language: string]: string };

/** As stored: checked in full when written (MessageInputSchema), read leniently. */
export const StoredMessageSchema = v.nullable(v.union([v.string(), v.record(v.string(), v.string())]));

export const MAX_MESSAGE = 1000;

const text = (what: string) =>
  v.pipe(v.string(what), v.trim(), v.maxLength(MAX_MESSAGE, `must be at most ${MAX_MESSAGE} characters`));

const LANGUAGE_HELP = `is not a supported language (${LANGUAGES.join(", ")})`;
const MESSAGE_HELP = `must be a string, or an object from language to text such as {"en": "...", "fr": "..."} (languages: ${LANGUAGES.join(", ")})`;

/**
 * `message` in admin input: a string, or an object from language to text.
 * Each text is checked as a plain message is ("message.fr: must be at most
 * 1000 characters"); empty texts are dropped, and nothing left means no message.
 */
export const MessageInputSchema = v.pipe(
  v.unknown(),
  // A record would take an array as {"0": ...}.
  v.check((m) => !Array.isArray(m), MESSAGE_HELP),
  v.union(
    [
      text("must be a string"),
      v.pipe(
        v.record(v.string(), text("must be a string")),
        v.rawCheck(({ dataset, addIssue }) => {
          if (!dataset.typed) return;
          for (const [key, value] of Object.entries(dataset.value)) {
            if (!isLanguage(key)) addIssue({ message: LANGUAGE_HELP, path: [{ type: "object", origin: "value", input: dataset.value, key, value }] });
          }
        }),
      ),
    ],
    MESSAGE_HELP,
  ),
  v.transform((m): Message | null => {
    if (typeof m === "string") return m || null;
    const kept = Object.entries(m).filter(([, t]) => t !== "");
    return kept.length ? Object.fromEntries(kept) : null;
  }),
);

/** The text a visitor reads, and its language when the admin named one (null for a plain string). */
export interface MessageText {
  text: string;
  lang: Language | null;
}

/**
 * The message in `lang`: its own text, else the one in `fallback`
 * (DEFAULT_LANGUAGE), else the first given in LANGUAGES order. A plain string
 * is for everyone. Null when there is no message.
 */
export function messageIn(message: Message | null | undefined, lang: Language, fallback: Language): MessageText | null {
  if (message === null || message === undefined) return null;
  if (typeof message === "string") return message ? { text: message, lang: null } : null;
  for (const candidate of [lang, fallback, ...LANGUAGES]) {
    const t = message[candidate];
    if (t) return { text: t, lang: candidate };
  }
  return null;
}

/** One line for logs, webhooks and the audit view: the text in `lang` (see messageIn), or null. */
export function messageLine(message: Message | null | undefined, lang: Language): string | null {
  return messageIn(message, lang, lang)?.text ?? null;
}
