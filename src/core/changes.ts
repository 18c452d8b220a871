// What each admin action does to a scope's document. Pure: an action is plain
// data, so whoever serialises the writes (today the admin pipeline) can apply
// it to the latest stored document, and the same rule holds everywhere.
import type { DocRead, StateDoc } from "./doc";
import { emptyDoc } from "./doc";
import type { AllowInput, FieldError, OnInput, RuleInput } from "./input";
import { parseIpRule } from "./ip";
import { parsePathPattern } from "./path";
import { MAX_RULE_USERS, MAX_RULES, normaliseRulePath, type Rule } from "./rules";
import { phaseAt } from "./window";

/** Clock skew tolerated for times "now" sent by a client. */
export const SKEW_MS = 5 * 60 * 1000;

export type Action =
  /** POST /on, /read-only and /schedule. */
  | { kind: "on" | "schedule"; mode: "maintenance" | "read-only"; input: OnInput }
  /** POST /off. */
  | { kind: "off" }
  /** DELETE /schedule. */
  | { kind: "schedule.cancel" }
  /** POST /allow: replaces the lists it names. */
  | { kind: "allow"; input: Pick<AllowInput, "ips" | "paths"> }
  /** POST /bypass/revoke. */
  | { kind: "bypass.revoke" }
  /** DELETE /state: the site follows "*" again. */
  | { kind: "reset" }
  /** POST /rules: add a rule, or replace the one with the same id (it keeps its place). */
  | { kind: "rule.put"; rule: Omit<RuleInput, "scope"> }
  /** DELETE /rules/{id}. */
  | { kind: "rule.delete"; id: string }
  /** POST /rules/{id}/users: users in and out of a rule, as it stands when written. */
  | { kind: "rule.users"; id: string; add: string[]; remove: string[]; create?: Omit<RuleInput, "scope" | "id" | "users"> };

export type ActionKind = Action["kind"];

export type Change =
  | { ok: true; doc: StateDoc }
  /** Nothing to do; answered 200 with this note, and nothing is written. */
  | { ok: "unchanged"; note: string }
  | { ok: false; problem: Problem };

export type Problem =
  | ({ code: "invalid_request" } & FieldError)
  | { code: "not_found"; message: string };

/**
 * The next document for `scope`, from what is stored there now. `updatedAt`
 * and `updatedBy` are set by the caller, which knows who and when.
 */
export function applyAction(scope: string, stored: DocRead, action: Action, now: number): Change {
  const current = baseDoc(stored, now);
  switch (action.kind) {
    case "on":
    case "schedule":
      return switchOn(current, action.input, action.mode, now);
    case "off":
      return { ok: true, doc: switchOff(current) };
    case "schedule.cancel":
      // Nothing of the site's own to cancel (it follows "*"): say so, change nothing.
      if (followsStar(stored)) return { ok: "unchanged", note: 'nothing of its own to cancel; a "*" window is cancelled with scope "*"' };
      return { ok: true, doc: switchOff(current) };
    case "allow": {
      const allow = { ips: action.input.ips ?? current.allow.ips, paths: action.input.paths ?? current.allow.paths };
      const problem = checkAllow(allow);
      return problem ? invalid(problem) : { ok: true, doc: { ...current, allow } };
    }
    case "bypass.revoke":
      // Revoked before now; never moving backwards, even if clocks disagree.
      // A site that follows "*" gets an "inherit" document holding just this
      // revocation, so it keeps following "*" and no other site is affected.
      return { ok: true, doc: { ...current, bypassEpoch: Math.max(now, current.bypassEpoch + 1) } };
    case "rule.put": {
      const checked = checkRule(action.rule);
      if ("field" in checked) return invalid(checked);
      const at = current.rules.findIndex((r) => r.id === checked.id);
      if (at === -1 && current.rules.length >= MAX_RULES) {
        return invalid({ field: "id", message: `a site has at most ${MAX_RULES} rules; remove one first (DELETE /rules/{id})` });
      }
      const rules = at === -1 ? [...current.rules, checked] : current.rules.map((r, i) => (i === at ? checked : r));
      return { ok: true, doc: { ...current, rules } };
    }
    case "rule.delete": {
      if (!current.rules.some((r) => r.id === action.id)) {
        return { ok: false, problem: { code: "not_found", message: `${scope} has no rule "${action.id}".` } };
      }
      return { ok: true, doc: { ...current, rules: current.rules.filter((r) => r.id !== action.id) } };
    }
    case "rule.users":
      return changeUsers(scope, current, action);
    case "reset":
      if (scope === "*") return invalid({ field: "scope", message: '"*" follows nothing; use off to switch every site back on' });
      if (followsStar(stored)) return { ok: false, problem: { code: "not_found", message: `${scope} has no setting of its own; it already follows "*".` } };
      // Its allowlists and revocations stay (so revoked links stay revoked).
      return { ok: true, doc: { ...switchOff(current), mode: "inherit" } };
  }
}

