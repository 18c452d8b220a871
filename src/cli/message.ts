// --message, as on, schedule and guard take it (and any command that sends a
// message): once as plain text, or once per language with a prefix.
//   --message "Back at 23:00"
//   --message en="Back at 23:00" --message fr="Bientôt de retour"
// The worker checks each text as it checks a plain message.
import type { Message } from "../shared/api";
import { UsageError } from "./errors";

/**
 * The worker's languages (src/core/message.ts LANGUAGES; the CLI takes no
 * worker code, and test/unit/cli-message.test.ts keeps the two lists equal).
 * Only these prefixes make a per-language message, so "--message 'no=way'"
 * stays plain text.
 */
export const LANGUAGES = ["en", "fr", "es", "ca", "de", "nl", "it", "pt"] as const;

const PREFIXED = /^([A-Za-z]{2})=([\s\S]*)$/;

/** Commander's option parser for a repeatable flag: every value, in order. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The message to send: undefined when no --message was given. */
export function parseMessageFlags(values: readonly string[] | undefined): Message | undefined {
  if (!values || values.length === 0) return undefined;
  const perLanguage: Record<string, string> = {};
  const plain: string[] = [];
  for (const value of values) {
    const m = PREFIXED.exec(value);
    const lang = m?.[1]!.toLowerCase();
    if (m && lang && (LANGUAGES as readonly string[]).includes(lang)) {
      if (lang in perLanguage) throw new UsageError(`--message ${lang}=... is given twice`);
      perLanguage[lang] = m[2]!;
    } else plain.push(value);
  }
  const languages = Object.keys(perLanguage);
  if (plain.length > 0 && languages.length > 0) {
    throw new UsageError(`--message: give one plain message, or one per language (${languages.map((l) => `${l}="..."`).join(" ")}), not both`, [
      `Languages: ${LANGUAGES.join(", ")}. A visitor whose language has no text gets the one in DEFAULT_LANGUAGE.`,
    ]);
  }
  if (plain.length > 1) {
    throw new UsageError("--message is given more than once without a language", [`Once per language: --message en="Back at 23:00" --message fr="Retour à 23 h" (${LANGUAGES.join(", ")})`]);
  }
  return plain.length ? plain[0]! : perLanguage;
}

/** The same message with `fn` applied to each text (guard --each fills in {}). */
export function mapMessage(message: Message | undefined, fn: (text: string) => string): Message | undefined {
  if (message === undefined) return undefined;
  if (typeof message === "string") return fn(message);
  return Object.fromEntries(Object.entries(message).map(([lang, text]) => [lang, fn(text)]));
}

/** For people: "Back at 23:00", or 'en: "Back", fr: "Retour"'. */
export function messageLabel(message: Message | null | undefined): string | null {
  if (message === null || message === undefined || message === "") return null;
  if (typeof message === "string") return JSON.stringify(message);
  const parts = Object.entries(message).map(([lang, text]) => `${lang}: ${JSON.stringify(text)}`);
  return parts.length ? parts.join(", ") : null;
}

/** One line for tables: the text, or each language's text after its code. */
export function messageText(message: Message | null | undefined): string {
  if (message === null || message === undefined) return "";
  if (typeof message === "string") return message;
  return Object.entries(message)
    .map(([lang, text]) => `${lang}: ${text}`)
    .join(" | ");
}
