// `pitstop guard --rule ID`: maintenance for a feature or for one user at a
// time, around a command.
//
//   guard --rule ID [--path P ...] -- CMD     the rule in force (as given, or as
//       it stands), wait until every location serves it, run CMD, and remove
//       the rule only if CMD succeeded.
//   guard --rule ID --each FILE -- CMD {}     for each user key in FILE: put that
//       user into the rule, wait until every location serves it, run CMD with
//       {} replaced by the key, take the user out. Stop at the first failure,
//       leaving that user in maintenance, with the command's exit code.
//
// Ctrl-C reaches the running command (it shares the terminal). If the command
// still succeeds, that user is taken out and guard stops there; if not, that
// user stays in maintenance. Either way guard names the user, and the users
// not run.
import { constants as osConstants } from "node:os";
import type { ChangeResult, RuleBody } from "../shared/api";
import { findExecutable, runChild, SignalState } from "./child";
import type { AdminClient } from "./client";
import { CliError, EXIT, UsageError } from "./errors";
import { shellQuote, type Printer } from "./format";
import { commandFor, readItems } from "./items";
import { ruleBody, who, type RuleFlags } from "./rules";
import { formatDuration, formatElapsed } from "./time";
import { waitEverywhere } from "./visibility";

export interface GuardRuleOptions {
  rule: string;
  /** Flags describing the rule (paths, methods, message...); none: use the rule as it stands. */
  flags: RuleFlags;
  /** A file of user keys, one per line ("-" for stdin). */
  each?: string;
  waitMs: number | false;
  command: string[];
}

export async function guardRule(client: AdminClient, opts: GuardRuleOptions, p: Printer): Promise<number> {
  const users = opts.each === undefined ? null : readItems(opts.each);
  if (users && users.length === 0) throw new UsageError(`no user keys in ${opts.each === "-" ? "stdin" : opts.each} (one per line; blank lines and # comments are skipped)`);
  findExecutable(opts.command[0]!);

  const signals = new SignalState();
  signals.install(p);
  try {
    if (users) return await perUser(client, opts, users, signals, p);
    // The rule as described, or as it already stands.
    const described = describesRule(opts.flags) ? ruleBody(opts.rule, opts.flags) : null;
    const existing = described ? null : ((await client.status(opts.flags.scope)).rules.find((r) => r.id === opts.rule) ?? null);
    const rule = described ?? (existing ? { ...existing, scope: opts.flags.scope } : null);
    if (!rule) throw new UsageError(`there is no rule ${opts.rule}: describe it (--path, --method, --message ...) or add it first with pitstop rule add`);
    return await feature(client, opts, rule, signals, p);
  } finally {
    signals.uninstall();
  }
}

/** Whole-feature: the rule in force around one command. */
async function feature(client: AdminClient, opts: GuardRuleOptions, rule: RuleBody, signals: SignalState, p: Printer): Promise<number> {
  p.step(`Putting rule ${rule.id} in force (${who({ users: rule.users ?? [], percent: rule.percent ?? null })}, ${(rule.paths ?? []).join(" ") || "every path"})…`);
  const put = await client.putRule(rule);
  await waitFor(put, opts, rule.scope ?? put.scope, signals, p);
  if (signals.received) return interrupted(signals.received, `Rule ${rule.id} is left in force; the command was not run.`, p);
  const outcome = await run(opts.command, signals, p);
  if (!outcome.ok) {
    p.error(outcome.detail, [`Rule ${rule.id} is left in force for ${put.scope}.`, `When it is safe, remove it with: pitstop rule remove ${rule.id}`]);
    return outcome.code;
  }
  await client.removeRule(rule.id, rule.scope);
  p.success(`Rule ${rule.id} removed for ${put.scope}.`);
  return signals.received ? 128 + (osConstants.signals[signals.received] ?? 2) : EXIT.ok;
}

/**
 * Per-user: each user in the rule in turn. Users go in and out with
 * POST /rules/{id}/users, applied by the worker to the rule as it stands, so
 * two guards (or an admin) working on the same rule never undo each other.
 */
