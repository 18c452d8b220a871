// `pitstop guard -- COMMAND`: maintenance on, wait until it is visible, run
// the command, and off again only if it succeeded. Anything else (a failure,
// Ctrl-C, a lost connection) leaves maintenance on and says so: a half-done
// migration behind an open site is the outcome this exists to prevent.
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants as fsConstants, readFileSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { AdminClient, ActiveMode, Message } from "./client";
import { CliError, EXIT, UsageError } from "./errors";
import { warnIfShadowed } from "./commands";
import { shellQuote, type Printer } from "./format";
import { mapMessage } from "./message";
import { progress } from "./progress";
import { formatClock, formatElapsed } from "./time";

export interface GuardOptions {
  readOnly: boolean;
  /** One text, or one per language (--message fr="..."). */
  message?: Message;
  scope?: string;
  /** Shown to visitors as the expected end (endsAt); guard still switches off itself. */
  until?: Date;
  /** A file of items, one per line ("-" for stdin): one guarded run per item. */
  each?: string;
  /** How long to wait for the change to be visible; false to not wait. */
  waitMs: number | false;
  command: string[];
}

/** The placeholder replaced by each item of --each. */
export const PLACEHOLDER = "{}";

type Outcome =
  | { kind: "ok" }
  | { kind: "failed"; code: number; scope: string; detail: string }
  | { kind: "interrupted"; signal: NodeJS.Signals; scope: string; detail: string };

interface Run {
  item: string | null;
  scope: string | undefined;
  message: Message | undefined;
  argv: string[];
}

export async function guard(client: AdminClient, opts: GuardOptions, p: Printer): Promise<number> {
  const runs = plan(opts);
  for (const run of runs) findExecutable(run.argv[0]!);

  const signals = new SignalState();
  signals.install(p);
  try {
    for (const [i, run] of runs.entries()) {
      const rest = runs.slice(i + 1).map((r) => r.item);
      const itemHints =
        run.item === null
          ? []
          : [
              `Item ${i + 1} of ${runs.length} (${run.item}) failed.` +
                (rest.length ? ` ${rest.length} item(s) not run: ${rest.slice(0, 5).join(", ")}${rest.length > 5 ? ", …" : ""}` : ""),
            ];
      if (run.item !== null) p.step(`Item ${i + 1} of ${runs.length}: ${run.item}`);

      let outcome: Outcome;
      try {
        outcome = await guardOne(client, opts, run, signals, p);
      } catch (err) {
        if (err instanceof CliError && itemHints.length) throw new CliError(err.message, err.exitCode, [...err.hints, ...itemHints]);
        throw err;
      }
      if (outcome.kind === "ok") continue;

      const offHint = `When it is safe, end it with: pitstop off${run.scope ? ` --scope ${shellQuote([run.scope])}` : ""}`;
      p.error(outcome.detail, [`Maintenance is left ON for ${outcome.scope}.`, ...itemHints, offHint]);
      return outcome.kind === "failed" ? outcome.code : 128 + (osConstants.signals[outcome.signal] ?? 2);
    }
    if (runs.length > 1) p.success(`All ${runs.length} items done.`);
    return EXIT.ok;
  } finally {
    signals.uninstall();
  }
}

