// The state coordinator: a Durable Object (SQLite storage) through which every
// admin write goes. It orders the writes, numbers each with a version that
// only grows, stores the documents and the audit log in one transaction, and
// copies the documents to KV for cold starts and as the fallback.
//
// One object serves the whole deployment (every site and "*"), so one read
// answers every site. Reads come from each location's copy (the Cache API),
// refreshed from here every few seconds; see state/source.ts.
import { DurableObject } from "cloudflare:workers";
import { auditEntry, type Actor, type AuditEntry } from "../core/audit";
import { applyAction, transition, type Action, type Problem, type Transition } from "../core/changes";
import { readStored, type DocRead, type StateDoc } from "../core/doc";
import { parseIsoTime } from "../core/time";
import { resolveSite } from "../core/policy";
import { logEvent } from "../log";
import { docKey, DOC_PREFIX, LEGACY_LOG_PREFIX, SNAPSHOT_KEY, scopeOfDocKey } from "./keys";
import { parseSnapshotWire, type SnapshotWire } from "./snapshot";

/** The coordinator's name: one per deployment. */
export const COORDINATOR_NAME = "pitstop";

export interface CommitRequest {
  scope: string;
  action: Action;
  actor: Actor;
}

export type CommitResult =
  | {
      ok: true;
      version: number;
      /** When the write happened, by the coordinator's clock (ms). */
      at: number;
      transition: Transition;
      /** The scope's document after the change. */
      doc: StateDoc;
      /** The document that now governs the scope (the site's own, or "*"). */
      governing: StateDoc;
      snapshot: SnapshotWire;
    }
  | { ok: "unchanged"; note: string; doc: StateDoc | null; snapshot: SnapshotWire }
  | { ok: false; problem: Problem };

export interface LogPage {
  /** Each entry as stored: JSON text of an AuditEntry (it crosses RPC as text). */
  entries: string[];
  cursor: string | null;
}

/** What GET /status shows of the coordinator. */
export interface CoordinatorStatus {
  version: number;
  snapshot: SnapshotWire;
  /** The newest version copied to KV, and why the copy is behind, if it is. */
  kv: { version: number; copiedAt: number | null; fault: string | null };
}

/** Audit entries are kept 90 days. */
const AUDIT_TTL_MS = 90 * 24 * 3600 * 1000;
/** KV allows one write per second per key; the snapshot key is written at most this often. */
const KV_MIN_INTERVAL_MS = 1000;
const KV_RETRY_MAX_MS = 60_000;

export class StateCoordinator extends DurableObject<{ MAINTENANCE: KVNamespace }> {
  private readonly sql: SqlStorage;
  private adopted = false;

  constructor(ctx: DurableObjectState, env: { MAINTENANCE: KVNamespace }) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS docs (scope TEXT PRIMARY KEY, doc TEXT NOT NULL, version INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT NOT NULL, version INTEGER NOT NULL, at INTEGER NOT NULL, entry TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS audit_scope ON audit (scope, id);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    this.adopted = this.meta("adopted") !== null;
  }

  /** Every document and the newest version: what the locations copy. */
  async snapshot(): Promise<SnapshotWire> {
    await this.adopt();
    return this.currentSnapshot();
  }

