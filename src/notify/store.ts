// The subscribers of "email me when we're back": a Durable Object with SQLite
// storage, one for the deployment (like the coordinator, so one query answers
// "which sites have someone waiting"), and its alarm is the sender.
//
// Why here, and not in KV or in the state coordinator:
// - KV is eventually consistent and takes one write per second per key, so
//   "one entry per address" and "at most NOTIFY_MAX per site" could not hold,
//   and "sent, delete the address" could not be made atomic.
// - The coordinator would give the same guarantees, but POST /notify is public:
//   its traffic must never queue behind, or slow down, the admin's writes.
//   This object takes that load alone, and keeps addresses out of the state
//   documents that every isolate, location copy and KV copy holds.
//
// Why the alarm, and not Cloudflare Queues: the addresses already live here,
// and an alarm is a durable timer that the runtime retries, so a send
// interrupted halfway (the object evicted, a deploy) resumes from what is
// stored; each batch's outcome is written in one transaction right after
// Email Service answers. A queue would add a producer and a consumer binding,
// and would keep a copy of every address in its messages and its dead-letter
// queue for days. The cron sweep (index.ts, every minute) notices sites that
// came back by the clock (autoEnd at endsAt) and releases their subscribers;
// admin changes do the same at once. Delivery is at least once: an address
// whose send was accepted just before the object stopped may get a second copy.
import { DurableObject } from "cloudflare:workers";
import { isLanguage, type Language } from "../core/message";
import { logEvent } from "../log";
import { batches, sendBatch, type Mailer, type Outcome, type Recipient } from "./deliver";

/** The store's name: one per deployment. */
export const NOTIFY_STORE_NAME = "pitstop";

export interface SubscribeRequest {
  site: string;
  origin: string;
  address: string;
  lang: Language;
  now: number;
  /** How long an address is kept while the site stays in maintenance. */
  ttlMs: number;
  /** NOTIFY_MAX: addresses waiting per site. */
  max: number;
}

/** "renewed": the address was already waiting (its language and expiry are updated); one entry per address. */
export type SubscribeResult = "added" | "renewed" | "full";

/** For GET /status: never an address. */
export interface NotifyCounts {
  /** Waiting for the site to come back. */
  subscribed: number;
  /** The site is back: being sent, or waiting to be retried. */
  pending: number;
  /** Emails Email Service accepted (their addresses are deleted). */
  sent: number;
  /** Given up: suppressed or refused recipients, or too many failed tries (their addresses are deleted). */
  failed: number;
}

export interface NotifyEnv {
  EMAIL?: SendEmail;
  NOTIFY_FROM?: string;
}

/** Addresses whose due email is tried at most this many times. */
export const MAX_ATTEMPTS = 10;
/** Rows read per round of the alarm; a bigger backlog goes on in the next round. */
const ROUND = 500;
const MINUTE = 60_000;

export class NotifyStore extends DurableObject<NotifyEnv> {
  private readonly sql: SqlStorage;
  /** The sender: env.EMAIL unless a test put a recording one here (runInDurableObject). */
  mailer: Mailer | null = null;

