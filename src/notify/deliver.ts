// Sending "<site> is back" within Email Service's limits, and reading its
// errors (https://developers.cloudflare.com/email-service/api/send-emails/workers-api/):
// - at most 50 recipients per send (to, cc and bcc together): a batch goes To
//   the sender itself with up to 49 subscribers in Bcc, so no subscriber sees
//   another's address; a batch of one goes straight To its subscriber;
// - a send fails whole when one recipient is on the suppression list
//   (E_RECIPIENT_SUPPRESSED): the batch is then sent one by one, so only that
//   address fails;
// - E_RATE_LIMIT_EXCEEDED and E_DAILY_LIMIT_EXCEEDED stop the run; it resumes later.
// Error messages can name addresses, so only the error's code is ever kept or logged.
import type { Language } from "../core/message";
import { backEmail } from "./email";

/** What sending needs of the send_email binding. */
export interface Mailer {
  send(message: EmailMessageBuilder): Promise<EmailSendResult>;
}

export interface Recipient {
  site: string;
  /** scheme://host[:port] of the page the address was given on. */
  origin: string;
  address: string;
  lang: Language;
}

export const MAX_RECIPIENTS = 50;

export type Outcome =
  /** Accepted by Email Service: these addresses can go. */
  | { kind: "sent"; recipients: Recipient[] }
  /** Refused for these recipients themselves (suppressed, not allowed, not an address it takes): never retried. */
  | { kind: "rejected"; recipients: Recipient[]; code: string }
  /** Failed for a reason that may pass (the service, the sender's domain): tried again later. */
  | { kind: "retry"; recipients: Recipient[]; code: string }
  /** The sender's rate or daily limit: nothing more is sent in this run. */
  | { kind: "throttled"; code: string };

const THROTTLED = new Set(["E_RATE_LIMIT_EXCEEDED", "E_DAILY_LIMIT_EXCEEDED"]);
/** Errors about a recipient: in a batch they say nothing of which one, so the batch is split. */
const RECIPIENT = new Set(["E_RECIPIENT_SUPPRESSED", "E_RECIPIENT_NOT_ALLOWED", "E_VALIDATION_ERROR", "E_TOO_MANY_RECIPIENTS"]);

/**
 * Recipients grouped by site, origin and language (one email text each), in
 * batches of at most MAX_RECIPIENTS - 1 (the To line takes the last place).
 */
export function batches(recipients: readonly Recipient[]): Recipient[][] {
  const groups = new Map<string, Recipient[]>();
  for (const r of recipients) {
    const key = `${r.site}\n${r.origin}\n${r.lang}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(r);
  }
  const out: Recipient[][] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += MAX_RECIPIENTS - 1) out.push(group.slice(i, i + MAX_RECIPIENTS - 1));
  }
  return out;
}

/** Sends one batch (all of one site, origin and language); on a recipient error, each address alone. */
export async function sendBatch(mailer: Mailer, from: string, batch: readonly Recipient[]): Promise<Outcome[]> {
  const first = batch[0];
  if (!first) return [];
  const code = await attempt(mailer, from, batch);
  if (code === null) return [{ kind: "sent", recipients: [...batch] }];
  if (THROTTLED.has(code)) return [{ kind: "throttled", code }];
  if (!RECIPIENT.has(code)) return [{ kind: "retry", recipients: [...batch], code }];
  if (batch.length === 1) return [{ kind: "rejected", recipients: [first], code }];
  const outcomes: Outcome[] = [];
  for (const one of batch) {
    const [outcome] = await sendBatch(mailer, from, [one]);
    outcomes.push(outcome!);
    if (outcome!.kind === "throttled") break;
  }
  return outcomes;
}

/** Null when Email Service accepted the message, else the error's code. */
async function attempt(mailer: Mailer, from: string, batch: readonly Recipient[]): Promise<string | null> {
  const { site, origin, lang } = batch[0]!;
  const email = backEmail(site, origin, lang);
  const addresses = batch.map((r) => r.address);
  const destinations: EmailDestinations = addresses.length === 1 ? { to: addresses[0]! } : { to: from, bcc: addresses };
  try {
    await mailer.send({ from: { email: from, name: site }, ...destinations, subject: email.subject, text: email.text, html: email.html });
    return null;
  } catch (err) {
    return errorCode(err);
  }
}

/** The error's code when it has one of Email Service's (E_...), else "unknown": never its message. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^E_[A-Z_]{1,60}$/.test(code) ? code : "unknown";
}