async function guardOne(client: AdminClient, opts: GuardOptions, run: Run, signals: SignalState, p: Printer): Promise<Outcome> {
  const mode: ActiveMode = opts.readOnly ? "read-only" : "maintenance";
  const target = run.scope ?? new URL(client.conn.origin).hostname;

  p.step(`Switching ${mode} on for ${target}…`);
  let scope: string;
  let visibleBy: string;
  try {
    const result = await client.on(
      { message: run.message, scope: run.scope, endsAt: opts.until?.toISOString() },
      opts.readOnly,
    );
    scope = result.scope;
    visibleBy = result.visibleBy;
    p.success(`${mode === "read-only" ? "Read-only mode" : "Maintenance"} is on for ${scope} (${result.transition}).`);
    await warnIfShadowed(client, scope, p);
  } catch (err) {
    if (err instanceof CliError) throw new CliError(err.message, err.exitCode, [...err.hints, "The command was not run."]);
    throw err;
  }
  const notRun = (signal: NodeJS.Signals): Outcome => ({
    kind: "interrupted",
    signal,
    scope,
    detail: `interrupted by ${signal} before the command started; the command was not run.`,
  });
  if (signals.received) return notRun(signals.received);

  if (opts.waitMs !== false) {
    try {
      const started = Date.now();
      const { ms, where } = await waitVisible(client, run.scope, mode, opts.waitMs, signals.abort.signal);
      p.success(`Visible at ${where} after ${formatElapsed(ms)}.`);
      await waitEverywhere(visibleBy, started + opts.waitMs, scope, signals.abort.signal, p);
    } catch (err) {
      if (signals.received) return notRun(signals.received);
      throw err;
    }
  }
  if (signals.received) return notRun(signals.received);

  const shown = shellQuote(run.argv);
  p.step(`Running ${shown}`);
  const started = Date.now();
  const exit = await runChild(run.argv, signals);
  const took = formatElapsed(Date.now() - started);
  const how = exit.error
    ? `could not be started (${exit.error.message})`
    : exit.signal
      ? `was killed by ${exit.signal} after ${took}`
      : `exited with code ${exit.code} after ${took}`;
  if (signals.received) {
    return { kind: "interrupted", signal: signals.received, scope, detail: `interrupted by ${signals.received}: ${shown} ${how}.` };
  }
  if (exit.error || exit.code !== 0) {
    const code = exit.error ? 127 : exit.code ?? 128 + (osConstants.signals[exit.signal!] ?? 0);
    return { kind: "failed", code, scope, detail: `${shown} ${how}.` };
  }
  p.success(`${shown} succeeded in ${took}.`);

  try {
    const off = await client.off(run.scope);
    p.success(`Maintenance is off for ${off.scope}${off.transition === "ended" ? "" : ` (${off.transition})`}.`);
  } catch (err) {
    if (err instanceof CliError) {
      throw new CliError(err.message, err.exitCode, [
        ...err.hints,
        `The command succeeded, but switching off failed: maintenance is still ON for ${scope}.`,
        `Run: pitstop off${run.scope ? ` --scope ${shellQuote([run.scope])}` : ""}`,
      ]);
    }
    throw err;
  }
  return { kind: "ok" };
}

/** Expands --each into one run per item; without it, a single run as given. */
function plan(opts: GuardOptions): Run[] {
  if (opts.each === undefined) {
    if (opts.scope?.includes(PLACEHOLDER)) {
      throw new UsageError(`--scope contains ${PLACEHOLDER} but there is no item to put there`, [
        "Use --each FILE, or let xargs fill it in: xargs -I{} pitstop guard --scope {}.example.org -- ./job {}",
      ]);
    }
    return [{ item: null, scope: opts.scope, message: opts.message, argv: opts.command }];
  }
  const items = readItems(opts.each);
  if (items.length === 0) throw new UsageError(`no items in ${opts.each === "-" ? "stdin" : opts.each} (one per line; blank lines and # comments are skipped)`);
  const placeholderInArgs = opts.command.slice(1).some((a) => a.includes(PLACEHOLDER));
  return items.map((item) => ({
    item,
    scope: opts.scope?.replaceAll(PLACEHOLDER, item),
    message: mapMessage(opts.message, (text) => text.replaceAll(PLACEHOLDER, item)),
    argv: placeholderInArgs
      ? [opts.command[0]!, ...opts.command.slice(1).map((a) => a.replaceAll(PLACEHOLDER, item))]
      : [...opts.command, item],
  }));
}

function readItems(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read --each ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** Refuses a command that cannot run before anything is switched on. */
function findExecutable(command: string): void {
  if (process.platform === "win32") return;
  const candidates = command.includes("/") ? [command] : (process.env.PATH ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return;
    } catch {
      // try the next one
    }
  }
  throw new CliError(`command not found or not executable: ${command}`, 127, ["Nothing was switched on."]);
}

