// The request decision: a pure function of plain facts, the site's policy and
// the time. Every behaviour of the gate is specified (and tested) here.
//
// In order: a site with nothing in force passes. Otherwise a bypass cookie,
// an allowlisted path or an allowlisted IP passes; then the first rule that
// matches decides; then the site's own mode (when a window is active); else
// the request passes.
import { ipMatches } from "./ip";
import { pathMatches } from "./path";
import type { Policy } from "./policy";
import { matchRule, type Rule } from "./rules";
import { phaseAt, type Phase } from "./window";

export interface RequestFacts {
  method: string;
  /** The raw URL pathname, as the origin would receive it. */
  path: string;
  /** From CF-Connecting-IP only; null when absent. */
  ip: string | null;
  /** A valid bypass cookie was presented (only checked when the request would be refused). */
  bypass: boolean;
  /** The request asks to switch protocols (Upgrade: websocket, h2c, ...). */
  upgrade: boolean;
  /**
   * Methods named by X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override
   * (every value of each) or a `_method` query parameter, upper case: frameworks
   * honour them, so they count as much as the method (see methodOverrides()).
   */
  methodOverrides: string[];
  /** The visitor's verified user key; null when anonymous (or when no rule needs it). */
  user: string | null;
}

export type PassReason = "off" | "scheduled" | "ended" | "allow-path" | "allow-ip" | "bypass" | "read" | "no-rule";

export type Decision =
  | { action: "pass"; reason: PassReason; announce: boolean }
  | { action: "maintenance"; rule: Rule | null }
  | { action: "refuse-write"; rule: Rule | null };

/** Methods that cannot change anything; everything else, unknown methods included, is a write. */
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function decide(facts: RequestFacts, policy: Policy, now: number): Decision {
  const phase = phaseAt(policy.doc, now);
  const active = phase.kind === "active";
  if (!active && policy.rules.length === 0) return { action: "pass", reason: passReason(phase), announce: phase.kind === "announced" };

  // Bypass first: the gate decides a second time, cheaply, once a cookie checks out.
  if (facts.bypass) return { action: "pass", reason: "bypass", announce: false };
  if (pathMatches(facts.path, policy.pathPatterns)) return { action: "pass", reason: "allow-path", announce: false };
  if (facts.ip !== null && ipMatches(facts.ip, policy.ipRules)) return { action: "pass", reason: "allow-ip", announce: false };

  const hit = matchRule(facts, policy.rules);
  // A read-only rule never loosens a site in full maintenance: the stricter applies.
  if (hit && !(hit.rule.mode === "read-only" && active && phase.mode === "maintenance")) {
    const rule = hit.rule;
    if (rule.mode === "maintenance") return { action: "maintenance", rule };
    if (!isRead(facts, policy)) return { action: "refuse-write", rule };
    return { action: "pass", reason: "read", announce: rule.banner || (active && phase.mode === "read-only") || phase.kind === "announced" };
  }
  if (!active) return { action: "pass", reason: "no-rule", announce: phase.kind === "announced" || policy.bannerRules.length > 0 };
  if (phase.mode === "read-only") return isRead(facts, policy) ? { action: "pass", reason: "read", announce: true } : { action: "refuse-write", rule: null };
  return { action: "maintenance", rule: null };
}

function passReason(phase: Phase): PassReason {
  return phase.kind === "pending" || phase.kind === "announced" ? "scheduled" : phase.kind === "ended" ? "ended" : "off";
}

/**
 * A read, as far as a proxy can tell: a read method, no override naming a
 * write (frameworks honour X-HTTP-Method-Override and friends), and no
 * protocol upgrade (a WebSocket or h2c stream can carry writes) unless
 * READ_ONLY_UPGRADES lets upgrades through. An app that writes on GET is
 * beyond any proxy.
 */
function isRead(facts: RequestFacts, policy: Policy): boolean {
  if (!READ_METHODS.has(facts.method.toUpperCase())) return false;
  if (facts.methodOverrides.some((m) => !READ_METHODS.has(m))) return false;
  return !facts.upgrade || policy.readOnlyUpgrades;
}

const OVERRIDE_HEADERS = ["x-http-method-override", "x-http-method", "x-method-override"];

/**
 * Every method a request names besides its own: each value of the override
 * headers (comma lists split) and a `_method` query parameter (Laravel,
 * Symfony, Express's method-override). A `_method` form field in a POST body
 * cannot be seen without reading the body; a POST is a write already.
 */
export function methodOverrides(header: (name: string) => string | null, search: string): string[] {
  const out: string[] = [];
  for (const name of OVERRIDE_HEADERS) {
    const value = header(name);
    if (value) for (const m of value.split(",")) if (m.trim()) out.push(m.trim().toUpperCase());
  }
  if (search.includes("_method=")) {
    for (const m of new URLSearchParams(search).getAll("_method")) if (m.trim()) out.push(m.trim().toUpperCase());
  }
  return out;
}
