// A site's effective state: which document governs it, and what that means
// once compiled (parsed allowlists, revocation time). Compiled once per cache
// refresh, never per request.
import { emptyDoc, type StateDoc } from "./doc";
import { parseIpRule, type IpRule } from "./ip";
import { parsePathPattern, type PathPattern } from "./path";
import { compileRule, type CompiledRule, type Rule } from "./rules";

export type PolicySource = "site" | "*" | "default" | "fail-closed";

/** What the configuration adds to every site's policy. */
export interface GlobalAllow {
  /** ALLOW_IPS and ALLOW_PATHS. */
  allowIps: string[];
  allowPaths: string[];
  /** READ_ONLY_UPGRADES=pass: WebSocket and other upgrades pass in read-only mode. */
  readOnlyUpgrades: boolean;
}

/** "The site's document, `*`, and which one governs", worked out in one place. */
export interface SiteView {
  /** The document that decides the mode, window and message; null: nothing stored. */
  governing: StateDoc | null;
  source: Exclude<PolicySource, "fail-closed">;
  /** Allowlist entries from the stored documents (the config's lists come on top). */
  allow: { ips: string[]; paths: string[] };
  /**
   * Bypass links and cookies issued before this time (ms) are refused: the
   * later of the site's and the "*" document's revocations.
   */
  revokedBefore: number;
  /** The site's own rules first, then those of "*": first match wins. */
  rules: Rule[];
}

/**
 * A site's own document wins over the `*` document, unless it says "inherit":
 * then `*` decides the mode and window, and the site adds its allowlists.
 * Revocations always add up: the later of the two applies.
 */
export function resolveSite(own: StateDoc | null, star: StateDoc | null): SiteView {
  const revokedBefore = Math.max(own?.bypassEpoch ?? 0, star?.bypassEpoch ?? 0);
  // Rules are not a mode: a site with a setting of its own still gets the rules of "*".
  const rules = [...(own?.rules ?? []), ...(star?.rules ?? [])];
  if (own && own.mode !== "inherit") return { governing: own, source: "site", allow: own.allow, revokedBefore, rules };
  const lists = [star?.allow, own?.allow].filter((l) => l !== undefined);
  return {
    governing: star,
    source: star ? "*" : "default",
    allow: { ips: lists.flatMap((l) => l.ips), paths: lists.flatMap((l) => l.paths) },
    revokedBefore,
    rules,
  };
}

export interface Policy {
  /** The document in force; null means "off, nothing stored". */
  doc: StateDoc | null;
  source: PolicySource;
  /**
   * Nothing to decide: no mode, no window, no rule. The gate's hot path is
   * this one test, then the origin.
   */
  passAll: boolean;
  ipRules: IpRule[];
  pathPatterns: PathPattern[];
  revokedBefore: number;
  readOnlyUpgrades: boolean;
  rules: CompiledRule[];
  /** Some rule is for some users only: the visitor's user key is needed. */
  needsUser: boolean;
  /** Rules whose message shows as a banner on the pages that still work. */
  bannerRules: Rule[];
}

export function compilePolicy(own: StateDoc | null, star: StateDoc | null, global: GlobalAllow): Policy {
  return build(resolveSite(own, star), global);
}

/** The policy used when no good state was ever read and FAIL_MODE is "closed". */
export function failClosedPolicy(global: GlobalAllow, now: number): Policy {
  const doc: StateDoc = { ...emptyDoc(new Date(now), "pitstop (fail closed)"), mode: "maintenance", retryAfter: 60 };
  // No good state: nobody's bypass can be checked against revocations.
  const view: SiteView = { governing: doc, source: "site", allow: doc.allow, revokedBefore: Number.MAX_SAFE_INTEGER, rules: [] };
  return { ...build(view, global), source: "fail-closed" };
}

function build(view: SiteView, global: GlobalAllow): Policy {
  const doc = view.governing;
  const rules = view.rules.map(compileRule);
  return {
    doc,
    source: view.source,
    passAll: rules.length === 0 && (doc === null || ((doc.mode === "off" || doc.mode === "inherit") && doc.startsAt === null)),
    rules,
    needsUser: rules.some((r) => r.forUsers),
    bannerRules: view.rules.filter((r) => r.banner && r.message),
    revokedBefore: view.revokedBefore,
    readOnlyUpgrades: global.readOnlyUpgrades,
    ipRules: parseLenient([...global.allowIps, ...view.allow.ips], parseIpRule),
    pathPatterns: parseLenient([...global.allowPaths, ...view.allow.paths], parsePathPattern),
  };
}

// Entries are validated when written; one that slipped into storage by hand
// must not take the gate down, so it is skipped here rather than thrown.
function parseLenient<T>(entries: string[], parse: (entry: string) => T): T[] {
  const out: T[] = [];
  for (const entry of entries) {
    try {
      out.push(parse(entry));
    } catch {
      // skipped; GET /status shows the raw lists
    }
  }
  return out;
}
