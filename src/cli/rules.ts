// `pitstop rule add|list|remove`: maintenance for a feature (paths, methods)
// or for some users (user keys, a percentage), without touching the rest of
// the site. See docs/cli.md and README.md ("Rules").
import type { Rule, RuleBody } from "../shared/api";
import { visibleEverywhere, connect, type Scoped } from "./commands";
import { EXIT, UsageError } from "./errors";
import { printer } from "./format";
import { messageLabel, parseMessageFlags } from "./message";

export interface RuleFlags extends Scoped {
  path?: string[];
  method?: string[];
  user?: string[];
  percent?: string;
  readOnly?: boolean;
  /** --message as given: once, or once per language (src/cli/message.ts). */
  message?: string[];
  banner?: boolean;
  json?: boolean;
}

/** The rule as the flags describe it (the worker checks the details and names what is wrong). */
export function ruleBody(id: string, opts: RuleFlags): RuleBody {
  let percent: number | undefined;
  if (opts.percent !== undefined) {
    percent = Number(opts.percent);
    if (!/^\d+(\.\d+)?$/.test(opts.percent) || percent > 100) throw new UsageError(`--percent must be a number from 0 to 100 (got "${opts.percent}")`);
  }
  return {
    id,
    paths: opts.path ?? [],
    methods: opts.method ?? [],
    users: opts.user ?? [],
    percent: percent ?? null,
    mode: opts.readOnly ? "read-only" : "maintenance",
    message: parseMessageFlags(opts.message) ?? null,
    banner: Boolean(opts.banner),
    scope: opts.scope,
  };
}

export async function ruleAdd(id: string, opts: RuleFlags): Promise<number> {
  const p = printer();
  const client = connect(opts, p);
  const r = await client.putRule(ruleBody(id, opts));
  const rule = r.state?.rules.find((x) => x.id === id);
  p.success(`Rule ${id} is in force for ${r.scope}.`);
  if (rule) p.details(ruleRows(rule));
  p.line(`  ${visibleEverywhere(r)}. Remove it with: pitstop rule remove ${id}${opts.scope ? ` --scope ${opts.scope === "*" ? "'*'" : opts.scope}` : ""}`);
  return EXIT.ok;
}

/** Users in and out of a rule; its last user leaving removes a per-user rule. */
export async function ruleUsers(id: string, opts: Scoped & { add?: string[]; remove?: string[] }): Promise<number> {
  const p = printer();
  if (!opts.add?.length && !opts.remove?.length) throw new UsageError("say who: --add KEY or --remove KEY (repeatable)");
  const client = connect(opts, p);
  const r = await client.ruleUsers(id, { add: opts.add, remove: opts.remove, scope: opts.scope });
  const rule = r.state?.rules.find((x) => x.id === id);
  p.success(rule ? `Rule ${id} is now for ${who(rule)} on ${r.scope}.` : `Rule ${id} had no users left and is removed for ${r.scope}.`);
  p.line(`  ${visibleEverywhere(r)}.`);
  return EXIT.ok;
}

export async function ruleRemove(id: string, opts: Scoped): Promise<number> {
  const p = printer();
  const client = connect(opts, p);
  const r = await client.removeRule(id, opts.scope);
  p.success(`Rule ${id} removed for ${r.scope}.`);
  p.line(`  ${visibleEverywhere(r)}.`);
  return EXIT.ok;
}

export async function ruleList(opts: Scoped & { json?: boolean }): Promise<number> {
  const p = printer();
  const client = connect(opts, p);
  const s = await client.status(opts.scope);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(s.rules, null, 2)}\n`);
    return EXIT.ok;
  }
  if (s.rules.length === 0) {
    p.line(`No rules for ${s.site}.`);
    return EXIT.ok;
  }
  p.line(`Rules for ${s.site}, first match wins (its own, then those of "*"):`);
  for (const rule of s.rules) {
    p.line(`  ${rule.id}`);
    p.details(ruleRows(rule).map(([k, v]) => [`  ${k}`, v]));
  }
  return EXIT.ok;
}

export function who(rule: Pick<Rule, "users" | "percent">): string {
  const parts = [rule.users.length ? `${rule.users.length} user${rule.users.length === 1 ? "" : "s"}` : "", rule.percent !== null ? `${rule.percent}% of identified users` : ""].filter(Boolean);
  return parts.length ? parts.join(" and ") : "everyone";
}

function ruleRows(rule: Rule): Array<[string, string | null]> {
  return [
    ["Mode", rule.mode],
    ["Paths", rule.paths.length ? rule.paths.join(" ") : "every path"],
    ["Methods", rule.methods.length ? rule.methods.join(" ") : "every method"],
    ["For", who(rule)],
    ["Message", messageLabel(rule.message) ?? "(default page text)"],
    ["Banner", rule.banner ? "its message shows on the pages that still work" : null],
  ];
}
