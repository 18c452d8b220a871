// The pitstop CLI (status, on/off/read-only, log, schedule, reset, bypass, guard, errors) — cli harness, the real bin/pitstop.mjs against the worker under wrangler dev and a real origin.
// What a sysadmin types (the CLI built as npm install builds it), checked against what a visitor then sees.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../support/pitstop.ts";
import { BIN, effective, NODE, nodeScript, pitstop, pitstopCli, ROOT, scratch, start, useCliStack, visitor } from "./helpers.ts";

useCliStack();

async function switchOff(scope?: string) {
  const r = await pitstopCli(["off", ...(scope ? ["--scope", scope] : [])]);
  expect(r.code, r.stderr).toBe(0);
}

describe("status, on, off and read-only", () => {
  it("shows a fresh site as off, for people and as JSON", async () => {
    const human = await pitstopCli(["status"]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain("127.0.0.1 is off");
    expect(human.stdout).toMatch(/Allowed IPs\s+none/);
    expect(await effective()).toMatchObject({ mode: "off", phase: "off" });
  });

  it("switches maintenance on: visitors get the maintenance page and status says who and until when", async () => {
    const r = await pitstopCli(["on", "--message", "Upgrading the database", "--until", "+30m"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^✔ Maintenance is on for 127\.0\.0\.1\./);
    expect(r.stdout).toMatch(/Ends\s+\w{3} \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?.*UTC.*in 30 min/);

    const page = await visitor("/html", { headers: { accept: "text/html" } });
    expect(page.status).toBe(503);
    expect(page.body).toContain("Upgrading the database");
    expect(Number(page.headers.get("retry-after"))).toBeGreaterThan(1700);

    const status = await pitstopCli(["status"]);
    expect(status.stdout).toContain("127.0.0.1 is maintenance, active");
    expect(status.stdout).toContain('"Upgrading the database"');
    expect(status.stdout).toMatch(/Changed\s+.* by \S+@\S+/);
    expect(await effective()).toMatchObject({ mode: "maintenance", phase: "active", message: "Upgrading the database" });
  });

  it("switches off: the origin answers again", async () => {
    const r = await pitstopCli(["off"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("✔ Maintenance is off for 127.0.0.1: the site is back.");
    const page = await visitor("/html");
    expect(page.status).toBe(200);
    expect(page.body).toContain("Hello from the origin");

    const again = await pitstopCli(["off"]);
    expect(again.stdout).toContain("✔ Maintenance was already off for 127.0.0.1.");
  });

  it("switches read-only on: reads pass, writes get 503", async () => {
    const r = await pitstopCli(["on", "--read-only"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("✔ Read-only mode is on for 127.0.0.1.");
    expect((await visitor("/json")).status).toBe(200);
    expect((await visitor("/orders", { method: "POST", body: "{}" })).status).toBe(503);
    expect(await effective()).toMatchObject({ mode: "read-only", phase: "active" });
    await switchOff();
    expect((await visitor("/orders", { method: "POST", body: "{}" })).status).toBe(200);
  });

  it("prints the audit log as a table, newest first, naming who made each change", async () => {
    const r = await pitstopCli(["log", "--limit", "3"]);
    expect(r.code, r.stderr).toBe(0);
    const [header, newest, ...rest] = r.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^TIME \(local\)\s+ACTION\s+SCOPE\s+MODE\s+BY\s+IP\s+MESSAGE$/);
    expect(newest).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+off \(ended\)\s+127\.0\.0\.1\s+off\s+\S+@\S+/);
    expect(rest[0]).toMatch(/\son \(started\)\s+127\.0\.0\.1\s+read-only\s/);
  });

  it("shows a scheduled window back in local time and UTC, and cancels it", async () => {
    const r = await pitstopCli(["schedule", "--from", "+2h", "--until", "+1h", "--announce-from", "-30m", "--message", "Planned upgrade"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("✔ Maintenance scheduled for 127.0.0.1.");
    expect(r.stdout).toMatch(/Starts\s+.*UTC.*in 2 h/);
    expect(r.stdout).toMatch(/Ends\s+.*UTC.*in 3 h/);
    expect(r.stdout).toMatch(/Banner from\s+.*in 1 h 30 min/);
    expect(await effective()).toMatchObject({ mode: "off", phase: "scheduled", message: "Planned upgrade" });
    expect((await visitor("/html")).status).toBe(200);

    const cancel = await pitstopCli(["schedule", "cancel"]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain("✔ Scheduled maintenance cancelled for 127.0.0.1.");
    expect(await effective()).toMatchObject({ phase: "off" });
  });
});

describe("sites and *", () => {
  it("resets a site's own setting so that it follows * again", async () => {
    await switchOff(); // the URL's site now has its own "off" document
    const on = await pitstopCli(["on", "--scope", "*"]);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stderr + on.stdout).toContain("pitstop reset");
    expect((await visitor("/html")).status).toBe(200);

    const reset = await pitstopCli(["reset"]);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout + reset.stderr).toContain('follows "*" again');
    expect((await visitor("/html")).status).toBe(503);
    await switchOff("*");
    expect((await visitor("/html")).status).toBe(200);
  });
});

describe("bypass links", () => {
  it("mints a link whose cookie lets one browser through, until revoked", async () => {
    await pitstopCli(["on"]);
    const human = await pitstopCli(["bypass"]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^✔ Bypass link for 127\.0\.0\.1, valid until .*in 15 min:\nhttp:\/\/127\.0\.0\.1:\d+\/__maint\/bypass\?token=/);

    const r = await pitstopCli(["bypass", "--ttl", "10m", "--next", "/html", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const link = JSON.parse(r.stdout) as { url: string; expiresAt: string };
    expect(Date.parse(link.expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000);

    const follow = await fetch(link.url, { redirect: "manual" });
    expect(follow.status).toBe(303);
    expect(follow.headers.get("location")).toBe("/html");
    const cookie = follow.headers.get("set-cookie")!.split(";")[0]!;
    expect((await visitor("/html")).status).toBe(503);
    const through = await visitor("/html", { headers: { cookie } });
    expect(through.status).toBe(200);
    expect(through.body).toContain("Hello from the origin");

    const revoke = await pitstopCli(["bypass", "revoke"]);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stdout).toContain("✔ Bypass links revoked for 127.0.0.1");
    expect((await visitor("/html", { headers: { cookie } })).status).toBe(503);
    await switchOff();
  });
});

describe("guard", () => {
  it("switches on, waits until visible, streams the command's output and switches off after success", async () => {
    const probe = `fetch(process.argv[1] + "/__maint/status.json").then((r) => r.json()).then((s) => console.log("mode during the job: " + s.mode))`;
    const r = await pitstopCli(["guard", "--message", "Migrating", "--", ...nodeScript(probe, pitstop.url)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("mode during the job: maintenance\n");
    expect(r.stderr).toContain("✔ Maintenance is on for 127.0.0.1 (started).");
    expect(r.stderr).toMatch(/✔ Visible at http:\/\/127\.0\.0\.1:\d+\/__maint\/status\.json after (\d+ ms|\d+\.\d s)\./);
    expect(r.stderr).toMatch(/✔ Visible everywhere \(by \d\d:\d\d:\d\d, the worker's stated bound\)\./);
    expect(r.stderr).toContain("✔ Maintenance is off for 127.0.0.1.");
    expect(await effective()).toMatchObject({ mode: "off" });
  });

  it("does not start the command before the change is visible everywhere (visibleBy)", async () => {
    const r = await pitstopCli(["guard", "--", ...nodeScript("console.log('started ' + Date.now())")]);
    expect(r.code, r.stderr).toBe(0);
    const started = Number(/started (\d+)/.exec(r.stdout)![1]);
    const status = (await (await fetch(`${pitstop.url}/__maint/status`, { headers: { authorization: `Bearer ${pitstop.token}` } })).json()) as {
      consistency: { boundSeconds: number };
    };
    const log = (await (await fetch(`${pitstop.url}/__maint/log`, { headers: { authorization: `Bearer ${pitstop.token}` } })).json()) as {
      entries: Array<{ action: string; at: string }>;
    };
    const on = log.entries.find((e) => e.action === "on")!;
    expect(status.consistency.boundSeconds).toBe(3);
    expect(started).toBeGreaterThanOrEqual(Date.parse(on.at) + status.consistency.boundSeconds * 1000);
    expect(r.stderr).toMatch(/Visible everywhere \(by/);
  });

  it("leaves maintenance on and passes the exit code through when the command fails", async () => {
    const r = await pitstopCli(["guard", "--message", "Migrating", "--", ...nodeScript("console.error('migration failed'); process.exit(7)")]);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("migration failed");
    expect(r.stderr).toMatch(/✘ Error: .* exited with code 7 after (\d+ ms|\d+\.\d s)\./);
    expect(r.stderr).toContain("Maintenance is left ON for 127.0.0.1.");
    expect(await effective()).toMatchObject({ mode: "maintenance", phase: "active", message: "Migrating" });
    await switchOff();
  });

  it("never runs the command when the worker is unreachable", async () => {
    const marker = join(scratch, "unreachable-ran");
    const url = `http://127.0.0.1:${await freePort()}`;
    const r = await pitstopCli(["guard", "--", ...nodeScript("require('fs').writeFileSync(process.argv[1], 'ran')", marker)], { PITSTOP_URL: url });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`✘ Error: could not reach ${url}/__maint/on: `);
    expect(r.stderr).toContain("ECONNREFUSED");
    expect(r.stderr).toContain("The command was not run.");
    expect(existsSync(marker)).toBe(false);
  });

  it("stops --each at the first failing item and leaves that item's maintenance on", async () => {
    const items = join(scratch, "users.txt");
    writeFileSync(items, "# one user per line\nalice\n\nbob\ncarol\n");
    const job = "console.log('reindexed ' + process.argv[1]); if (process.argv[1] === 'bob') process.exit(5)";
    const r = await pitstopCli([
      "guard", "--each", items, "--scope", "{}.example.test", "--message", "Reindexing {}",
      "--", ...nodeScript(job, "{}"),
    ]);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe("reindexed alice\nreindexed bob\n");
    expect(r.stderr).toContain("Item 2 of 3 (bob) failed. 1 item(s) not run: carol");
    expect(r.stderr).toContain("Maintenance is left ON for bob.example.test.");
    expect(await effective("alice.example.test")).toMatchObject({ mode: "off" });
    expect(await effective("bob.example.test")).toMatchObject({ mode: "maintenance", message: "Reindexing bob" });
    expect(await effective("carol.example.test")).toMatchObject({ mode: "off" });
    // The rest of the site stayed up throughout.
    expect((await visitor("/html")).status).toBe(200);
    await switchOff("bob.example.test");
  });

  it("passes SIGINT to the command and leaves maintenance on", async () => {
    const job = "process.on('SIGINT', () => { console.log('job got SIGINT'); process.exit(130) }); console.log('job started'); setInterval(() => {}, 1000)";
    const run = start(["guard", "--", ...nodeScript(job)]);
    const deadline = Date.now() + 20_000;
    while (!run.stdout().includes("job started")) {
      if (Date.now() > deadline) throw new Error("the guarded job never started");
      await new Promise((r) => setTimeout(r, 50));
    }
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stdout).toContain("job got SIGINT");
    expect(r.stderr).toMatch(/✘ Error: interrupted by SIGINT: .* exited with code 130/);
    expect(r.stderr).toContain("Maintenance is left ON for 127.0.0.1.");
    expect(await effective()).toMatchObject({ mode: "maintenance", phase: "active" });
    await switchOff();
  });
});

describe("errors and configuration", () => {
  it("reports a wrong token with exit code 2, the status and the server's message", async () => {
    const r = await pitstopCli(["status"], { PITSTOP_TOKEN: "not-the-token" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("✘ Error: 401 unauthorized: Missing or wrong admin token");
    expect(r.stderr).toContain("Check PITSTOP_TOKEN");
  });

  it("does not run a guarded command when the token is wrong", async () => {
    const marker = join(scratch, "wrong-token-ran");
    const r = await pitstopCli(["guard", "--", ...nodeScript("require('fs').writeFileSync(process.argv[1], 'ran')", marker)], {
      PITSTOP_TOKEN: "not-the-token",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("The command was not run.");
    expect(existsSync(marker)).toBe(false);
    expect(await effective()).toMatchObject({ mode: "off" });
  });

  it("refuses --token unless --insecure-token-flag is given too", async () => {
    const refused = await pitstopCli(["status", "--token", pitstop.token], { PITSTOP_TOKEN: "" });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("shell history");
    const accepted = await pitstopCli(["status", "--token", pitstop.token, "--insecure-token-flag"], { PITSTOP_TOKEN: "" });
    expect(accepted.code, accepted.stderr).toBe(0);
  });

  it("reads the token from --token-file", async () => {
    const file = join(scratch, "token");
    writeFileSync(file, `${pitstop.token}\n`, { mode: 0o600 });
    const r = await pitstopCli(["status", "--token-file", file], { PITSTOP_TOKEN: "" });
    expect(r.code, r.stderr).toBe(0);
  });

  it("exits 1 on a time it cannot read, before sending anything", async () => {
    const r = await pitstopCli(["on", "--until", "25:00"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('✘ Error: --until: "25:00" is not a clock time');
    expect(await effective()).toMatchObject({ mode: "off" });
  });

  it("has --help with examples for every command", async () => {
    for (const command of [[], ["status"], ["on"], ["off"], ["bypass"], ["bypass", "revoke"], ["log"], ["schedule"], ["schedule", "cancel"], ["guard"]]) {
      const r = await pitstopCli([...command, "--help"], { PITSTOP_URL: "", PITSTOP_TOKEN: "" });
      expect(r.code, command.join(" ")).toBe(0);
      expect(r.stdout, command.join(" ")).toContain("Examples:");
    }
  });
});

describe("output closed early", () => {
  /** Runs the CLI with its stdout a pipe whose reader has already gone, as in `pitstop status | head -1`. */
  function withClosedStdout(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(NODE, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, PITSTOP_URL: pitstop.url, PITSTOP_TOKEN: pitstop.token, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.destroy(); // the reader closes before the CLI writes: its first write gets EPIPE
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    return new Promise((resolve) => child.once("close", (code) => resolve({ code, stderr })));
  }

  it("ends quietly with the command's own exit code, without a stack trace", async () => {
    for (const args of [["--help"], ["status"], ["status", "--json"], ["log", "--limit", "100"]]) {
      const r = await withClosedStdout(args);
      expect(r.stderr, args.join(" ")).not.toMatch(/EPIPE|Error|\n\s+at /);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
    }
  });

  it("still does the work: a command piped into head changes the state", async () => {
    const r = await withClosedStdout(["on", "--message", "Piped"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("EPIPE");
    expect(await effective()).toMatchObject({ mode: "maintenance", message: "Piped" });
    await switchOff();
  });

  it("prints what the reader took and nothing else in a real pipeline (| head -1)", async () => {
    const r = spawnSync("sh", ["-c", '"$0" "$1" --help | head -1', NODE, BIN], { cwd: ROOT, encoding: "utf8" });
    expect(r.stdout).toBe("Usage: pitstop [options] [command]\n");
    expect(r.stderr).toBe("");
  });
});
