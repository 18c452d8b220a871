// Running the guarded command: found before anything is switched on, run with
// the terminal, and told about Ctrl-C once (see SignalState).
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants as fsConstants } from "node:fs";
import { delimiter, join } from "node:path";
import { CliError } from "./errors";
import type { Printer } from "./format";

/** Refuses a command that cannot run before anything is switched on. */
export function findExecutable(command: string): void {
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

export function runChild(argv: string[], signals: SignalState): Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }> {
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
export class SignalState {
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
