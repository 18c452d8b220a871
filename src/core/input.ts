// The admin API's input schemas. Every field an admin can send is described
// here once; a value that does not fit is refused naming the field, before
// anything is read or written.
import * as v from "valibot";
import { MessageInputSchema } from "./message";
import { safeNextPath } from "./redirect";
import { MAX_RULE_USERS, RULE_ID } from "./rules";
import { siteKey } from "./site";
import { normaliseIsoTime, parseIsoTime } from "./time";

const MAX_RETRY_AFTER = 7 * 24 * 3600;
const MAX_ALLOW_ENTRIES = 100;
export const DEFAULT_LINK_TTL_SECONDS = 15 * 60;
const MAX_LINK_TTL_SECONDS = 7 * 24 * 3600;

const TIME_HELP = "must be an ISO 8601 time with a zone, such as 2026-05-01T22:00:00Z or 2026-05-01T22:00+02:00";

/** ISO 8601 with an explicit zone, read exactly (core/time.ts), normalised to UTC ("...Z"). */
const isoTime = v.pipe(
  v.string(TIME_HELP),
  v.check((s) => parseIsoTime(s) !== null, TIME_HELP),
  v.transform((s) => normaliseIsoTime(s)!),
);

/** A string, or an object from language to text (core/message.ts). */
const message = MessageInputSchema;

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

const unknownField = () => "unknown field";

export const AllowSchema = v.strictObject({ ips: v.optional(allowList, []), paths: v.optional(allowList, []) }, unknownField);

/** "*" or a hostname, canonical as core/site.ts makes it; what a change applies to. */
export const ScopeSchema = v.pipe(
  v.string('must be a hostname or "*"'),
  v.trim(),
  v.transform(siteKey),
  v.regex(
    /^(\*|(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$/,
    'must be a hostname such as example.org, or "*" for every site',
  ),
);

const scope = v.optional(ScopeSchema);

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
    scope,
    allow: v.optional(AllowSchema),
  },
  unknownField,
);
export type OnInput = v.InferOutput<typeof OnInputSchema>;

/** Body of POST /allow: replaces the lists it names. */
export const AllowInputSchema = v.strictObject({ ips: v.optional(allowList), paths: v.optional(allowList), scope }, unknownField);
export type AllowInput = v.InferOutput<typeof AllowInputSchema>;

/** Body of POST /off, DELETE /schedule and other scope-only calls. */
export const ScopeOnlySchema = v.strictObject({ scope }, unknownField);

/** Body of POST /bypass: mint a link. */
export const MintInputSchema = v.strictObject(
  {
    ttl: v.optional(
      v.pipe(
        v.number("must be a number of seconds"),
        v.integer("must be a whole number of seconds"),
        v.minValue(30, "must be at least 30 seconds"),
        v.maxValue(MAX_LINK_TTL_SECONDS, "must be at most 604800 seconds (7 days)"),
      ),
    ),
    next: v.optional(
      v.pipe(
        v.string("must be a path such as /checkout"),
        v.check((n) => safeNextPath(n) !== null, "must be a path on this site, such as /checkout (no other hosts, no //, no backslashes)"),
      ),
    ),
    scope,
  },
  unknownField,
);

/** Body of POST /rules: a rule, added or replacing the one with the same id. */
export const RuleInputSchema = v.strictObject(
  {
    id: v.pipe(
      v.string("must be a rule id such as checkout"),
      v.regex(RULE_ID, "must be 1 to 63 lower-case letters, digits, - or _"),
    ),
    paths: v.optional(
      v.pipe(
        v.array(v.pipe(v.string("entries must be strings"), v.trim()), "must be a list of path patterns"),
        v.maxLength(MAX_ALLOW_ENTRIES, `must have at most ${MAX_ALLOW_ENTRIES} entries`),
      ),
      [],
    ),
    methods: v.optional(
      v.pipe(
        v.array(
          v.pipe(v.string("entries must be strings"), v.trim(), v.toUpperCase(), v.regex(/^[A-Z]{1,20}$/, "entries must be HTTP methods such as POST")),
          "must be a list of HTTP methods",
        ),
        v.maxLength(20, "must have at most 20 entries"),
      ),
      [],
    ),
    users: v.optional(
      v.pipe(
        v.array(v.pipe(v.string("entries must be strings"), v.trim(), v.minLength(1, "entries must not be empty"), v.maxLength(256, "entries must be at most 256 characters")), "must be a list of user keys"),
        v.maxLength(MAX_RULE_USERS, `must have at most ${MAX_RULE_USERS} users`),
      ),
      [],
    ),
    percent: v.optional(
      v.nullable(
        v.pipe(v.number("must be a number from 0 to 100"), v.minValue(0, "must be from 0 to 100"), v.maxValue(100, "must be from 0 to 100")),
      ),
      null,
    ),
    mode: v.optional(v.picklist(["maintenance", "read-only"], 'must be "maintenance" or "read-only"'), "maintenance"),
    message: v.optional(v.nullable(message), null),
    banner: v.optional(v.boolean("must be true or false"), false),
    scope,
  },
  unknownField,
);
export type RuleInput = v.InferOutput<typeof RuleInputSchema>;

const userKeys = v.pipe(
  v.array(v.pipe(v.string("entries must be strings"), v.trim(), v.minLength(1, "entries must not be empty"), v.maxLength(256, "entries must be at most 256 characters")), "must be a list of user keys"),
  v.maxLength(MAX_RULE_USERS, `must have at most ${MAX_RULE_USERS} users`),
);

/**
 * Body of POST /rules/{id}/users: users in and out of a rule, applied to the
 * rule as it stands when the coordinator writes (two admins adding users never
 * lose each other's). `create` describes the rule if it does not exist yet.
 */
export const RuleUsersInputSchema = v.strictObject(
  {
    add: v.optional(userKeys, []),
    remove: v.optional(userKeys, []),
    create: v.optional(v.omit(RuleInputSchema, ["id", "scope", "users"])),
    scope,
  },
  unknownField,
);
export type RuleUsersInput = v.InferOutput<typeof RuleUsersInputSchema>;

/** Query of DELETE /rules/{id}. */
export const RuleIdSchema = v.pipe(v.string(), v.regex(RULE_ID, "must be 1 to 63 lower-case letters, digits, - or _"));

/** Query of GET /status. */
export const StatusQuerySchema = v.object({ scope });

/** Query of GET /log. */
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
  scope,
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
