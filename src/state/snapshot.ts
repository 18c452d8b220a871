// The whole state of a deployment, as the coordinator serves it and every
// copy holds it: each scope's document (as stored text) and the newest write
// number. One snapshot answers every site, so a hostname that has no document
// of its own costs no storage read: it is simply not in the snapshot.
import { readStored, type DocRead } from "../core/doc";

/** As it travels (RPC, the Cache API, KV). */
export interface SnapshotWire {
  /** The newest write number in it; a copy never replaces a newer one. */
  version: number;
  /** When the coordinator served it (ms), so a copy's age can be told. */
  servedAt: number;
  /** Scope ("*" or a hostname) to the stored document's text. */
  docs: Record<string, string>;
}

/** As an isolate holds it: parsed once, per scope. */
export interface Snapshot {
  version: number;
  servedAt: number;
  docs: Map<string, DocRead>;
}

export function readSnapshot(wire: SnapshotWire): Snapshot {
  const docs = new Map<string, DocRead>();
  for (const [scope, raw] of Object.entries(wire.docs)) docs.set(scope, readStored(raw));
  return { version: wire.version, servedAt: wire.servedAt, docs };
}

/** A value read back from a copy (Cache API, KV), checked before it is trusted. */
export function parseSnapshotWire(text: string): SnapshotWire | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof json !== "object" || json === null) return null;
  const { version, servedAt, docs } = json as Partial<SnapshotWire>;
  if (!Number.isSafeInteger(version) || !Number.isFinite(servedAt) || typeof docs !== "object" || docs === null) return null;
  for (const raw of Object.values(docs)) if (typeof raw !== "string") return null;
  return { version: version!, servedAt: servedAt!, docs: docs as Record<string, string> };
}
