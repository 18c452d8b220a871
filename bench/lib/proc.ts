// CPU and memory of processes, from /proc (Linux only).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

/** Clock ticks per second for /proc/<pid>/stat times (CLK_TCK, nearly always 100). */
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * Fields of a /proc/<pid>/stat line after the command name, numbered as in
 * proc(5) (field 3 is the state). The name may contain spaces and parentheses,
 * so the line is cut at the last ")".
 */
export function statFields(line: string): (field: number) => number {
  const rest = line.slice(line.lastIndexOf(")") + 2).trim().split(/\s+/);
  return (field: number) => Number(rest[field - 3]);
}

/** utime + stime of a live process, in seconds (all threads). */
export function cpuSeconds(pid: number): number {
  const f = statFields(readFileSync(`/proc/${pid}/stat`, "utf8"));
  return (f(14) + f(15)) / clockTicks();
}

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Busy and total CPU seconds of the whole machine (all cores), from /proc/stat. */
export function machineSeconds(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal ...
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / clockTicks(), total: total / clockTicks() };
}