/** Polls until the admin change shows where visitors look; returns how long that took. */
async function waitVisible(
  client: AdminClient,
  scope: string | undefined,
  mode: ActiveMode,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ ms: number; where: string }> {
  // status.json answers for the host it is asked on. For another host's scope,
  // ask the admin API what the same (nearest) location sees for that host.
  const own = new URL(client.conn.origin).hostname;
  const viaPublic = scope === undefined || scope === "*" || scope === own;
  const where = viaPublic ? `${client.base}/status.json` : `${client.base}/status?scope=${scope}`;
  const started = Date.now();
  const bar = progress(process.stderr, `Waiting until ${viaPublic ? "status.json" : "the worker"} shows ${mode}…`);
  let last = "no answer yet";
  try {
    for (;;) {
      try {
        const seen = viaPublic ? await client.publicStatus(signal) : (await client.status(scope)).effective;
        if (seen.phase === "active" && seen.mode === mode) return { ms: Date.now() - started, where };
        last = `it says ${seen.phase === "active" ? seen.mode : seen.phase}`;
      } catch (err) {
        if (signal.aborted) throw err;
        last = err instanceof Error ? err.message : String(err);
      }
      bar.update(last);
      if (Date.now() - started >= timeoutMs) {
        throw new CliError(
          `maintenance was switched on, but ${where} does not show it after ${formatElapsed(Date.now() - started)} (${last})`,
          EXIT.notVisible,
          [
            "The command was not run. Maintenance is left ON, since it may show up any moment.",
            "Try a longer --wait, or end it with:",
            `pitstop off${scope ? ` --scope ${shellQuote([scope])}` : ""}`,
          ],
        );
      }
      await sleep(500, undefined, { signal });
    }
  } finally {
    bar.stop();
  }
}

/**
 * The worker states by when every location serves a change (visibleBy, from
 * its cache TTLs). Nearby visibility proves nothing about other locations, so
 * the command starts only after that time.
 */
async function waitEverywhere(visibleBy: string, deadline: number, scope: string, signal: AbortSignal, p: Printer): Promise<void> {
  const by = Date.parse(visibleBy);
  const clock = formatClock(new Date(by));
  if (by > deadline) {
    throw new CliError(`the worker says every location serves the change by ${clock}, after --wait runs out`, EXIT.notVisible, [
      "The command was not run. Maintenance is left ON. Use a longer --wait, or end it with:",
      `pitstop off --scope ${shellQuote([scope])}`,
    ]);
  }
  const left = by - Date.now();
  if (left > 0) {
    const bar = progress(process.stderr, `Waiting until every location serves it (visible everywhere by ${clock})…`);
    try {
      await sleep(left, undefined, { signal });
    } finally {
      bar.stop();
    }
  }
  p.success(`Visible everywhere (by ${clock}, the worker's stated bound).`);
}

function runChild(argv: string[], signals: SignalState): Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(argv[0]!, argv.slice(1), { stdio: "inherit" });
    } catch (error) {
      resolve({ code: null, signal: null, error: error as Error });
      return;
    }
    signals.child = child;
    child.once("error", (error) => {
      signals.child = null;
      resolve({ code: null, signal: null, error });
    });
    child.once("exit", (code, signal) => {
      signals.child = null;
      resolve({ code, signal });
    });
  });
}

/**
 * SIGINT and SIGTERM while guarding: passed on to the running command, and
 * remembered so that maintenance is left on. A third one sends SIGKILL.
 * Ctrl-C at a terminal already reaches the command (it shares the terminal's
 * foreground process group), so SIGINT is not sent a second time there: many
 * tools read a second Ctrl-C as "abort the cleanup too".
 */
class SignalState {
  received: NodeJS.Signals | null = null;
  child: ChildProcess | null = null;
  readonly abort = new AbortController();
  private count = 0;
  private readonly handler = (signal: NodeJS.Signals) => this.onSignal(signal);
  private p: Printer | null = null;

  install(p: Printer): void {
    this.p = p;
    process.on("SIGINT", this.handler);
    process.on("SIGTERM", this.handler);
  }

  uninstall(): void {
    process.off("SIGINT", this.handler);
    process.off("SIGTERM", this.handler);
  }

  private onSignal(signal: NodeJS.Signals): void {
    this.received ??= signal;
    this.count++;
    this.abort.abort();
    if (!this.child) return;
    if (this.count >= 3) {
      this.p?.warn("third signal: killing the command (SIGKILL).");
      this.child.kill("SIGKILL");
    } else if (signal === "SIGINT" && process.stdin.isTTY) {
      this.p?.warn("SIGINT: the command got it from the terminal too; waiting for it to stop. Maintenance stays on.");
    } else {
      this.p?.warn(`${signal}: passing it on to the command and waiting for it to stop; maintenance stays on.`);
      this.child.kill(signal);
    }
  }
}
