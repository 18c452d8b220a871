// "Email me when we're back" end to end: subscribe, a bad address, the rate limit, then `off` gives one email per subscriber (read from wrangler dev's local simulation of send_email), and the addresses are gone — e2e harness, the worker under wrangler dev in front of a real origin.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { adminCall, adminPost, pitstop, useStack } from "./helpers";

const FROM = "maintenance@example.org";
useStack({ CACHE_SECONDS: "1", NOTIFY_FROM: FROM });

interface Simulated {
  from: string;
  to: string[];
  bcc: string[];
  subject: string;
  text: string;
}

/**
 * Every email wrangler dev's send_email simulation has logged so far: it prints
 * From, To, Bcc and Subject, and writes the text to a file whose path it prints.
 */
function simulatedEmails(): Simulated[] {
  // eslint-disable-next-line no-control-regex
  const output = pitstop.output().replace(/\x1b\[[0-9;]*m/g, "");
  const out: Simulated[] = [];
  for (const block of output.split("send_email binding called with MessageBuilder:").slice(1)) {
    const field = (name: string) => new RegExp(`^${name}: (.*)$`, "m").exec(block)?.[1]?.trim() ?? "";
    const list = (name: string) => field(name).split(",").map((a) => a.trim()).filter(Boolean);
    const textPath = field("Text");
    out.push({ from: field("From"), to: list("To"), bcc: list("Bcc"), subject: field("Subject"), text: textPath ? readFileSync(textPath, "utf8") : "" });
  }
  return out;
}

let ip = 0;
function subscribe(email: string, opts: { lang?: string; json?: boolean; ip?: string; language?: string } = {}): Promise<Response> {
  const clientIp = opts.ip ?? `203.0.113.${++ip}`;
  if (opts.json) {
    return fetch(`${pitstop.url}/__maint/notify`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", "cf-connecting-ip": clientIp, ...(opts.language ? { "accept-language": opts.language } : {}) },
      body: JSON.stringify({ email }),
    });
  }
  return fetch(`${pitstop.url}/__maint/notify`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html", referer: `${pitstop.url}/menu`, "cf-connecting-ip": clientIp },
    body: new URLSearchParams({ email, ...(opts.lang ? { lang: opts.lang } : {}) }),
  });
}

async function notifyStatus(): Promise<Record<string, unknown>> {
  return ((await (await adminCall("/status")).json()) as { notify: Record<string, unknown> }).notify;
}

/**
 * The subscriber rows as the store holds them, read from wrangler dev's local
 * SQLite file of the NotifyStore object. workerd's latest writes can take a
 * moment to show to another process, so this polls until `expected` (or gives
 * what it last read).
 */
async function storedAddresses(expected: string[]): Promise<string[]> {
  let found: string[] = [];
  for (let i = 0; i < 50; i++) {
    found = readAddresses().sort();
    if (JSON.stringify(found) === JSON.stringify(expected)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return found;
}

function readAddresses(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".sqlite") && entry.name !== "metadata.sqlite" && dir.includes("NotifyStore")) {
        // Not read-only: SQLite then reads the write-ahead log too, where workerd's latest writes are.
        const db = new DatabaseSync(path);
        try {
          found.push(...db.prepare("SELECT address FROM subscribers").all().map((r) => String((r as { address: string }).address)));
        } finally {
          db.close();
        }
      }
    }
  };
  walk(pitstop.persistDir);
  return found;
}

describe("email me when we're back, under wrangler dev", () => {
  it("is offered on the maintenance page", async () => {
    expect((await adminPost("/on", { message: { en: "Back soon", fr: "Bientôt de retour" } })).status).toBe(200);
    const page = await (await fetch(`${pitstop.url}/menu`, { headers: { "accept-language": "fr-FR" } })).text();
    expect(page).toContain('<form class="notify" data-pitstop="notify" method="post" action="/__maint/notify">');
    expect(page).toContain('<input type="hidden" name="lang" value="fr" data-pitstop="notify-lang">');
  });

  it("subscribes by form (303 back to the page) and by JSON (202)", async () => {
    const form = await subscribe("marie@example.org", { lang: "fr" });
    expect(form.status).toBe(303);
    expect(form.headers.get("location")).toBe("/menu#pitstop-notify-ok");
    expect((await subscribe("jordi@example.org", { lang: "ca" })).status).toBe(303);
    const json = await subscribe("sam@example.org", { json: true, language: "en-AU" });
    expect(json.status).toBe(202);
    expect(await json.json()).toMatchObject({ ok: true, subscribed: true });
    // Once more: still one entry.
    expect((await subscribe("Marie@Example.org", { lang: "fr" })).status).toBe(303);
    expect(await notifyStatus()).toMatchObject({ enabled: true, subscribed: 3, pending: 0, sent: 0, failed: 0 });
  });

  it("refuses a bad address with 400", async () => {
    const res = await subscribe("marie@", { json: true });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: "urn:pitstop:notify-invalid-email", status: 400 });
    expect((await subscribe("not an address")).status).toBe(400);
  });

  it("refuses a sixth post a minute from one client with 429", async () => {
    const client = "198.51.100.77";
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await subscribe(`bad-${i}`, { ip: client, json: true })).status);
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
    const res = await subscribe("late@example.org", { ip: client });
    expect(res.status).toBe(429);
    expect(await res.text()).toContain("Too many tries");
    expect(await notifyStatus()).toMatchObject({ subscribed: 3 });
  });

  it("`off` sends one email per subscriber, in their language, then deletes the addresses", async () => {
    const subscribers = ["jordi@example.org", "marie@example.org", "sam@example.org"];
    expect(await storedAddresses(subscribers)).toEqual(subscribers);
    expect((await adminPost("/off")).status).toBe(200);

    const deadline = Date.now() + 20_000;
    while ((await notifyStatus()).sent !== 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await notifyStatus()).toMatchObject({ subscribed: 0, pending: 0, sent: 3, failed: 0 });

    // wrangler logs each simulated email just after the send returns.
    const recipientsSoFar = () => simulatedEmails().flatMap((e) => [...e.to, ...e.bcc]).filter((a) => a !== FROM);
    while (recipientsSoFar().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const emails = simulatedEmails();
    const delivered = recipientsSoFar();
    expect(delivered.sort()).toEqual(["jordi@example.org", "marie@example.org", "sam@example.org"]);
    const to = (address: string) => emails.find((e) => e.to.includes(address) || e.bcc.includes(address))!;
    expect(to("marie@example.org").subject).toBe("127.0.0.1 est de retour");
    expect(to("jordi@example.org").subject).toBe("127.0.0.1 ja ha tornat");
    expect(to("sam@example.org").subject).toBe("127.0.0.1 is back");
    expect(to("marie@example.org").text).toContain("Bonne nouvelle");
    expect(to("marie@example.org").text).toContain(`${pitstop.url}/`);
    for (const e of emails) {
      expect(e.from).toContain(FROM);
      expect(e.to.length + e.bcc.length).toBeLessThanOrEqual(50);
      expect(e.text).not.toMatch(/@example\.org/);
    }
    // Deleted from the store once sent (the read above proves this one can see them).
    expect(await storedAddresses([])).toEqual([]);
  });

  it("logs counts, never an address", () => {
    // eslint-disable-next-line no-control-regex
    const workerLines = pitstop.output().replace(/\x1b\[[0-9;]*m/g, "").split("\n").filter((l) => l.startsWith("{"));
    expect(workerLines.some((l) => l.includes('"event":"notify.sent"'))).toBe(true);
    for (const line of workerLines) expect(line).not.toMatch(/marie|jordi|sam@/);
  });
});
