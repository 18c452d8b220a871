// The request decision: a pure function of plain facts, the site's policy and
// the time. Every behaviour of the gate is specified (and tested) here.
import { ipMatches } from "./ip";
import { pathMatches } from "./path";
import type { Policy } from "./policy";
import { phaseAt } from "./window";

export interface RequestFacts {
  method: string;
  /** The raw URL pathname, as the origin would receive it. */
  path: string;
  /** From CF-Connecting-IP only; null when absent. */
  ip: string | null;
  /** A valid bypass cookie was presented (only checked when the site is not off). */
  bypass: boolean;
}

export type PassReason = "off" | "scheduled" | "ended" | "allow-path" | "allow-ip" | "bypass" | "read";

export type Decision =
  | { action: "pass"; reason: PassReason; announce: boolean }
  | { action: "maintenance" }
  | { action: "refuse-write" };

/** Methods that cannot change anything; everything else, unknown methods included, is a write. */
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function decide(facts: RequestFacts, policy: Policy, now: number): Decision {
  const phase = phaseAt(policy.doc, now);
  switch (phase.kind) {
    case "off":
      return { action: "pass", reason: "off", announce: false };
    case "pending":
      return { action: "pass", reason: "scheduled", announce: false };
    case "announced":
      return { action: "pass", reason: "scheduled", announce: true };
    case "ended":
      return { action: "pass", reason: "ended", announce: false };
  }
  // Bypass first: the gate decides a second time, cheaply, once a cookie checks out.
  if (facts.bypass) return { action: "pass", reason: "bypass", announce: false };
  if (pathMatches(facts.path, policy.pathPatterns)) return { action: "pass", reason: "allow-path", announce: false };
  if (facts.ip !== null && ipMatches(facts.ip, policy.ipRules)) {
    return { action: "pass", reason: "allow-ip", announce: false };
  }
  if (phase.mode === "read-only") {
    if (READ_METHODS.has(facts.method.toUpperCase())) return { action: "pass", reason: "read", announce: true };
    return { action: "refuse-write" };
  }
  return { action: "maintenance" };
}
