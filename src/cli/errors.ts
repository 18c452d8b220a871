// What can go wrong in the CLI, each with its exit code (see docs/cli.md).
// A guarded command's own exit code is passed through unchanged.

export const EXIT = {
  ok: 0,
  /** Bad arguments, missing PITSTOP_URL or token: nothing was sent. */
  usage: 1,
  /** The worker answered with an error (4xx or 5xx). */
  refused: 2,
  /** The worker could not be reached (DNS, refused connection, timeout). */
  unreachable: 3,
  /** guard: switched on, but the change never became visible in time; the command was not run. */
  notVisible: 4,
} as const;

export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode: number,
    /** Lines printed after the error, indented: what to do about it. */
    readonly hints: string[] = [],
  ) {
    super(message);
  }
}

export class UsageError extends CliError {
  override name = "UsageError";
  constructor(message: string, hints: string[] = []) {
    super(message, EXIT.usage, hints);
  }
}

/** The admin API said no: status, its error code and its sentence. */
export class ServerError extends CliError {
  override name = "ServerError";
  constructor(
    readonly status: number,
    readonly code: string | null,
    readonly serverMessage: string,
    readonly request: string,
    hints: string[] = [],
  ) {
    super(`${status}${code ? ` ${code}` : ""}: ${serverMessage}`, EXIT.refused, [`(${request})`, ...hints]);
  }
}

export class NetworkError extends CliError {
  override name = "NetworkError";
  constructor(
    readonly url: string,
    readonly causeText: string,
  ) {
    super(`could not reach ${url}: ${causeText}`, EXIT.unreachable, [
      "Check PITSTOP_URL (or --url) and that the worker is deployed or running.",
    ]);
  }
}
