// Where a state document stands at a given moment. Windows need no cron on the
// request path: every request evaluates the stored times against `now`.
import type { ActiveMode, StateDoc } from "./doc";

/** How long before a window the banner appears when announceFrom is not set. */
export const DEFAULT_ANNOUNCE_MS = 24 * 3600 * 1000;

export type Phase =
  | { kind: "off" }
  | { kind: "pending"; mode: ActiveMode } // scheduled, not yet announced
  | { kind: "announced"; mode: ActiveMode } // scheduled, banner showing
  | { kind: "active"; mode: ActiveMode }
  | { kind: "ended" }; // past endsAt with autoEnd

export function phaseAt(doc: StateDoc | null, now: number): Phase {
  if (!doc || doc.mode === "off" || doc.mode === "inherit") return { kind: "off" };
  const mode = doc.mode;
  const t = timesOf(doc);
  if (t.startsAt !== null && now < t.startsAt) {
    return now >= t.announceFrom! ? { kind: "announced", mode } : { kind: "pending", mode };
  }
  if (doc.autoEnd && t.endsAt !== null && now >= t.endsAt) return { kind: "ended" };
  return { kind: "active", mode };
}

interface Times {
  startsAt: number | null;
  endsAt: number | null;
  announceFrom: number | null;
}

/** Documents are never mutated once read, so their times are parsed once, not per request. */
const parsed = new WeakMap<StateDoc, Times>();

function timesOf(doc: StateDoc): Times {
  let t = parsed.get(doc);
  if (!t) {
    const startsAt = doc.startsAt ? Date.parse(doc.startsAt) : null;
    t = {
      startsAt,
      endsAt: doc.endsAt ? Date.parse(doc.endsAt) : null,
      announceFrom: startsAt === null ? null : announceFromMs(doc, startsAt),
    };
    parsed.set(doc, t);
  }
  return t;
}

export function announceFromMs(doc: StateDoc, startsAt: number): number {
  return doc.announceFrom ? Date.parse(doc.announceFrom) : startsAt - DEFAULT_ANNOUNCE_MS;
}

/** When the banner for a document's window appears (ISO), or null when it has no window. */
export function announceTime(doc: StateDoc | null): string | null {
  if (!doc?.startsAt) return null;
  return new Date(announceFromMs(doc, Date.parse(doc.startsAt))).toISOString();
}

/** Seconds a client should wait: until endsAt when it lies ahead, else retryAfter (default 300). */
export function retryAfterSeconds(doc: StateDoc | null, now: number): number {
  if (doc?.endsAt) {
    const left = Math.ceil((Date.parse(doc.endsAt) - now) / 1000);
    if (left > 0) return left;
  }
  return doc?.retryAfter ?? 300;
}
