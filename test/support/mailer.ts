// A stand-in for the send_email binding (real mail cannot be delivered here):
// it records each message, or refuses one with the Email Service error code
// `fail` names for it. Shared by the unit and the worker notify tests.
import type { Mailer } from "../../src/notify/deliver";

export interface Sent {
  to: string[];
  bcc: string[];
  subject: string;
  text: string;
  html: string;
  from: unknown;
}

type Message = Parameters<Mailer["send"]>[0];

const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string]);

export class Recorder implements Mailer {
  sent: Sent[] = [];
  /** Sends attempted, refused ones included. */
  calls = 0;

  /** `fail(message, n)`: an error code to refuse the n-th send (from 0) with, or null to accept it. */
  constructor(public fail: (message: Sent, n: number) => string | null = () => null) {}

  async send(m: Message) {
    const message: Sent = { to: list(m.to), bcc: list(m.bcc), subject: m.subject, text: m.text ?? "", html: m.html ?? "", from: m.from };
    const code = this.fail(message, this.calls++);
    if (code) throw Object.assign(new Error(`refused ${[...message.to, ...message.bcc].join(", ")}`), { code });
    this.sent.push(message);
    return { messageId: `<${this.sent.length}@test>` };
  }

  /** Every address that got an email (To or Bcc), but `except` (the sender's own copy). */
  recipients(except?: string): string[] {
    return this.sent.flatMap((m) => [...m.to, ...m.bcc]).filter((a) => a !== except);
  }
}
