// --each FILE: the items a guarded command runs once for, one per line.
import { readFileSync } from "node:fs";
import { UsageError } from "./errors";

/** The placeholder replaced by each item of --each. */
export const PLACEHOLDER = "{}";

/** Blank lines and # comments are skipped; "-" reads stdin. */
export function readItems(file: string): string[] {
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

/** The command for one item: {} in the arguments replaced, or the item appended when there is none. */
export function commandFor(command: string[], item: string): string[] {
  const placeholderInArgs = command.slice(1).some((a) => a.includes(PLACEHOLDER));
  return placeholderInArgs ? [command[0]!, ...command.slice(1).map((a) => a.replaceAll(PLACEHOLDER, item))] : [...command, item];
}