async function perUser(client: AdminClient, opts: GuardRuleOptions, users: string[], signals: SignalState, p: Printer): Promise<number> {
  const started = Date.now();
  const id = opts.rule;
  const scope = opts.flags.scope;
  const { id: _id, users: _users, scope: _scope, ...create } = ruleBody(id, opts.flags);
  const tracker = new Progress(users.length, p);
  for (const [i, user] of users.entries()) {
    const rest = users.slice(i + 1);
    const notRun = rest.length ? ` ${rest.length} user(s) not run: ${rest.slice(0, 5).join(", ")}${rest.length > 5 ? ", …" : ""}` : "";
    tracker.start(i, user, started);
    let put: ChangeResult;
    try {
      put = await client.ruleUsers(id, { add: [user], create, scope });
      await waitFor(put, opts, scope ?? put.scope, signals, p);
    } catch (err) {
      if (err instanceof CliError) throw new CliError(err.message, err.exitCode, [...err.hints, `User ${i + 1} of ${users.length} (${user}) may be in rule ${id}; the command was not run.${notRun}`]);
      throw err;
    }
    if (signals.received) {
      return interrupted(signals.received, `User ${user} is left in rule ${id} (the command was not run).${notRun}`, p);
    }
    const outcome = await run(commandFor(opts.command, user), signals, p);
    if (!outcome.ok) {
      p.error(outcome.detail, [
        `User ${i + 1} of ${users.length} (${user}) is left in maintenance (rule ${id}).${notRun}`,
        `When it is safe, take them out with: pitstop rule users ${id} --remove ${shellQuote([user])}${scope ? ` --scope ${shellQuote([scope])}` : ""}`,
      ]);
      return outcome.code;
    }
    await client.ruleUsers(id, { remove: [user], scope });
    tracker.done(i, user);
    if (signals.received) {
      return interrupted(signals.received, `Stopped after ${user}, which finished and was taken out.${notRun}`, p);
    }
  }
  p.success(`All ${users.length} users done in ${formatElapsed(Date.now() - started)}.`);
  return EXIT.ok;
}

function describesRule(f: RuleFlags): boolean {
  return Boolean(f.path?.length || f.method?.length || f.user?.length || f.percent !== undefined || f.readOnly || f.message !== undefined || f.banner);
}

async function waitFor(put: ChangeResult, opts: GuardRuleOptions, scope: string, signals: SignalState, p: Printer): Promise<void> {
  if (opts.waitMs === false) return;
  try {
    await waitEverywhere(put.visibleBy, Date.now() + opts.waitMs, scope, signals.abort.signal, p);
  } catch (err) {
    if (!signals.received) throw err;
  }
}

type RunOutcome = { ok: true } | { ok: false; code: number; detail: string };

async function run(argv: string[], signals: SignalState, p: Printer): Promise<RunOutcome> {
  const shown = shellQuote(argv);
  p.step(`Running ${shown}`);
  const started = Date.now();
  const exit = await runChild(argv, signals);
  const took = formatElapsed(Date.now() - started);
  if (exit.error) return { ok: false, code: 127, detail: `${shown} could not be started (${exit.error.message}).` };
  if (exit.signal) return { ok: false, code: 128 + (osConstants.signals[exit.signal] ?? 0), detail: `${shown} was killed by ${exit.signal} after ${took}.` };
  if (exit.code !== 0) return { ok: false, code: exit.code ?? 1, detail: `${shown} exited with code ${exit.code} after ${took}.` };
  p.success(`${shown} succeeded in ${took}.`);
  return { ok: true };
}

function interrupted(signal: NodeJS.Signals, detail: string, p: Printer): number {
  p.error(`interrupted by ${signal}.`, [detail]);
  return 128 + (osConstants.signals[signal] ?? 2);
}

/**
 * "User 2 of 3: bob (elapsed 12 s, about 6 s left)". On a terminal the line
 * is a heading per user; piped, the same plain lines, so logs stay readable.
 */
class Progress {
  private readonly durations: number[] = [];
  private startedAt = 0;

  constructor(
    private readonly total: number,
    private readonly p: Printer,
  ) {}

  start(i: number, user: string, runStarted: number): void {
    this.startedAt = Date.now();
    const elapsed = formatElapsed(this.startedAt - runStarted);
    const avg = this.durations.length ? this.durations.reduce((a, b) => a + b, 0) / this.durations.length : null;
    const left = avg === null ? "" : `, about ${formatDuration(((this.total - i) * avg) / 1000)} left`;
    this.p.step(`User ${i + 1} of ${this.total}: ${user} (elapsed ${elapsed}${left})`);
  }

  done(i: number, user: string): void {
    this.durations.push(Date.now() - this.startedAt);
    this.p.success(`User ${i + 1} of ${this.total} (${user}) done and taken out.`);
  }
}
