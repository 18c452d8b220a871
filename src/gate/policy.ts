// A site's effective state, compiled once per cache refresh (not per request):
// the winning document plus parsed allowlists from config and state.
import { parseIpRule, type IpRule } from "../allow/ip";
import { parsePathPattern, type PathPattern } from "../allow/path";
import type { Config } from "../config";
import { emptyDoc, type StateDoc } from "../state/schema";

export type PolicySource = "site" | "*" | "default" | "fail-closed";

export interface Policy {
  /** The document in force; null means "off, nothing stored". */
  doc: StateDoc | null;
  source: PolicySource;
  ipRules: IpRule[];
  pathPatterns: PathPattern[];
  /**
   * Bypass links and cookies issued before this time (ms) are refused: the
   * later of the site's and the "*" document's revocations, whichever governs.
   */
  revokedBefore: number;
}

/**
 * A site's own document wins over the `*` document, unless it says "inherit":
 * then `*` decides the mode and window, and the site adds its allowlists.
 * Revocations always add up: the later of the two applies.
 */
export function compilePolicy(own: StateDoc | null, star: StateDoc | null, config: Config): Policy {
  const revokedBefore = Math.max(own?.bypassEpoch ?? 0, star?.bypassEpoch ?? 0);
  if (own && own.mode !== "inherit") return build(own, "site", config, revokedBefore);
  const extra = own ? [own.allow] : [];
  return build(star, star ? "*" : "default", config, revokedBefore, extra);
}

/** The document that decides a site's mode and window (see compilePolicy). */
export function governingDoc(own: StateDoc | null, star: StateDoc | null): StateDoc | null {
  return own && own.mode !== "inherit" ? own : star;
}

/** The policy used when no good state was ever read and FAIL_MODE is "closed". */
export function failClosedPolicy(config: Config, now: number): Policy {
  const doc: StateDoc = { ...emptyDoc(new Date(now), "pitstop (fail closed)"), mode: "maintenance", retryAfter: 60 };
  // No good state: nobody's bypass can be checked against revocations.
  return build(doc, "fail-closed", config, Number.MAX_SAFE_INTEGER);
}

function build(
  doc: StateDoc | null,
  source: PolicySource,
  config: Config,
  revokedBefore: number,
  extra: StateDoc["allow"][] = [],
): Policy {
  const lists = [...(doc ? [doc.allow] : []), ...extra];
  return {
    doc,
    source,
    revokedBefore,
    ipRules: parseLenient([...config.allowIps, ...lists.flatMap((l) => l.ips)], parseIpRule),
    pathPatterns: parseLenient([...config.allowPaths, ...lists.flatMap((l) => l.paths)], parsePathPattern),
  };
}

// Entries are validated when written; one that slipped into KV by hand must
// not take the gate down, so it is skipped here rather than thrown.
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
