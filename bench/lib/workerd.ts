// Generates a workerd capnp config for the benchmark and runs `workerd serve`.
//
// One process holds every service, each worker in its own isolate:
//   baseline          a bare passthrough (bench/workers/baseline.js)
//   pitstop-<state>   the shipped bundle, once per seeded state, each bound to
//                     the KV stub with its own ctx.props.scenario (own store, own counts)
//   coord-<state>     its STATE_COORDINATOR: the shipped class, extended only to count
//                     calls (bench/workers/coordinator-counter.js), in a namespace of its
//                     own (own uniqueKey; SQLite files under `do/`: this workerd's
//                     inMemory storage has no SQL API), so each copy adopts its own
//                     seed from its KV store on first use; also on a control socket
//   kv                in-memory KV (bench/workers/kv-stub.js), also on a control socket;
//                     or, with `kvAddress`, an external server (the soak's KV process)
//   assets            the templates of assets/ from memory (bench/workers/assets-stub.js)
//   internet          redefined so that fetches to 127.0.0.1 (the origin) are allowed
// Scenarios run one at a time, so the process's CPU delta over a run belongs
// to that run's scenario.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, createWriteStream, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HarnessError, sleep } from "./util.ts";

export interface PitstopInstance {
  /** Service name suffix and KV scenario: "off", "maintenance", ... */
  state: string;
  /** KV contents for this instance: key -> value. */
  kv: Record<string, string>;
  /** Vars of this copy only, over the layout's (USER_KEY_FROM, ...). */
  vars?: Record<string, string>;
  /**
   * Another copy's state whose coordinator (and KV store) this copy shares:
   * a second isolate of the same deployment. Default: its own.
   */
  sharesWith?: string;
}

export interface WorkerdLayout {
  dir: string;
  bundle: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  /** Vars from wrangler.toml, then the bench's own (ORIGIN_URL, secrets). */
  vars: Record<string, string>;
  originUrl: string;
  assetsDir: string;
  /** Include the baseline worker. */
  baseline: boolean;
  /** Include the KV and ASSETS stubs (always, when there is a Pitstop instance). */
  stubs: boolean;
  pitstops: PitstopInstance[];
  /** Socket ports: "baseline", "pitstop-<state>", "coord-<state>", "kv", "assets". */
  ports: Record<string, number>;
  /** KV served by another process at this address (no KV stub here, one store for all). */
  kvAddress?: string;
  /** More workers from bench/workers/, each with text bindings and a socket of its own (profiling). */
  extras?: Array<{ name: string; module: string; bindings: Record<string, string> }>;
}

const WORKERS_DIR = new URL("../workers/", import.meta.url).pathname;

