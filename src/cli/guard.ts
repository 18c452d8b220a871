// `pitstop guard -- COMMAND`: maintenance on, wait until it is visible, run
// the command, and off again only if it succeeded. Anything else (a failure,
// Ctrl-C, a lost connection) leaves maintenance on and says so: a half-done
// migration behind an open site is the outcome this exists to prevent.
import { constants as osConstants } from "node:os";
import { findExecutable, runChild, SignalState } from "./child";
import type { AdminClient, ActiveMode, Message } from "./client";
import { CliError, EXIT, UsageError } from "./errors";
import { warnIfShadowed } from "./commands";
import { shellQuote, type Printer } from "./format";
import { commandFor, PLACEHOLDER, readItems } from "./items";
import { mapMessage } from "./message";
import { formatElapsed } from "./time";
import { waitEverywhere, waitVisible } from "./visibility";

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
  return items.map((item) => ({
    item,
    scope: opts.scope?.replaceAll(PLACEHOLDER, item),
    message: mapMessage(opts.message, (text) => text.replaceAll(PLACEHOLDER, item)),
    argv: commandFor(opts.command, item),
  }));
}

