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

/** A text, or an object from language to text (keys are checked on input, not here). */
function isMessage(m: unknown): m is Message {
  if (typeof m === "string") return true;
  return typeof m === "object" && m !== null && !Array.isArray(m) && Object.values(m).every((t) => typeof t === "string");
}

/** As stored: checked in full when written (MessageInputSchema), read leniently. */
export const StoredMessageSchema = v.nullable(v.custom<Message>(isMessage, "must be a string or an object from language to text"));

export const MAX_MESSAGE = 1000;

const LANGUAGE_HELP = `is not a supported language (${LANGUAGES.join(", ")})`;
const MESSAGE_HELP = `must be a string, or an object from language to text such as {"en": "...", "fr": "..."} (languages: ${LANGUAGES.join(", ")})`;
const TOO_LONG = `must be at most ${MAX_MESSAGE} characters`;

/**
 * `message` in admin input: a string, or an object from language to text.
 * Each text is checked as a plain message is ("message.fr: must be at most
 * 1000 characters"); texts are trimmed, empty ones dropped, and nothing left
 * means no message. (Written by hand rather than with valibot's union and
 * record: the same errors, for a third of the bundle.)
 */
export const MessageInputSchema = v.pipe(
  v.custom<Message>(isMessage, MESSAGE_HELP),
  v.rawTransform(({ dataset, addIssue, NEVER }): Message | null => {
    const input = dataset.value;
    if (typeof input === "string") {
      const text = input.trim();
      if (text.length > MAX_MESSAGE) {
        addIssue({ message: TOO_LONG });
        return NEVER;
      }
      return text || null;
    }
    const kept: Record<string, string> = {};
    for (const [key, value] of Object.entries(input)) {
      const text = value.trim();
      const problem = !isLanguage(key) ? LANGUAGE_HELP : text.length > MAX_MESSAGE ? TOO_LONG : null;
      if (problem) {
        addIssue({ message: problem, path: [{ type: "object", origin: "value", input, key, value }] });
        return NEVER;
      }
      if (text) kept[key] = text;
    }
    return Object.keys(kept).length ? kept : null;
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
