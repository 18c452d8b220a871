// The versioned KV state document and the admin API's input schemas.
// Changing StateDoc is a deliberate act: bump `v`, keep reading the old one,
// and update docs/storage-schema.md.
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

const MAX_MESSAGE = 1000;
const MAX_RETRY_AFTER = 7 * 24 * 3600;
const MAX_ALLOW_ENTRIES = 100;

/** ISO 8601 with an explicit zone, normalised to UTC ("...Z"). */
const isoTime = v.pipe(
  v.string("must be an ISO 8601 time such as 2026-05-01T22:00:00Z"),
  v.isoTimestamp("must be an ISO 8601 time with a timezone, such as 2026-05-01T22:00:00Z"),
  v.transform((s) => new Date(s).toISOString()),
);

const message = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.maxLength(MAX_MESSAGE, `must be at most ${MAX_MESSAGE} characters`),
);

const retryAfter = v.pipe(
  v.number("must be a number of seconds"),
  v.integer("must be a whole number of seconds"),
  v.minValue(1, "must be at least 1 second"),
  v.maxValue(MAX_RETRY_AFTER, `must be at most ${MAX_RETRY_AFTER} seconds (7 days)`),
);

const allowList = v.pipe(
  v.array(v.pipe(v.string("entries must be strings"), v.trim()), "must be a list of strings"),
  v.maxLength(MAX_ALLOW_ENTRIES, `must have at most ${MAX_ALLOW_ENTRIES} entries`),
);

export const AllowSchema = v.strictObject(
  { ips: v.optional(allowList, []), paths: v.optional(allowList, []) },
  () => "unknown field",
);

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

/** "*" or a hostname (lower-cased); what a change applies to. */
export const ScopeSchema = v.pipe(
  v.string("must be a hostname or \"*\""),
  v.trim(),
  v.toLowerCase(),
  v.regex(
    /^(\*|(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$/,
    "must be a hostname such as example.org, or \"*\" for every site",
  ),
);

const unknownField = () => "unknown field";

/** Body of POST /on, /read-only and /schedule. Every field is optional. */
export const OnInputSchema = v.strictObject(
  {
    mode: v.optional(v.picklist(["maintenance", "read-only"], 'must be "maintenance" or "read-only"')),
    message: v.optional(v.nullable(message)),
    retryAfter: v.optional(v.nullable(retryAfter)),
    startsAt: v.optional(v.nullable(isoTime)),
    endsAt: v.optional(v.nullable(isoTime)),
    announceFrom: v.optional(v.nullable(isoTime)),
    autoEnd: v.optional(v.boolean("must be true or false")),
    scope: v.optional(ScopeSchema),
    allow: v.optional(AllowSchema),
  },
  unknownField,
);
export type OnInput = v.InferOutput<typeof OnInputSchema>;

/** Body of POST /allow: replaces the lists it names. */
export const AllowInputSchema = v.strictObject(
  { ips: v.optional(allowList), paths: v.optional(allowList), scope: v.optional(ScopeSchema) },
  unknownField,
);

/** Body of POST /off, DELETE /schedule and other scope-only calls. */
export const ScopeOnlySchema = v.strictObject({ scope: v.optional(ScopeSchema) }, unknownField);

export const LogQuerySchema = v.object({
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,4}$/, "must be a whole number from 1 to 1000"),
      v.transform(Number),
      v.minValue(1, "must be a whole number from 1 to 1000"),
      v.maxValue(1000, "must be a whole number from 1 to 1000"),
    ),
    "50",
  ),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(1024, "is too long"))),
  scope: v.optional(ScopeSchema),
});

export interface FieldError {
  field: string;
  message: string;
}

/** Validation that names the offending field: "retryAfter: must be ...". */
export function validate<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
): { ok: true; value: v.InferOutput<S> } | { ok: false; error: FieldError } {
  const result = v.safeParse(schema, input, { abortPipeEarly: true });
  if (result.success) return { ok: true, value: result.output };
  const issue = result.issues[0];
  const field = v.getDotPath(issue) ?? "body";
  return { ok: false, error: { field, message: issue.message } };
}

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
