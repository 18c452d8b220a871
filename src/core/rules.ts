// Rules: maintenance for a feature (paths, methods) or for some users (user
// keys, a percentage), stored in a site's document. The first rule that
// matches a request decides it; when none matches, the site's own mode does.
import * as v from "valibot";
import { inPercent } from "./bucket";
import { StoredMessageSchema } from "./message";
import { looseCanonical, parsePathPattern } from "./path";

export const MAX_RULES = 50;
export const MAX_RULE_USERS = 1000;
export const RULE_ID = /^[a-z0-9_-]{1,63}$/;

/** A rule as stored (checked in full when written: core/input.ts). */
export const StoredRuleSchema = v.object({
  id: v.string(),
  /** Path patterns as in ALLOW_PATHS, stored canonical (lower case); empty: every path. */
  paths: v.array(v.string()),
  /** Upper case; empty: every method. */
  methods: v.array(v.string()),
  /** User keys; with `percent`, who the rule is for. Neither: everyone on its paths and methods. */
  users: v.array(v.string()),
  percent: v.nullable(v.number()),
  mode: v.picklist(["maintenance", "read-only"]),
  /** As a site's message: a text, or a text per language. */
  message: StoredMessageSchema,
  /** Show the message as a banner on the pages that still work. */
  banner: v.boolean(),
});
export type Rule = v.InferOutput<typeof StoredRuleSchema>;

/** A rule ready for requests: sets and parsed patterns, built once per policy. */
export interface CompiledRule {
  rule: Rule;
  /** Canonical lower-case paths: "/search" for "/search/*" (prefix), or exact. */
  patterns: Array<{ path: string; prefix: boolean }>;
  methods: Set<string> | null;
  users: Set<string>;
  /** The rule is for some users only: an anonymous visitor never matches it. */
  forUsers: boolean;
}

export function compileRule(rule: Rule): CompiledRule {
  return {
    rule,
    patterns: rule.paths.map((entry) => {
      if (!entry.endsWith("/*")) return { path: looseCanonical(entry), prefix: false };
      const base = looseCanonical(entry.slice(0, -2));
      return { path: base === "/" ? "" : base, prefix: true };
    }),
    methods: rule.methods.length ? new Set(rule.methods.map((m) => m.toUpperCase())) : null,
    users: new Set(rule.users),
    forUsers: rule.users.length > 0 || rule.percent !== null,
  };
}

export interface RuleFacts {
  method: string;
  /** Methods named by override headers or `_method` (upper case): a rule on a method matches them too. */
  methodOverrides: string[];
  /** The raw pathname; it is read as leniently as any origin might read it. */
  path: string;
  /** The verified user key, or null for an anonymous visitor. */
  user: string | null;
}

/** The first rule that matches, or null. */
export function matchRule(facts: RuleFacts, rules: CompiledRule[]): CompiledRule | null {
  let paths: string[] | undefined;
  for (const rule of rules) {
    if (rule.methods && !methodMatches(rule.methods, facts)) continue;
    if (rule.patterns.length) {
      paths ??= spellings(facts.path);
      if (!rule.patterns.some((p) => paths!.some((path) => path === p.path || (p.prefix && (p.path === "" || path.startsWith(`${p.path}/`)))))) continue;
    }
    if (rule.forUsers) {
      if (facts.user === null) continue;
      if (!rule.users.has(facts.user) && !(rule.rule.percent !== null && inPercent(rule.rule.id, facts.user, rule.rule.percent))) continue;
    }
    return rule;
  }
  return null;
}

/** A method rule covers the method, any override naming it, and HEAD under GET (frameworks route HEAD to GET). */
function methodMatches(methods: Set<string>, facts: RuleFacts): boolean {
  const method = facts.method.toUpperCase();
  if (methods.has(method) || (method === "HEAD" && methods.has("GET"))) return true;
  return facts.methodOverrides.some((m) => methods.has(m));
}

/**
 * What an origin might route the path to: its loose canonical form, and the
 * same without the last segment's extension (Rails' "(.:format)" serves
 * /search.json from the /search action, older Spring did the like).
 */
function spellings(raw: string): string[] {
  const path = looseCanonical(raw);
  const bare = path.replace(/\.[^/.]*$/, "");
  return bare !== path && bare !== "" && !bare.endsWith("/") ? [path, bare] : [path];
}

/**
 * A path pattern as a rule stores it: valid as in ALLOW_PATHS, then canonical
 * and lower case, so "/Search//*" and "/search/*" are the same rule.
 */
export function normaliseRulePath(entry: string): string {
  const pattern = parsePathPattern(entry); // throws, naming the entry
  if (pattern.kind === "exact") return looseCanonical(pattern.path);
  const base = looseCanonical(pattern.path || "/");
  return base === "/" ? "/*" : `${base}/*`;
}
