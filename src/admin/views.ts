// What the API shows of a state: the public view (status.json, for pages and
// monitors; nothing secret) and the admin view.
import type { Policy } from "../gate/policy";
import { announceFromMs, phaseAt, retryAfterSeconds } from "../gate/window";
import type { StateDoc } from "../state/schema";

export interface PublicStatus {
  /** The mode in force right now: "off" while a window is only scheduled. */
  mode: "off" | "maintenance" | "read-only";
  /** "scheduled" when a window lies ahead (the banner shows from announceFrom). */
  phase: "off" | "scheduled" | "active";
  message: string | null;
  startsAt: string | null;
  endsAt: string | null;
  announceFrom: string | null;
  retryAfter: number | null;
  updatedAt: string | null;
}

export function publicStatus(doc: StateDoc | null, now: number): PublicStatus {
  const phase = phaseAt(doc, now);
  const active = phase.kind === "active";
  const scheduled = phase.kind === "pending" || phase.kind === "announced";
  return {
    mode: active ? phase.mode : "off",
    phase: active ? "active" : scheduled ? "scheduled" : "off",
    message: active || scheduled ? (doc?.message ?? null) : null,
    startsAt: active || scheduled ? (doc?.startsAt ?? null) : null,
    endsAt: active || scheduled ? (doc?.endsAt ?? null) : null,
    announceFrom: scheduled && doc?.startsAt ? new Date(announceFromMs(doc, Date.parse(doc.startsAt))).toISOString() : null,
    retryAfter: active ? retryAfterSeconds(doc, now) : null,
    updatedAt: doc?.updatedAt ?? null,
  };
}

export function effectiveView(policy: Policy, now: number) {
  return { ...publicStatus(policy.doc, now), source: policy.source, updatedBy: policy.doc?.updatedBy ?? null };
}
