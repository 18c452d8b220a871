// The CLI's --message per language (on, schedule, guard): what a sysadmin types, and what a French, Spanish or German visitor then reads — cli harness, the real bin/pitstop.mjs against the worker under wrangler dev and a real origin.
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrigin, type Origin } from "../support/origin.ts";
import { startPitstop, type Pitstop } from "../support/pitstop.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const BIN = join(ROOT, "bin", "pitstop.mjs");
const NODE = process.env.PITSTOP_TEST_NODE || process.execPath;

let origin: Origin;
let pitstop: Pitstop;

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, "scripts", "build-cli.mjs")], { cwd: ROOT, stdio: "inherit" });
  origin = await startOrigin();
  pitstop = await startPitstop({ originUrl: origin.url, vars: { CACHE_SECONDS: "1", EDGE_CACHE_SECONDS: "1" } });
});
afterAll(async () => {
  await pitstop?.stop();
  await origin?.close();
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(NODE, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, PITSTOP_URL: pitstop.url, PITSTOP_TOKEN: pitstop.token, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

/** What a visitor with that Accept-Language reads as the message (problem+json's detail). */
async function detailFor(language: string): Promise<string> {
  const res = await fetch(`${pitstop.url}/api`, { headers: { accept: "application/json", "accept-language": language } });
  expect(res.status).toBe(503);
  return ((await res.json()) as { detail: string }).detail;
}

async function off(): Promise<void> {
  const r = await cli(["off"]);
  expect(r.code, r.stderr).toBe(0);
}

describe("--message per language", () => {
  it("on: each visitor reads their language's text, status shows them all", async () => {
    const r = await cli(["on", "--message", "en=Back at 23:00", "--message", "fr=Bientôt de retour"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Message\s+en: "Back at 23:00", fr: "Bientôt de retour"/);
    expect(await detailFor("fr-FR,fr;q=0.9")).toBe("Bientôt de retour");
    expect(await detailFor("en-GB")).toBe("Back at 23:00");
    // No German text: DEFAULT_LANGUAGE's (en).
    expect(await detailFor("de-DE")).toBe("Back at 23:00");
    const status = await cli(["status"]);
    expect(status.stdout).toMatch(/Message\s+en: "Back at 23:00", fr: "Bientôt de retour"/);
    await off();
  });

  it("a plain --message stays one message for everyone, even with an = in it", async () => {
    const r = await cli(["on", "--message", "no=way, back at 23:00"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await detailFor("fr")).toBe("no=way, back at 23:00");
    await off();
  });

  it("schedule: the banner's and status.json's message in the visitor's language", async () => {
    const r = await cli(["schedule", "--from", "+2h", "--message", "es=Mantenimiento de la base de datos", "--message", "en=Database upgrade"]);
    expect(r.code, r.stderr).toBe(0);
    const res = await fetch(`${pitstop.url}/__maint/status.json`, { headers: { "accept-language": "es-ES" } });
    expect(res.headers.get("content-language")).toBe("es");
    expect(await res.json()).toMatchObject({ phase: "scheduled", message: "Mantenimiento de la base de datos" });
    const cancel = await cli(["schedule", "cancel"]);
    expect(cancel.code, cancel.stderr).toBe(0);
  });

  it("guard: per-language messages while the command runs", async () => {
    const probe =
      `fetch(process.argv[1] + "/x", { headers: { accept: "application/json", "accept-language": "de" } })` +
      `.then((r) => r.json()).then((p) => console.log("detail: " + p.detail))`;
    const r = await cli(["guard", "--message", "de=Wartung läuft", "--message", "en=Maintenance running", "--", NODE, "-e", probe, pitstop.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("detail: Wartung läuft\n");
  });

  it("rule add: a rule's message per language, shown by rule list", async () => {
    const add = await cli(["rule", "add", "search", "--path", "/search/*", "--message", "en=Search is being rebuilt", "--message", "pt=A pesquisa está a ser refeita"]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/Message\s+en: "Search is being rebuilt", pt: "A pesquisa está a ser refeita"/);
    const res = await fetch(`${pitstop.url}/search/shoes`, { headers: { accept: "application/json", "accept-language": "pt-PT" } });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ rule: "search", detail: "A pesquisa está a ser refeita" });
    const remove = await cli(["rule", "remove", "search"]);
    expect(remove.code, remove.stderr).toBe(0);
  });

  it("refuses a plain message mixed with per-language ones before sending anything", async () => {
    const r = await cli(["on", "--message", "Back soon", "--message", "fr=Bientôt"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("✘ Error: --message: give one plain message, or one per language");
    expect((await fetch(`${pitstop.url}/html`)).status).toBe(200);
  });

  it("passes on the worker's refusal of one language's text, naming it", async () => {
    const r = await cli(["on", "--message", `it=${"x".repeat(1001)}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("message.it: must be at most 1000 characters");
    expect((await fetch(`${pitstop.url}/html`)).status).toBe(200);
  });
});
