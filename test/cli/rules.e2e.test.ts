// The pitstop CLI's rules: rule add/list/remove and guard --rule (a feature, then one user at a time) — cli harness, the real bin/pitstop.mjs against the worker under wrangler dev and a real origin.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeScript, pitstop, pitstopCli, scratch, useCliStack, visitor } from "./helpers.ts";

// The user key is a header a trusted proxy sets (the unsigned mode), to keep the test about the CLI.
useCliStack({ USER_KEY_FROM: "header:x-user" });

const asUser = (path: string, user: string) => visitor(path, { headers: { "x-user": user } });

describe("pitstop rule", () => {
  it("adds a rule that closes checkout to writes while browsing works, lists it, and removes it", async () => {
    const add = await pitstopCli(["rule", "add", "checkout", "--path", "/checkout/*", "--read-only", "--message", "Orders are paused"]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain("✔ Rule checkout is in force for 127.0.0.1.");
    expect(add.stdout).toMatch(/Visible everywhere by \d\d:\d\d:\d\d \(version \d+\)/);
    expect((await visitor("/checkout/pay", { method: "POST", body: "x" })).status).toBe(503);
    expect((await visitor("/checkout/cart")).status).toBe(200);
    expect((await visitor("/menu", { method: "POST", body: "x" })).status).toBe(200);

    const list = await pitstopCli(["rule", "list"]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain("checkout");
    expect(list.stdout).toMatch(/Paths\s+\/checkout\/\*/);
    expect(list.stdout).toMatch(/For\s+everyone/);

    const remove = await pitstopCli(["rule", "remove", "checkout"]);
    expect(remove.code, remove.stderr).toBe(0);
    expect((await visitor("/checkout/pay", { method: "POST", body: "x" })).status).toBe(200);
    expect((await pitstopCli(["rule", "list"])).stdout).toContain("No rules for 127.0.0.1.");
  });

  it("names the field when the worker refuses a rule, and exits 2", async () => {
    const r = await pitstopCli(["rule", "add", "Bad_ID"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/400 invalid_request: id: must be 1 to 63 lower-case letters/);
  });
});

describe("pitstop guard --rule", () => {
  it("puts a feature rule in force, waits until every location serves it, runs the job and removes the rule", async () => {
    const probe = `fetch(process.argv[1] + "/search/x").then((r) => console.log("search during the job: " + r.status))`;
    const { url } = pitstop;
    const r = await pitstopCli(["guard", "--rule", "search", "--path", "/search/*", "--message", "Reindexing", "--", ...nodeScript(probe, url)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("search during the job: 503\n");
    expect(r.stderr).toMatch(/✔ Visible everywhere \(by \d\d:\d\d:\d\d/);
    expect(r.stderr).toContain("✔ Rule search removed for 127.0.0.1.");
    expect((await visitor("/search/x")).status).toBe(200);
  });

  it("migrates users one at a time, and stops at the first failure leaving that user in maintenance", async () => {
    const users = join(scratch, "users.txt");
    writeFileSync(users, "alice\nbob\n# a comment\ncarol\n");
    // The job checks that its user, and only its user, is kept out while it runs; bob's fails.
    const job =
      `const [base, user] = process.argv.slice(1);` +
      `Promise.all([user, "someone-else"].map((u) => fetch(base + "/account", { headers: { "x-user": u } }).then((r) => r.status)))` +
      `.then(([mine, theirs]) => { console.log(user + ": " + mine + " " + theirs); process.exit(user === "bob" ? 5 : 0); })`;
    const { url } = pitstop;
    const r = await pitstopCli(["guard", "--rule", "migrate", "--each", users, "--message", "Moving your data", "--", ...nodeScript(job, url, "{}")]);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe("alice: 503 200\nbob: 503 200\n");
    expect(r.stderr).toMatch(/User 1 of 3: alice/);
    expect(r.stderr).toMatch(/User 2 of 3: bob \(elapsed .*, about .* left\)/);
    expect(r.stderr).toContain("User 2 of 3 (bob) is left in maintenance (rule migrate). 1 user(s) not run: carol");
    expect((await asUser("/account", "alice")).status).toBe(200); // taken out
    expect((await asUser("/account", "bob")).status).toBe(503); // left in
    expect((await asUser("/account", "carol")).status).toBe(200); // never run
    await pitstopCli(["rule", "remove", "migrate"]);
  });
});
