// The KV side of the state: keys, reads, writes and the audit log.
// Key layout and TTLs are documented in docs/storage-schema.md.
import { parseStateDoc, type StateDoc } from "./schema";

export const docKey = (scope: string) => `site:${scope}`;

export type DocRead =
  | { ok: true; doc: StateDoc | null; raw: string | null }
  | { ok: false; reason: string; raw: string | null };

/** Reads a site's own document and the `*` document in one KV operation. */
export async function readSiteDocs(kv: KVNamespace, site: string): Promise<{ own: DocRead; star: DocRead }> {
  const ownKey = docKey(site);
  const starKey = docKey("*");
  const values = await kv.get([ownKey, starKey], "text");
  return { own: interpret(values.get(ownKey) ?? null), star: interpret(values.get(starKey) ?? null) };
}

export async function readDoc(kv: KVNamespace, scope: string): Promise<DocRead> {
  return interpret(await kv.get(docKey(scope), "text"));
}

export async function writeDoc(kv: KVNamespace, scope: string, doc: StateDoc): Promise<void> {
  await kv.put(docKey(scope), JSON.stringify(doc));
}

function interpret(raw: string | null): DocRead {
  if (raw === null) return { ok: true, doc: null, raw };
  const parsed = parseStateDoc(raw);
  return parsed.ok ? { ok: true, doc: parsed.doc, raw } : { ok: false, reason: parsed.reason, raw };
}

// ---- audit log ---------------------------------------------------------------

export interface AuditEntry {
  at: string;
  action: string;
  scope: string;
  mode: string;
  message: string | null;
  actor: string;
  ip: string | null;
  userAgent: string | null;
  detail?: Record<string, unknown>;
}

/** Audit entries expire after 90 days so the log does not grow forever. */
export const LOG_TTL_SECONDS = 90 * 24 * 3600;
const MAX_TIME = 9_999_999_999_999;

/**
 * KV lists keys in ascending order, so an inverted, zero-padded timestamp
 * lists the newest entry first. A random suffix keeps two entries written in
 * the same millisecond apart.
 */
export function logKey(scope: string, atMs: number): string {
  const inverted = String(MAX_TIME - atMs).padStart(13, "0");
  const suffix = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36);
  return `log:${scope}:${inverted}:${suffix}`;
}

/** KV's limit on a key's metadata, serialised, in bytes. */
const METADATA_MAX_BYTES = 1024;

export async function appendLog(kv: KVNamespace, entry: AuditEntry): Promise<void> {
  const key = logKey(entry.scope, Date.parse(entry.at));
  // The entry rides in the metadata too, so listing the log needs no
  // per-entry read. When it is too big, a trimmed copy rides there and the
  // full entry stays in the value.
  await kv.put(key, JSON.stringify(entry), { expirationTtl: LOG_TTL_SECONDS, metadata: fitMetadata(entry) });
}

/** The entry, trimmed until it fits (bytes, not characters: messages can be any script). */
export function fitMetadata(entry: AuditEntry): AuditEntry {
  const fits = (e: AuditEntry) => byteLength(JSON.stringify(e)) <= METADATA_MAX_BYTES;
  if (fits(entry)) return entry;
  let trimmed: AuditEntry = { ...entry, detail: undefined, userAgent: entry.userAgent?.slice(0, 80) ?? null };
  for (let max = 200; !fits(trimmed) && max >= 0; max -= 50) {
    trimmed = { ...trimmed, message: entry.message === null ? null : truncate(entry.message, max) };
  }
  return fits(trimmed) ? trimmed : { ...trimmed, message: null, userAgent: null };
}

export async function listLog(
  kv: KVNamespace,
  scope: string,
  limit: number,
  cursor?: string,
): Promise<{ entries: AuditEntry[]; cursor: string | null }> {
  const page = await kv.list<AuditEntry>({ prefix: `log:${scope}:`, limit, cursor });
  // Metadata holds the entry (trimmed when long); read the value only when it is missing.
  const entries = await Promise.all(
    page.keys.map(async (k) => k.metadata ?? (await kv.get<AuditEntry>(k.name, "json"))),
  ).then((list) => list.filter((e): e is AuditEntry => !!e));
  return { entries, cursor: page.list_complete ? null : page.cursor };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}