/** A capnp text literal; the values here are ASCII (URLs, tokens, JSON). */
function str(s: string): string {
  if (/[^\x20-\x7e]/.test(s)) throw new HarnessError(`capnp string must be printable ASCII: ${JSON.stringify(s)}`);
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export function writeConfig(layout: WorkerdLayout, name: string): string {
  const { dir } = layout;
  copyFileSync(layout.bundle, join(dir, "pitstop.js"));
  for (const f of ["baseline.js", "kv-stub.js", "assets-stub.js", "coordinator-counter.js"]) copyFileSync(join(WORKERS_DIR, f), join(dir, f));
  const seed: Record<string, Record<string, string>> = {};
  for (const p of layout.pitstops) seed[p.state] = p.kv;
  writeFileSync(join(dir, `${name}-seed.json`), JSON.stringify(seed));
  const files: Record<string, string> = {};
  for (const f of readdirSync(layout.assetsDir)) files[f] = readFileSync(join(layout.assetsDir, f), "utf8");
  writeFileSync(join(dir, "files.json"), JSON.stringify(files));

  const compat = [
    `compatibilityDate = ${str(layout.compatibilityDate)}`,
    ...(layout.compatibilityFlags.length ? [`compatibilityFlags = [${layout.compatibilityFlags.map(str).join(", ")}]`] : []),
  ].join(", ");
  const text = (k: string, v: string) => `(name = ${str(k)}, text = ${str(v)})`;

  const services: string[] = [
    `(name = "internet", network = (allow = ["public", "private", "local"]))`,
  ];
  const sockets: string[] = [];
  const socket = (service: string, props?: string) => {
    const port = layout.ports[service];
    if (!port) throw new HarnessError(`no port for ${service}`);
    const designator = props ? `(name = ${str(service)}, props = (json = ${str(props)}))` : str(service);
    sockets.push(`(name = ${str(service)}, address = "127.0.0.1:${port}", http = (), service = ${designator})`);
  };

  if (layout.stubs || layout.pitstops.length) {
    if (layout.kvAddress) {
      services.push(`(name = "kv", external = (address = ${str(layout.kvAddress)}, http = ()))`);
    } else {
      services.push(
        `(name = "kv", worker = (modules = [(name = "kv-stub.js", esModule = embed "kv-stub.js"), ` +
          `(name = "seed.json", json = embed ${str(`${name}-seed.json`)})], ${compat}))`,
      );
      socket("kv", JSON.stringify({ scenario: "control" }));
    }
    services.push(
      `(name = "assets", worker = (modules = [(name = "assets-stub.js", esModule = embed "assets-stub.js"), ` +
        `(name = "files.json", json = embed "files.json")], ${compat}))`,
    );
    socket("assets");
  }
  // The KV binding of a copy: its own store in the stub (props), or the external server.
  const kvBinding = (state: string) =>
    layout.kvAddress
      ? `(name = "MAINTENANCE", kvNamespace = "kv")`
      : `(name = "MAINTENANCE", kvNamespace = (name = "kv", props = (json = ${str(JSON.stringify({ scenario: state }))})))`;
  if (layout.baseline) {
    services.push(
      `(name = "baseline", worker = (modules = [(name = "baseline.js", esModule = embed "baseline.js")], ${compat}, ` +
        `bindings = [${text("ORIGIN_URL", layout.originUrl)}]))`,
    );
    socket("baseline");
  }
  for (const x of layout.extras ?? []) {
    copyFileSync(join(WORKERS_DIR, x.module), join(dir, x.module));
    services.push(
      `(name = ${str(x.name)}, worker = (modules = [(name = ${str(x.module)}, esModule = embed ${str(x.module)})], ${compat}, ` +
        `bindings = [${Object.entries(x.bindings).map(([k, v]) => text(k, v)).join(", ")}]))`,
    );
    socket(x.name);
  }
  if (layout.pitstops.length) {
    mkdirSync(join(dir, "do"), { recursive: true });
    services.push(`(name = "do-disk", disk = (path = ${str(join(dir, "do"))}, writable = true))`);
  }
  for (const p of layout.pitstops) {
    const home = p.sharesWith ?? p.state;
    if (!p.sharesWith) {
      // The coordinator: one namespace per copy (its own uniqueKey), SQLite on
      // local disk in the scratch dir, never evicted (a real one serves every isolate of every
      // location, so it is rarely cold; a cold start is measured on its own).
      services.push(
        `(name = ${str(`coord-${p.state}`)}, worker = (modules = [(name = "coordinator-counter.js", esModule = embed "coordinator-counter.js"), ` +
          `(name = "pitstop.js", esModule = embed "pitstop.js")], ${compat}, ` +
          `bindings = [${kvBinding(p.state)}], ` +
          `durableObjectNamespaces = [(className = "StateCoordinator", uniqueKey = ${str(`pitstop-bench-${name}-${p.state}`)}, enableSql = true, preventEviction = true)], ` +
          `durableObjectStorage = (localDisk = "do-disk")))`,
      );
      socket(`coord-${p.state}`);
    }
    const bindings = [
      kvBinding(home),
      `(name = "ASSETS", service = "assets")`,
      `(name = "STATE_COORDINATOR", durableObjectNamespace = (serviceName = ${str(`coord-${home}`)}, className = "StateCoordinator"))`,
      ...Object.entries({ ...layout.vars, ...p.vars }).map(([k, v]) => text(k, v)),
    ];
    services.push(
      `(name = ${str(`pitstop-${p.state}`)}, worker = (modules = [(name = "index.js", esModule = embed "pitstop.js")], ${compat}, ` +
        `bindings = [\n      ${bindings.join(",\n      ")}]))`,
    );
    socket(`pitstop-${p.state}`);
  }

  const capnp = `# Generated by bench/lib/workerd.ts; see docs/benchmark.md.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    ${services.join(",\n    ")}
  ],
  sockets = [
    ${sockets.join(",\n    ")}
  ],
);
`;
  const path = join(dir, `${name}.capnp`);
  writeFileSync(path, capnp);
  return path;
}

export interface Workerd {
  proc: ChildProcess;
  pid: number;
  logPath: string;
  startedAt: number;
  stop(): Promise<void>;
  /** Last lines of its log, for error messages. */
  logTail(): string;
}

/** `wrapper`: a command that runs workerd (valgrind, for instruction counts); its pid is workerd's. */
export function startWorkerd(bin: string, configPath: string, logPath: string, wrapper: string[] = []): Workerd {
  const log = createWriteStream(logPath);
  const startedAt = performance.now();
  const [cmd, ...args] = [...wrapper, bin, "serve", configPath];
  const proc = spawn(cmd!, args, { stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout!.pipe(log);
  proc.stderr!.pipe(log);
  if (!proc.pid) throw new HarnessError(`cannot start ${bin}`);
  let exited = false;
  proc.on("exit", () => (exited = true));
  return {
    proc,
    pid: proc.pid,
    logPath,
    startedAt,
    logTail: () => {
      try {
        return readFileSync(logPath, "utf8").split("\n").slice(-30).join("\n");
      } catch {
        return "";
      }
    },
    stop: async () => {
      if (exited) return;
      const done = new Promise<void>((resolve) => proc.on("exit", () => resolve()));
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), wrapper.length ? 30_000 : 3000);
      await done;
      clearTimeout(timer);
      log.end();
    },
  };
}

/** Polls `url` until it answers with `status` (null: any); returns ms since `since`. */
export async function waitForStatus(url: string, status: number | null, since: number, proc: ChildProcess, timeoutMs = 20_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new HarnessError(`workerd exited (${proc.exitCode ?? proc.signalCode}) before ${url} answered`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (status === null || res.status === status) return performance.now() - since;
    } catch {
      // not listening yet
    }
    await sleep(2);
  }
  throw new HarnessError(`${url} did not answer ${status ?? "at all"} within ${timeoutMs} ms`);
}
