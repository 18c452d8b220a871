// The audit log in KV: one entry per admin action, listed newest first, kept
// for 90 days.
import type { AuditEntry } from "../core/audit";
import { logPrefix } from "./keys";

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
  return `${logPrefix(scope)}${inverted}:${suffix}`;
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
  const page = await kv.list<AuditEntry>({ prefix: logPrefix(scope), limit, cursor });
  // Metadata holds the entry (trimmed when long); read the value only when it is missing.
  const entries = await Promise.all(page.keys.map(async (k) => k.metadata ?? (await kv.get<AuditEntry>(k.name, "json")))).then((list) =>
    list.filter((e): e is AuditEntry => !!e),
  );
  return { entries, cursor: page.list_complete ? null : page.cursor };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}