  /**
   * One admin change, in one transaction: read the scope's document (and "*"),
   * apply the action (pure, core/changes.ts), write, audit. Writes are applied
   * one at a time, so two admins never lose each other's change.
   */
  async commit(request: CommitRequest): Promise<CommitResult> {
    await this.adopt();
    const result = this.ctx.storage.transactionSync((): CommitResult => {
      const { scope, action, actor } = request;
      const now = Date.now();
      // 1. Read.
      const stored = this.readDoc(scope);
      const star = scope === "*" ? stored : this.readDoc("*");
      // 2. Apply (pure).
      const change = applyAction(scope, stored, action, now);
      if (change.ok === false) return change;
      if (change.ok === "unchanged") return { ...change, doc: stored.ok ? stored.doc : null, snapshot: this.currentSnapshot() };
      // 3. Write, numbered.
      const version = this.version() + 1;
      const doc: StateDoc = { ...change.doc, version, updatedAt: new Date(now).toISOString(), updatedBy: actor.name };
      this.sql.exec("INSERT OR REPLACE INTO docs (scope, doc, version) VALUES (?, ?, ?)", scope, JSON.stringify(doc), version);
      this.setMeta("version", String(version));
      // 4. Audit, in the same transaction: the log can never say a change happened that is not stored.
      const starDoc = star.ok ? star.doc : null;
      const before = scope === "*" ? (stored.ok ? stored.doc : null) : resolveSite(stored.ok ? stored.doc : null, starDoc).governing;
      const governing = scope === "*" ? doc : (resolveSite(doc, starDoc).governing ?? doc);
      const kind = transition(before, governing, now);
      // A user going in or out of a rule records who, not the whole rule again.
      const changed = action.kind === "rule.users" ? { rule: action.id, addedUsers: action.add, removedUsers: action.remove } : changedFields(stored.ok ? stored.doc : null, doc);
      const detail = { transition: kind, changed, ...(stored.ok ? {} : { repaired: stored.reason, bypassRevoked: true }) };
      this.appendAudit(auditEntry({ action: action.kind, scope, mode: doc.mode, message: doc.message, detail }, actor, now), version);
      return { ok: true, version, at: now, transition: kind, doc, governing, snapshot: this.currentSnapshot() };
    });
    if (result.ok === true) await this.scheduleKvCopy();
    return result;
  }

  /** An audit entry for something that is not a state change (minting a bypass link). */
  async record(entry: string): Promise<void> {
    await this.adopt();
    this.appendAudit(JSON.parse(entry) as AuditEntry, this.version());
  }

  /** The audit log of a scope, newest first (in the order the writes were made). */
  async log(scope: string, limit: number, cursor?: string): Promise<LogPage> {
    await this.adopt();
    const before = cursor && /^\d+$/.test(cursor) ? Number(cursor) : Number.MAX_SAFE_INTEGER;
    const rows = this.sql
      .exec<{ id: number; entry: string }>("SELECT id, entry FROM audit WHERE scope = ? AND id < ? ORDER BY id DESC LIMIT ?", scope, before, limit + 1)
      .toArray();
    const page = rows.slice(0, limit);
    return {
      entries: page.map((r) => r.entry),
      cursor: rows.length > limit ? String(page[page.length - 1]!.id) : null,
    };
  }

  async status(): Promise<CoordinatorStatus> {
    await this.adopt();
    const copiedAt = this.meta("kvCopiedAt");
    return {
      version: this.version(),
      snapshot: this.currentSnapshot(),
      kv: { version: Number(this.meta("kvVersion") ?? 0), copiedAt: copiedAt === null ? null : Number(copiedAt), fault: this.meta("kvFault") },
    };
  }

  /** Copies the documents to KV; retried until KV takes them (a KV outage changes nothing visitors see). */
  override async alarm(): Promise<void> {
    const version = this.version();
    if (Number(this.meta("kvVersion") ?? 0) >= version) return;
    try {
      await this.copyToKv(version);
      this.setMeta("kvVersion", String(version));
      this.setMeta("kvCopiedAt", String(Date.now()));
      this.sql.exec("DELETE FROM meta WHERE key = 'kvFault'");
      this.setMeta("kvRetryMs", "0");
      // A write that landed meanwhile needs another copy.
      if (this.version() > version) await this.ctx.storage.setAlarm(Date.now() + KV_MIN_INTERVAL_MS);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const retry = Math.min(KV_RETRY_MAX_MS, Math.max(1000, Number(this.meta("kvRetryMs") ?? 0) * 2));
      this.setMeta("kvFault", reason);
      this.setMeta("kvRetryMs", String(retry));
      logEvent("error", "state.fault", { reason: "KV copy failed; retrying", error: reason, retryMs: retry });
      await this.ctx.storage.setAlarm(Date.now() + retry);
    }
  }

  // ---- private helpers ----

  private currentSnapshot(): SnapshotWire {
    const docs: Record<string, string> = {};
    for (const row of this.sql.exec<{ scope: string; doc: string }>("SELECT scope, doc FROM docs")) docs[row.scope] = row.doc;
    return { version: this.version(), servedAt: Date.now(), docs };
  }

  private readDoc(scope: string): DocRead {
    const row = this.sql.exec<{ doc: string }>("SELECT doc FROM docs WHERE scope = ?", scope).toArray()[0];
    return readStored(row?.doc ?? null);
  }

  private version(): number {
    return Number(this.meta("version") ?? 0);
  }

