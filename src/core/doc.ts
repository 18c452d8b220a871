// The versioned state document, as stored for a site (`site:<hostname>`) or for
// every site (`site:*`). Changing StateDoc is a deliberate act: bump `v`, keep
// reading the old one, and update docs/storage-schema.md.
import * as v from "valibot";

/**
 * "inherit" is for a site's own document only: the site follows "*" for its
 * mode, window and message, and the document holds just its own allowlists
 * and revocation. It is what a site gets when only those are set.
 */
export const MODES = ["off", "maintenance", "read-only", "inherit"] as const;
export type Mode = (typeof MODES)[number];
export type ActiveMode = Exclude<Mode, "off" | "inherit">;

export const STATE_VERSION = 1;

/** A site's state as stored under `site:<hostname>` or `site:*`. */
export const StateDocSchema = v.object({
  v: v.literal(STATE_VERSION),
  mode: v.picklist(MODES),
  message: v.nullable(v.string()),
  retryAfter: v.nullable(v.number()),
  startsAt: v.nullable(v.string()),
  endsAt: v.nullable(v.string()),
  announceFrom: v.nullable(v.string()),
  autoEnd: v.boolean(),
  allow: v.object({ ips: v.array(v.string()), paths: v.array(v.string()) }),
  bypassEpoch: v.number(),
  updatedAt: v.string(),
  updatedBy: v.string(),
});
export type StateDoc = v.InferOutput<typeof StateDocSchema>;

/** Parses a stored document, telling corrupt data from an unknown version. */
export function parseStateDoc(text: string): { ok: true; doc: StateDoc } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: "corrupt: not JSON" };
  }
  if (typeof json !== "object" || json === null) return { ok: false, reason: "corrupt: not an object" };
  const version = (json as { v?: unknown }).v;
  if (version !== STATE_VERSION) return { ok: false, reason: `unknown version ${JSON.stringify(version)}` };
  const result = v.safeParse(StateDocSchema, json);
  if (!result.success) {
    return { ok: false, reason: `corrupt: ${v.getDotPath(result.issues[0]) ?? "document"} ${result.issues[0].message}` };
  }
  return { ok: true, doc: result.output };
}

export function emptyDoc(now: Date, updatedBy: string): StateDoc {
  return {
    v: STATE_VERSION,
    mode: "off",
    message: null,
    retryAfter: null,
    startsAt: null,
    endsAt: null,
    announceFrom: null,
    autoEnd: false,
    allow: { ips: [], paths: [] },
    bypassEpoch: 0,
    updatedAt: now.toISOString(),
    updatedBy,
  };
}

/**
 * A stored document as read: absent (null), good, or a fault (corrupt, or a
 * version this code does not know). `raw` is the stored text, for change detection.
 */
export type DocRead =
  | { ok: true; doc: StateDoc | null; raw: string | null }
  | { ok: false; reason: string; raw: string | null };

/** A stored value, interpreted. */
export function readStored(raw: string | null): DocRead {
  if (raw === null) return { ok: true, doc: null, raw };
  const parsed = parseStateDoc(raw);
  return parsed.ok ? { ok: true, doc: parsed.doc, raw } : { ok: false, reason: parsed.reason, raw };
}

/** What a site is governed by: its own document and the `*` document, each as read. */
export interface SiteDocs {
  own: DocRead;
  star: DocRead;
}
