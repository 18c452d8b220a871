// How each admin call turns the current document into the next one. Pure:
// the routes do the reading, writing and logging.
import { parseIpRule } from "../allow/ip";
import { parsePathPattern } from "../allow/path";
import { phaseAt } from "../gate/window";
import type { FieldError, OnInput, StateDoc } from "../state/schema";

/** Clock skew tolerated for times "now" sent by a client. */
export const SKEW_MS = 5 * 60 * 1000;

export type Change = { ok: true; doc: StateDoc } | { ok: false; error: FieldError };

/**
 * POST /on, /read-only and /schedule. Window fields not given are cleared, so
 * a new switch-on never inherits an old message or end time; allowlists and
 * the bypass epoch carry over.
 */
export function switchOn(current: StateDoc, input: OnInput, mode: "maintenance" | "read-only", now: number): Change {
  const startsAt = input.startsAt ?? null;
  const endsAt = input.endsAt ?? null;
  const problem = checkWindow(startsAt, endsAt, input.announceFrom ?? null, input.autoEnd ?? false, now) ?? checkAllow(input.allow);
  if (problem) return { ok: false, error: problem };
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

/** POST /off and DELETE /schedule: back to normal, keeping allowlists and epoch. */
export function switchOff(current: StateDoc): StateDoc {
  return { ...current, mode: "off", message: null, retryAfter: null, startsAt: null, endsAt: null, announceFrom: null, autoEnd: false };
}

/** What a change means for people watching: used by the audit log and webhooks. */
export function transition(before: StateDoc | null, after: StateDoc, now: number): "started" | "ended" | "scheduled" | "cancelled" | "updated" {
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
