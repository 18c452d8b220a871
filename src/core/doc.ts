// The versioned state document, as stored for a site (`site:<hostname>`) or for
// every site (`site:*`). Changing StateDoc is a deliberate act: bump `v`, keep
// reading the old one, and update docs/storage-schema.md.
import * as v from "valibot";
import { StoredMessageSchema } from "./message";
import { StoredRuleSchema } from "./rules";
import { parseIsoTime } from "./time";

/**
 * "inherit" is for a site's own document only: the site follows "*" for its
 * mode, window and message, and the document holds just its own allowlists
 * and revocation. It is what a site gets when only those are set.
 */
export const MODES = ["off", "maintenance", "read-only", "inherit"] as const;
export type Mode = (typeof MODES)[number];
export type ActiveMode = Exclude<Mode, "off" | "inherit">;

/**
 * Version 2 added `version` (the coordinator's write number), `rules`, and
 * `message` per language (a string, or an object from language to text).
 * Version 1 documents are still read: they become version 2 with
 * `version: 0` and no rules (their string message is valid as it is).
 */
export const STATE_VERSION = 2;

/** An ISO 8601 time that Date.parse reads (times are validated on write; this catches a hand-edited value). */
const storedTime = v.pipe(v.string(), v.check((s) => parseIsoTime(s) !== null, "is not a valid ISO 8601 time"));

/** A site's state as stored under `site:<hostname>` or `site:*`. */
export const StateDocSchema = v.object({
  v: v.literal(STATE_VERSION),
  /** The coordinator's write number: it only grows, across every scope. */
  version: v.pipe(v.number(), v.integer(), v.minValue(0)),
  mode: v.picklist(MODES),
  /** A text for every visitor, or a text per language (core/message.ts). */
  message: StoredMessageSchema,
  retryAfter: v.nullable(v.number()),
  startsAt: v.nullable(storedTime),
  endsAt: v.nullable(storedTime),
  announceFrom: v.nullable(storedTime),
  autoEnd: v.boolean(),
  allow: v.object({ ips: v.array(v.string()), paths: v.array(v.string()) }),
  bypassEpoch: v.number(),
  /** Feature and user maintenance, first match wins (core/rules.ts). */
  rules: v.array(StoredRuleSchema),
  updatedAt: storedTime,
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
  if (typeof json !== "object" || json === null || Array.isArray(json)) return { ok: false, reason: "corrupt: not an object" };
  const version = (json as { v?: unknown }).v;
  if (version === 1) json = { ...json, v: STATE_VERSION, version: 0, rules: [] };
  else if (version !== STATE_VERSION) return { ok: false, reason: `unknown version ${JSON.stringify(version)}` };
  const result = v.safeParse(StateDocSchema, json);
  if (!result.success) {
    return { ok: false, reason: `corrupt: ${v.getDotPath(result.issues[0]) ?? "document"} ${result.issues[0].message}` };
  }
  return { ok: true, doc: result.output };
}

export function emptyDoc(now: Date, updatedBy: string): StateDoc {
  return {
    v: STATE_VERSION,
    version: 0,
    mode: "off",
    message: null,
    retryAfter: null,
    startsAt: null,
    endsAt: null,
    announceFrom: null,
    autoEnd: false,
    allow: { ips: [], paths: [] },
    bypassEpoch: 0,
    rules: [],
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
