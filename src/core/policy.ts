// A site's effective state: which document governs it, and what that means
// once compiled (parsed allowlists, revocation time). Compiled once per cache
// refresh, never per request.
import { emptyDoc, type StateDoc } from "./doc";
import { parseIpRule, type IpRule } from "./ip";
import { parsePathPattern, type PathPattern } from "./path";

export type PolicySource = "site" | "*" | "default" | "fail-closed";

/** The allowlists that apply to every site (ALLOW_IPS, ALLOW_PATHS). */
export interface GlobalAllow {
  allowIps: string[];
  allowPaths: string[];
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
}

/**
 * A site's own document wins over the `*` document, unless it says "inherit":
 * then `*` decides the mode and window, and the site adds its allowlists.
 * Revocations always add up: the later of the two applies.
 */
export function resolveSite(own: StateDoc | null, star: StateDoc | null): SiteView {
  const revokedBefore = Math.max(own?.bypassEpoch ?? 0, star?.bypassEpoch ?? 0);
  if (own && own.mode !== "inherit") return { governing: own, source: "site", allow: own.allow, revokedBefore };
  const lists = [star?.allow, own?.allow].filter((l) => l !== undefined);
  return {
    governing: star,
    source: star ? "*" : "default",
    allow: { ips: lists.flatMap((l) => l.ips), paths: lists.flatMap((l) => l.paths) },
    revokedBefore,
  };
}

export interface Policy {
  /** The document in force; null means "off, nothing stored". */
  doc: StateDoc | null;
  source: PolicySource;
  ipRules: IpRule[];
  pathPatterns: PathPattern[];
  revokedBefore: number;
}

export function compilePolicy(own: StateDoc | null, star: StateDoc | null, global: GlobalAllow): Policy {
  return build(resolveSite(own, star), global);
}

/** The policy used when no good state was ever read and FAIL_MODE is "closed". */
export function failClosedPolicy(global: GlobalAllow, now: number): Policy {
  const doc: StateDoc = { ...emptyDoc(new Date(now), "pitstop (fail closed)"), mode: "maintenance", retryAfter: 60 };
  // No good state: nobody's bypass can be checked against revocations.
  const view: SiteView = { governing: doc, source: "site", allow: doc.allow, revokedBefore: Number.MAX_SAFE_INTEGER };
  return { ...build(view, global), source: "fail-closed" };
}

function build(view: SiteView, global: GlobalAllow): Policy {
  return {
    doc: view.governing,
    source: view.source,
    revokedBefore: view.revokedBefore,
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