/**
 * What a change starts from. A site without a document of its own starts
 * from "inherit": it keeps following "*" unless the change sets a mode (so
 * setting its allowlist or revoking its links never switches it out of a "*"
 * window). A corrupt document is replaced, and since the revocations it held
 * are unknown, every bypass link issued so far for the scope is revoked.
 */
export function baseDoc(stored: DocRead, now: number): StateDoc {
  const fresh: StateDoc = { ...emptyDoc(new Date(now), "pitstop"), mode: "inherit" };
  if (!stored.ok) return { ...fresh, bypassEpoch: now };
  return stored.doc ?? fresh;
}

/**
 * Window fields not given are cleared, so a new switch-on never inherits an
 * old message or end time; allowlists and the bypass epoch carry over.
 */
function switchOn(current: StateDoc, input: OnInput, mode: "maintenance" | "read-only", now: number): Change {
  const startsAt = input.startsAt ?? null;
  const endsAt = input.endsAt ?? null;
  const problem = checkWindow(startsAt, endsAt, input.announceFrom ?? null, input.autoEnd ?? false, now) ?? checkAllow(input.allow);
  if (problem) return invalid(problem);
  return {
    ok: true,
    doc: {
      ...current,
      mode,
      message: input.message || null,
      retryAfter: input.retryAfter ?? null,
      startsAt,
      endsAt,
      announceFrom: startsAt ? (input.announceFrom ?? null) : null,
      autoEnd: input.autoEnd ?? false,
      allow: input.allow ? { ips: input.allow.ips, paths: input.allow.paths } : current.allow,
    },
  };
}

/** Back to normal, keeping allowlists and the bypass epoch. */
function switchOff(current: StateDoc): StateDoc {
  return { ...current, mode: "off", message: null, retryAfter: null, startsAt: null, endsAt: null, announceFrom: null, autoEnd: false };
}

function followsStar(stored: DocRead): boolean {
  return stored.ok && (stored.doc === null || stored.doc.mode === "inherit");
}

export type Transition = "started" | "ended" | "scheduled" | "cancelled" | "updated";

/** What a change means for people watching: used by the audit log and webhooks. */
export function transition(before: StateDoc | null, after: StateDoc, now: number): Transition {
  const was = phaseAt(before, now).kind;
  const is = phaseAt(after, now).kind;
  const wasActive = was === "active";
  const isActive = is === "active";
  if (!wasActive && isActive) return "started";
  if (wasActive && !isActive) return is === "pending" || is === "announced" ? "scheduled" : "ended";
  if ((is === "pending" || is === "announced") && !(was === "pending" || was === "announced")) return "scheduled";
  if ((was === "pending" || was === "announced") && is === "off") return "cancelled";
  return "updated";
}

/**
 * Adds and removes users of a rule. A rule for some users never turns into a
 * rule for everyone: when its last user goes (and it has no percentage), the
 * rule goes. A rule for everyone cannot be narrowed this way.
 */