  private appendAudit(entry: AuditEntry, version: number): void {
    const at = Date.parse(entry.at);
    this.sql.exec("INSERT INTO audit (scope, version, at, entry) VALUES (?, ?, ?, ?)", entry.scope, version, at, JSON.stringify({ ...entry, version }));
    this.sql.exec("DELETE FROM audit WHERE at < ?", at - AUDIT_TTL_MS);
  }

  private async scheduleKvCopy(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) !== null) return;
    const last = Number(this.meta("kvCopiedAt") ?? 0);
    await this.ctx.storage.setAlarm(Math.max(Date.now(), last + KV_MIN_INTERVAL_MS));
  }

  /** Each changed document under its own key (the documented schema), and the whole snapshot under one. */
  private async copyToKv(version: number): Promise<void> {
    const since = Number(this.meta("kvVersion") ?? 0);
    const kv = this.env.MAINTENANCE;
    const changed = this.sql.exec<{ scope: string; doc: string }>("SELECT scope, doc FROM docs WHERE version > ?", since).toArray();
    await Promise.all(changed.map((row) => kv.put(docKey(row.scope), row.doc)));
    await kv.put(SNAPSHOT_KEY, JSON.stringify({ ...this.currentSnapshot(), version }));
  }

  /**
   * On first use, take in what KV holds (documents and the audit log written
   * before there was a coordinator), so nothing is lost. Until KV has answered
   * once, the object refuses to serve rather than start empty and overwrite it.
   */
  private async adopt(): Promise<void> {
    if (this.adopted) return;
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.adopted) return;
      const kv = this.env.MAINTENANCE;
      const docs: Array<{ scope: string; raw: string }> = [];
      for await (const key of listKeys(kv, DOC_PREFIX)) {
        const raw = await kv.get(key.name, "text");
        if (raw !== null) docs.push({ scope: scopeOfDocKey(key.name), raw });
      }
      // Numbering goes on from the newest version any copy has seen, so no
      // isolate or location holding a newer copy ever ignores a new write.
      const copy = parseSnapshotWire((await kv.get(SNAPSHOT_KEY, "text")) ?? "null");
      const newest = Math.max(copy?.version ?? 0, ...docs.map(({ raw }) => { const read = readStored(raw); return read.ok ? (read.doc?.version ?? 0) : 0; }));
      const logs: AuditEntry[] = [];
      let skipped = 0;
      for await (const key of listKeys<AuditEntry>(kv, LEGACY_LOG_PREFIX)) {
        const entry = key.metadata ?? (await kv.get<AuditEntry>(key.name, "json"));
        // One bad entry must not stop the adoption (and with it every write).
        if (entry && typeof entry.scope === "string" && typeof entry.at === "string" && parseIsoTime(entry.at) !== null) logs.push(entry);
        else skipped++;
      }
      this.ctx.storage.transactionSync(() => {
        // Keys list in ascending order, and legacy log keys carry an inverted time: oldest last.
        for (const entry of logs.reverse()) this.appendAudit(entry, 0);
        for (const { scope, raw } of docs) this.sql.exec("INSERT OR IGNORE INTO docs (scope, doc, version) VALUES (?, ?, ?)", scope, raw, 0);
        if (newest > this.version()) this.setMeta("version", String(newest));
        this.setMeta("adopted", String(Date.now()));
      });
      this.adopted = true;
      if (docs.length || logs.length || skipped) {
        logEvent("info", "state.recovered", { reason: "adopted KV state", documents: docs.length, auditEntries: logs.length, skippedEntries: skipped, version: newest });
      }
    });
  }

  private meta(key: string): string | null {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? null;
  }

  private setMeta(key: string, value: string): void {
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value);
  }
}

async function* listKeys<M = unknown>(kv: KVNamespace, prefix: string): AsyncGenerator<KVNamespaceListKey<M>> {
  let cursor: string | undefined;
  do {
    const page = await kv.list<M>({ prefix, cursor });
    yield* page.keys;
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
}

/** What an action changed: every field whose value differs (the audit log keeps the values). */
function changedFields(before: StateDoc | null, after: StateDoc): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after)) {
    if (key === "version" || key === "updatedAt" || key === "updatedBy" || key === "v") continue;
    if (JSON.stringify(before?.[key as keyof StateDoc]) !== JSON.stringify(value)) out[key] = value;
  }
  return out;
}