  constructor(ctx: DurableObjectState, env: NotifyEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // due_at: null while the site is in maintenance; set when it is back (the address is then pending).
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS subscribers (
        site TEXT NOT NULL, address TEXT NOT NULL, origin TEXT NOT NULL, lang TEXT NOT NULL,
        created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
        due_at INTEGER, attempts INTEGER NOT NULL DEFAULT 0, next_try_at INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (site, address));
      CREATE INDEX IF NOT EXISTS subscribers_due ON subscribers (due_at, next_try_at);
      CREATE TABLE IF NOT EXISTS tallies (site TEXT PRIMARY KEY, sent INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
  }

  /** One entry per address and site, at most `max` waiting per site. */
  async subscribe(req: SubscribeRequest): Promise<SubscribeResult> {
    return this.ctx.storage.transactionSync((): SubscribeResult => {
      this.purge(req.now);
      const row = this.sql.exec<{ due_at: number | null }>("SELECT due_at FROM subscribers WHERE site = ? AND address = ?", req.site, req.address).toArray()[0];
      if (row) {
        // Still waiting: the newest language and expiry win. Already due: it is being sent anyway.
        if (row.due_at === null) {
          this.sql.exec("UPDATE subscribers SET lang = ?, origin = ?, expires_at = ? WHERE site = ? AND address = ?", req.lang, req.origin, req.now + req.ttlMs, req.site, req.address);
        }
        return "renewed";
      }
      const waiting = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM subscribers WHERE site = ? AND due_at IS NULL", req.site).one().n;
      if (waiting >= req.max) return "full";
      this.sql.exec(
        "INSERT INTO subscribers (site, address, origin, lang, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        req.site,
        req.address,
        req.origin,
        req.lang,
        req.now,
        req.now + req.ttlMs,
      );
      return "added";
    });
  }

  /** Sites with addresses waiting for them to come back. */
  async waitingSites(now: number): Promise<string[]> {
    this.purge(now);
    return this.sql.exec<{ site: string }>("SELECT DISTINCT site FROM subscribers WHERE due_at IS NULL").toArray().map((r) => r.site);
  }

  /**
   * These sites are back: their waiting addresses become due, and sending
   * starts. `from` is NOTIFY_FROM as the worker's configuration has it now.
   * Returns how many addresses were released.
   */
  async release(sites: string[], now: number, from: string): Promise<number> {
    let released = 0;
    this.ctx.storage.transactionSync(() => {
      this.purge(now);
      for (const site of sites) {
        released += this.sql.exec("UPDATE subscribers SET due_at = ?, next_try_at = ? WHERE site = ? AND due_at IS NULL", now, now, site).rowsWritten;
      }
    });
    await this.wake(now, from);
    return released;
  }

  /** Makes sure the alarm is set while anything is due (the cron sweep calls this every minute). */
  async wake(now: number, from?: string): Promise<void> {
    if (from) this.setMeta("from", from);
    const next = this.sql.exec<{ at: number | null }>("SELECT MIN(next_try_at) AS at FROM subscribers WHERE due_at IS NOT NULL").one().at;
    if (next === null) return;
    const at = Math.max(next, now, Number(this.meta("throttledUntil") ?? 0));
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /** Counts for one site, or for every site with `null`. */
  async counts(site: string | null): Promise<NotifyCounts> {
    const where = site === null ? "" : "WHERE site = ?";
    const args = site === null ? [] : [site];
    const rows = this.sql
      .exec<{ subscribed: number | null; pending: number | null }>(
        `SELECT SUM(due_at IS NULL) AS subscribed, SUM(due_at IS NOT NULL) AS pending FROM subscribers ${where}`,
        ...args,
      )
      .one();
    const tally = this.sql.exec<{ sent: number | null; failed: number | null }>(`SELECT SUM(sent) AS sent, SUM(failed) AS failed FROM tallies ${where}`, ...args).one();
    return { subscribed: rows.subscribed ?? 0, pending: rows.pending ?? 0, sent: tally.sent ?? 0, failed: tally.failed ?? 0 };
  }

  /** Sends what is due, a round at a time, and sets the alarm for what is left. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.purge(now);
    const mailer = this.mailer ?? this.env.EMAIL ?? null;
    const from = this.meta("from") || this.env.NOTIFY_FROM?.trim() || null;
    if (mailer === null || from === null) {
      // Switched off since: keep the addresses (they still expire), look again later.
      logEvent("warn", "notify.failed", { reason: "EMAIL or NOTIFY_FROM is not configured; sending paused" });
      if (this.dueCount() > 0) await this.ctx.storage.setAlarm(now + 10 * MINUTE);
      return;
    }
    const rows = this.sql
      .exec<{ site: string; origin: string; address: string; lang: string }>(
        "SELECT site, origin, address, lang FROM subscribers WHERE due_at IS NOT NULL AND next_try_at <= ? ORDER BY site, lang, created_at LIMIT ?",
        now,
        ROUND,
      )
      .toArray()
      .map((r): Recipient => ({ site: r.site, origin: r.origin, address: r.address, lang: isLanguage(r.lang) ? r.lang : "en" }));

    let throttled = false;
    for (const batch of batches(rows)) {
      for (const outcome of await sendBatch(mailer, from, batch)) {
        if (outcome.kind === "throttled") throttled = true;
        else this.record(outcome, Date.now());
      }
      if (throttled) break;
    }

    if (throttled) {
      // Back off 1, 2, 4 ... 15 minutes while the sender says no; nothing counts as an attempt.
      const delay = Math.min(15 * MINUTE, Math.max(MINUTE, Number(this.meta("throttleMs") ?? 0) * 2));
      this.setMeta("throttleMs", String(delay));
      this.setMeta("throttledUntil", String(now + delay));
      logEvent("warn", "notify.failed", { reason: "the sender's rate limit; sending resumes later", retryInMs: delay });
      await this.ctx.storage.setAlarm(now + delay);
      return;
    }
    this.setMeta("throttleMs", "0");
    this.setMeta("throttledUntil", "0");
    await this.wake(Date.now());
  }

  // ---- private helpers ----

  /** Each outcome in one transaction: an address is deleted only once its email was accepted (or given up on). */
  private record(outcome: Exclude<Outcome, { kind: "throttled" }>, now: number): void {
    const { recipients } = outcome;
    const site = recipients[0]!.site;
    this.ctx.storage.transactionSync(() => {
      if (outcome.kind === "retry") {
        for (const r of recipients) {
          const row = this.sql.exec<{ attempts: number }>("SELECT attempts FROM subscribers WHERE site = ? AND address = ?", r.site, r.address).toArray()[0];
          if (!row) continue;
          const attempts = row.attempts + 1;
          if (attempts >= MAX_ATTEMPTS) {
            this.sql.exec("DELETE FROM subscribers WHERE site = ? AND address = ?", r.site, r.address);
            this.tally(r.site, "failed", 1);
          } else {
            // 1, 2, 4 ... 60 minutes.
            const wait = Math.min(60 * MINUTE, MINUTE * 2 ** (attempts - 1));
            this.sql.exec("UPDATE subscribers SET attempts = ?, next_try_at = ? WHERE site = ? AND address = ?", attempts, now + wait, r.site, r.address);
          }
        }
        return;
      }
      for (const r of recipients) this.sql.exec("DELETE FROM subscribers WHERE site = ? AND address = ?", r.site, r.address);
      this.tally(site, outcome.kind === "sent" ? "sent" : "failed", recipients.length);
    });
    // Counts and codes only: never an address.
    if (outcome.kind === "sent") logEvent("info", "notify.sent", { site, lang: recipients[0]!.lang, count: recipients.length });
    else logEvent("warn", "notify.failed", { site, code: outcome.code, count: recipients.length, retried: outcome.kind === "retry" });
  }

  private tally(site: string, column: "sent" | "failed", n: number): void {
    this.sql.exec(`INSERT INTO tallies (site, ${column}) VALUES (?, ?) ON CONFLICT (site) DO UPDATE SET ${column} = ${column} + excluded.${column}`, site, n);
  }

  /** Addresses still waiting past their expiry are deleted unsent. */
  private purge(now: number): void {
    this.sql.exec("DELETE FROM subscribers WHERE due_at IS NULL AND expires_at <= ?", now);
  }

  private dueCount(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM subscribers WHERE due_at IS NOT NULL").one().n;
  }

  private meta(key: string): string | null {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? null;
  }

  private setMeta(key: string, value: string): void {
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value);
  }
}