function changeUsers(scope: string, current: StateDoc, action: Extract<Action, { kind: "rule.users" }>): Change {
  const at = current.rules.findIndex((r) => r.id === action.id);
  const existing = at === -1 ? null : current.rules[at]!;
  if (existing === null) {
    if (!action.create || action.add.length === 0) return { ok: false, problem: { code: "not_found", message: `${scope} has no rule "${action.id}".` } };
    const made = checkRule({ ...action.create, id: action.id, users: action.add, percent: action.create.percent ?? null });
    if ("field" in made) return invalid({ field: `create.${made.field}`, message: made.message });
    if (current.rules.length >= MAX_RULES) return invalid({ field: "id", message: `a site has at most ${MAX_RULES} rules; remove one first (DELETE /rules/{id})` });
    return { ok: true, doc: { ...current, rules: [...current.rules, made] } };
  }
  if (existing.users.length === 0 && existing.percent === null) {
    return invalid({ field: "id", message: `rule "${action.id}" is for everyone on its paths; adding or removing users would change what it is. Use another rule id.` });
  }
  const removed = new Set(action.remove);
  const users = [...new Set([...existing.users.filter((u) => !removed.has(u)), ...action.add])];
  if (users.length > MAX_RULE_USERS) return invalid({ field: "add", message: `a rule has at most ${MAX_RULE_USERS} users` });
  const rules =
    users.length === 0 && existing.percent === null
      ? current.rules.filter((_, i) => i !== at)
      : current.rules.map((r, i) => (i === at ? { ...r, users } : r));
  return { ok: true, doc: { ...current, rules } };
}

/** A rule's paths are parsed and stored canonical; a bad one is refused naming the entry. */
function checkRule(input: Omit<RuleInput, "scope">): Rule | FieldError {
  const paths: string[] = [];
  for (const [i, entry] of input.paths.entries()) {
    try {
      paths.push(normaliseRulePath(entry));
    } catch (err) {
      return { field: `paths.${i}`, message: err instanceof Error ? err.message : String(err) };
    }
  }
  return {
    id: input.id,
    paths: [...new Set(paths)],
    methods: [...new Set(input.methods)],
    users: [...new Set(input.users)],
    percent: input.percent,
    mode: input.mode,
    message: input.message || null,
    banner: input.banner,
  };
}

/** Allowlist entries are parsed when written, so a bad one is refused naming the entry. */
export function checkAllow(allow: { ips: string[]; paths: string[] } | undefined): FieldError | null {
  if (!allow) return null;
  const lists: Array<["ips" | "paths", (entry: string) => unknown]> = [
    ["ips", parseIpRule],
    ["paths", parsePathPattern],
  ];
  for (const [key, parse] of lists) {
    for (const [i, entry] of allow[key].entries()) {
      try {
        parse(entry);
      } catch (err) {
        return { field: `allow.${key}.${i}`, message: err instanceof Error ? err.message : String(err) };
      }
    }
  }
  return null;
}

function checkWindow(startsAt: string | null, endsAt: string | null, announceFrom: string | null, autoEnd: boolean, now: number): FieldError | null {
  const start = startsAt ? Date.parse(startsAt) : null;
  const end = endsAt ? Date.parse(endsAt) : null;
  if (start !== null && start < now - SKEW_MS) return { field: "startsAt", message: "must not be in the past" };
  if (end !== null && end <= now) return { field: "endsAt", message: "must be in the future" };
  if (start !== null && end !== null && end <= start) return { field: "endsAt", message: "must be after startsAt" };
  if (announceFrom !== null) {
    if (start === null) return { field: "announceFrom", message: "needs startsAt (an announcement is for a scheduled window)" };
    if (Date.parse(announceFrom) > start) return { field: "announceFrom", message: "must not be after startsAt" };
  }
  if (autoEnd && end === null) return { field: "autoEnd", message: "needs endsAt (the time the window ends by itself)" };
  return null;
}

function invalid(error: FieldError): Change {
  return { ok: false, problem: { code: "invalid_request", ...error } };
}
