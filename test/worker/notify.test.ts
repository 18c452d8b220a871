// "Email me when we're back": the form on the page, POST /notify (303, JSON, 400, 409, 429, 404), the counts, and the emails when the site comes back (off, autoEnd by the cron sweep, a cancelled window), with Email Service's errors and a restart halfway — worker harness, the whole worker in workerd with the real Durable Objects and rate limiter.
import { createExecutionContext, createScheduledController, env, evictDurableObject, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Language } from "../../src/core/message";
import { t } from "../../src/i18n/catalog";
import worker from "../../src/index";
import { MAX_ATTEMPTS, NOTIFY_STORE_NAME, type NotifyStore } from "../../src/notify/store";
import { Recorder } from "../support/mailer";
import { admin, freshSite, putDoc, send, testEnv } from "./helpers";

const FROM = "maintenance@example.org";
const HOUR = 3600_000;

/** The deployment with the feature on (the default wrangler.toml leaves NOTIFY_FROM empty). */
let on: ReturnType<typeof testEnv>;
const off = () => testEnv();

let ipCounter = 0;
/** Each test posts from its own client, so the per-client limit (5 a minute) is its own. */
const newIp = () => `198.51.100.${++ipCounter}`;

const store = () => env.NOTIFY_STORE.get(env.NOTIFY_STORE.idFromName(NOTIFY_STORE_NAME));

let mailer: Recorder;
async function useRecorder(): Promise<void> {
  mailer = new Recorder();
  await runInDurableObject(store(), (instance: NotifyStore) => {
    instance.mailer = mailer;
  });
}

beforeEach(async () => {
  on ??= testEnv({ NOTIFY_FROM: FROM });
  await useRecorder();
});

/** Polls until `check` holds (the store's alarm may be running on its own meanwhile). */
async function until(check: () => Promise<boolean> | boolean, what = "condition"): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Makes `site`'s pending addresses due now and sets the alarm, as the passing of time would. */
async function dueNow(site: string): Promise<void> {
  await runInDurableObject(store(), (_i: NotifyStore, state: DurableObjectState) => {
    state.storage.sql.exec("UPDATE subscribers SET next_try_at = 0 WHERE site = ? AND due_at IS NOT NULL", site);
    return state.storage.setAlarm(Date.now());
  });
  await runDurableObjectAlarm(store());
}

async function attemptsOf(site: string, address: string): Promise<number | null> {
  return runInDurableObject(store(), (_i: NotifyStore, state: DurableObjectState) => {
    const row = state.storage.sql.exec<{ attempts: number }>("SELECT attempts FROM subscribers WHERE site = ? AND address = ?", site, address).toArray()[0];
    return row ? row.attempts : null;
  });
}

/** Runs the store's alarm if it is due, until nothing for `site` is pending. */
async function settle(site: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    await runDurableObjectAlarm(store());
    if ((await store().counts(site)).pending === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The form as a browser without JavaScript posts it. */
function postForm(site: string, email: string, opts: { lang?: string; from?: string; ip?: string; acceptLanguage?: string; extra?: Record<string, string> } = {}, e = on) {
  const body = new URLSearchParams({ email, ...(opts.lang ? { lang: opts.lang } : {}), ...opts.extra });
  return send(
    `https://${site}/__maint/notify`,
    {
      method: "POST",
      body,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "text/html,application/xhtml+xml,*/*;q=0.8",
        "sec-fetch-dest": "document",
        referer: `https://${site}${opts.from ?? "/menu"}`,
        "cf-connecting-ip": opts.ip ?? newIp(),
        ...(opts.acceptLanguage ? { "accept-language": opts.acceptLanguage } : {}),
      },
      redirect: "manual",
    },
    e,
  );
}

function postJson(site: string, body: unknown, opts: { ip?: string; acceptLanguage?: string } = {}, e = on) {
  return send(
    `https://${site}/__maint/notify`,
    {
      method: "POST",
      body: typeof body === "string" ? body : JSON.stringify(body),
      headers: { "content-type": "application/json", accept: "application/json", "cf-connecting-ip": opts.ip ?? newIp(), ...(opts.acceptLanguage ? { "accept-language": opts.acceptLanguage } : {}) },
    },
    e,
  );
}

/** A site switched on through the admin API of the deployment with the feature on (its isolate sees it at once). */
async function maintenanceSite(body: Record<string, unknown> = {}): Promise<string> {
  const site = freshSite("notify");
  const res = await admin(site, "/on", { body }, on);
  expect(res.status).toBe(200);
  return site;
}

async function statusOf(site: string) {
  return (await (await admin(site, "/status", {}, on)).json()) as { notify: { enabled: boolean; subscribed: number; pending: number; sent: number; failed: number } };
}

describe("the form on the maintenance page", () => {
  it("is offered when EMAIL and NOTIFY_FROM are configured, in the page's language, posting to /notify", async () => {
    const site = await maintenanceSite();
    const res = await send(`https://${site}/menu`, { headers: { "accept-language": "ca-ES" } }, on);
    expect(res.status).toBe(503);
    // The form's POST carries this page's address (same site only), to come back to it.
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    const html = await res.text();
    expect(html).toContain('<form class="notify" data-pitstop="notify" method="post" action="/__maint/notify">');
    expect(html).toContain(`<label for="pitstop-email" data-i18n="notify.title">${t("ca", "notify.title")}</label>`);
    expect(html).toContain(`placeholder="${t("ca", "notify.label")}"`);
    expect(html).toContain('<input type="hidden" name="lang" value="ca" data-pitstop="notify-lang">');
    expect(html).toContain(`id="pitstop-notify-ok" data-pitstop="notify-ok" role="status" data-i18n="notify.thanks">${t("ca", "notify.thanks")}</p>`);
  });

  it("is not offered, and /notify answers 404, without the configuration", async () => {
    const site = freshSite("notify");
    await putDoc(site, { mode: "maintenance" });
    const res = await send(`https://${site}/`, {}, off());
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await res.text();
    expect(html).not.toContain("<form");
    expect(html).not.toContain('id="pitstop-notify-ok"');
    const post = await postForm(site, "ana@example.org", {}, off());
    expect(post.status).toBe(404);
    expect(await post.json()).toMatchObject({ error: "not_found" });
  });

  it("is not on a rule's page, the read-only page or the origin-down page", async () => {
    const site = freshSite("notify");
    await admin(site, "/rules", { body: { id: "checkout", paths: ["/checkout"] } }, on);
    const rule = await send(`https://${site}/checkout`, {}, on);
    expect(rule.status).toBe(503);
    expect(await rule.text()).not.toContain("<form");
    const ro = freshSite("notify");
    await admin(ro, "/read-only", { body: {} }, on);
    const refused = await send(`https://${ro}/x`, { method: "POST", body: "a" }, on);
    expect(refused.status).toBe(503);
    expect(await refused.text()).not.toContain("<form");
    const down = await send(`https://${freshSite()}/status/502`, {}, on);
    expect(down.status).toBe(502);
    expect(await down.text()).not.toContain("<form");
  });
});

describe("POST /notify", () => {
  it("takes a form without JavaScript: 303 back to the page, which thanks the visitor", async () => {
    const site = await maintenanceSite();
    const res = await postForm(site, "ana@example.org", { lang: "fr", from: "/menu/today?day=2" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/menu/today#pitstop-notify-ok");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect((await statusOf(site)).notify).toMatchObject({ enabled: true, subscribed: 1, pending: 0, sent: 0, failed: 0 });
  });

  it("answers JSON clients with JSON, in their language", async () => {
    const site = await maintenanceSite();
    const res = await postJson(site, { email: "bob@example.org" }, { acceptLanguage: "nl-NL" });
    expect(res.status).toBe(202);
    expect(res.headers.get("content-language")).toBe("nl");
    expect(await res.json()).toEqual({ ok: true, subscribed: true, message: t("nl", "notify.thanks") });
  });

  it("goes back home when the page it came from is not a plain page of this site", async () => {
    const site = await maintenanceSite();
    for (const from of ["https://evil.example/phish", "//evil.example/x", "javascript:alert(1)", `https://${site}/a%3Cb%3E`, `https://${site}/__maint/status`, `https://${site}//evil.example/`]) {
      const res = await send(`https://${site}/__maint/notify`, {
        method: "POST",
        body: new URLSearchParams({ email: "cy@example.org" }),
        headers: { "content-type": "application/x-www-form-urlencoded", referer: from, "cf-connecting-ip": newIp() },
        redirect: "manual",
      }, on);
      expect(res.headers.get("location"), from).toBe("/#pitstop-notify-ok");
    }
  });

  it("refuses a bad address with 400, in the visitor's language, without repeating it", async () => {
    const site = await maintenanceSite();
    const page = await postForm(site, "not-an-address<b>", { acceptLanguage: "de-DE" });
    expect(page.status).toBe(400);
    expect(page.headers.get("content-language")).toBe("de");
    const html = await page.text();
    expect(html).toContain(t("de", "notify.invalidTitle"));
    expect(html).toContain('href="/menu"');
    expect(html).not.toContain("not-an-address");
    const json = await postJson(site, { email: "nope" }, { acceptLanguage: "es" });
    expect(json.status).toBe(400);
    expect(json.headers.get("content-type")).toBe("application/problem+json");
    expect(await json.json()).toEqual({ type: "urn:pitstop:notify-invalid-email", title: t("es", "notify.invalidTitle"), status: 400, detail: t("es", "notify.invalid") });
    for (const body of ["{not json", "[]", JSON.stringify({ email: 42 }), JSON.stringify({})]) expect((await postJson(site, body)).status, body).toBe(400);
    expect((await statusOf(site)).notify.subscribed).toBe(0);
  });

  it("keeps one entry per address, whatever its case, with the newest language", async () => {
    const site = await maintenanceSite();
    await postForm(site, "Dana@Example.org", { lang: "en" });
    await postForm(site, "dana@example.ORG", { lang: "it" });
    expect((await statusOf(site)).notify.subscribed).toBe(1);
    await admin(site, "/off", { body: {} }, on);
    await settle(site);
    expect(mailer.recipients(FROM).filter((a) => a === "dana@example.org")).toHaveLength(1);
    expect(mailer.sent.find((m) => m.to.includes("dana@example.org"))!.subject).toBe(t("it", "email.subject", { site }));
  });

  it("keeps at most NOTIFY_MAX addresses per site: 409 after that", async () => {
    const e = testEnv({ NOTIFY_FROM: FROM, NOTIFY_MAX: "2" });
    const site = freshSite("notify");
    await admin(site, "/on", { body: {} }, e);
    expect((await postJson(site, { email: "one@example.org" }, {}, e)).status).toBe(202);
    expect((await postJson(site, { email: "two@example.org" }, {}, e)).status).toBe(202);
    const full = await postJson(site, { email: "three@example.org" }, {}, e);
    expect(full.status).toBe(409);
    expect(await full.json()).toMatchObject({ type: "urn:pitstop:notify-full", title: t("en", "notify.fullTitle") });
    // Already waiting is not more: the same answer as the first time.
    expect((await postJson(site, { email: "two@example.org" }, {}, e)).status).toBe(202);
  });

  it("limits each client to 5 a minute (429), counting bad addresses too, and not other clients", async () => {
    const site = await maintenanceSite();
    const ip = newIp();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await postJson(site, { email: i === 0 ? "bad" : `p${i}@example.org` }, { ip })).status);
    expect(statuses.slice(0, 5)).toEqual([400, 202, 202, 202, 202]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const limited = await postForm(site, "late@example.org", { ip, acceptLanguage: "pt-BR" });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(await limited.text()).toContain(t("pt", "notify.limitedTitle"));
    expect((await postJson(site, { email: "other@example.org" })).status).toBe(202);
  });

  it("takes nothing while the site is up: the form just goes back, JSON gets 409", async () => {
    const site = freshSite("notify");
    const form = await postForm(site, "eve@example.org", { from: "/shop" });
    expect(form.status).toBe(303);
    expect(form.headers.get("location")).toBe("/shop");
    expect((await postJson(site, { email: "eve@example.org" })).status).toBe(409);
    expect((await statusOf(site)).notify.subscribed).toBe(0);
  });
});

describe("when the site is back", () => {
  async function subscribe(site: string, who: Array<[string, Language]>): Promise<void> {
    for (const [email, lang] of who) expect((await postForm(site, email, { lang })).status).toBe(303);
  }

  it("off: one email per subscriber, in the language each subscribed in; then the addresses are gone", async () => {
    const site = await maintenanceSite();
    await subscribe(site, [["fr1@example.org", "fr"], ["fr2@example.org", "fr"], ["de1@example.org", "de"], ["en1@example.org", "en"]]);
    expect((await statusOf(site)).notify).toMatchObject({ subscribed: 4, pending: 0, sent: 0 });

    await admin(site, "/off", { body: {} }, on);
    await settle(site);

    expect(mailer.recipients(FROM).sort()).toEqual(["de1@example.org", "en1@example.org", "fr1@example.org", "fr2@example.org"]);
    const fr = mailer.sent.find((m) => m.bcc.includes("fr1@example.org"))!;
    expect(fr.to).toEqual([FROM]);
    expect(fr.bcc.sort()).toEqual(["fr1@example.org", "fr2@example.org"]);
    expect(fr.subject).toBe(`${site} est de retour`);
    expect(fr.text).toContain(t("fr", "email.body", { site }));
    expect(mailer.sent.find((m) => m.to.includes("de1@example.org"))!.subject).toBe(`${site} ist wieder da`);
    expect(mailer.sent.find((m) => m.to.includes("en1@example.org"))!.subject).toBe(`${site} is back`);
    expect((await statusOf(site)).notify).toMatchObject({ subscribed: 0, pending: 0, sent: 4, failed: 0 });
    await runInDurableObject(store(), (_i: NotifyStore, state: DurableObjectState) => {
      expect(state.storage.sql.exec("SELECT COUNT(*) AS n FROM subscribers WHERE site = ?", site).one().n).toBe(0);
    });
  });

  it("autoEnd at endsAt: the cron sweep notices and sends", async () => {
    const site = await maintenanceSite({ endsAt: new Date(Date.now() + 1500).toISOString(), autoEnd: true });
    await subscribe(site, [["auto@example.org", "es"]]);
    await new Promise((r) => setTimeout(r, 1600));
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), on, ctx);
    await waitOnExecutionContext(ctx);
    await settle(site);
    expect(mailer.recipients(FROM)).toEqual(["auto@example.org"]);
    expect(mailer.sent[0]!.subject).toBe(`${site} ha vuelto`);
  });

  it("a started window that is cancelled brings the site back too", async () => {
    const site = freshSite("notify");
    await admin(site, "/schedule", { body: { startsAt: new Date(Date.now() + 1000).toISOString(), endsAt: new Date(Date.now() + HOUR).toISOString() } }, on);
    await new Promise((r) => setTimeout(r, 1100));
    await subscribe(site, [["cancel@example.org", "nl"]]);
    expect((await statusOf(site)).notify.subscribed).toBe(1);
    const cancel = await admin(site, "/schedule", { method: "DELETE", body: {} }, on);
    expect(((await cancel.json()) as { transition: string }).transition).toBe("ended");
    await settle(site);
    expect(mailer.recipients(FROM)).toEqual(["cancel@example.org"]);
  });

  it("switching to read-only counts as back (the page reloads into the site); another maintenance change does not", async () => {
    const site = await maintenanceSite();
    await subscribe(site, [["wait@example.org", "en"]]);
    await admin(site, "/on", { body: { message: "Still busy" } }, on);
    await settle(site);
    expect(mailer.sent).toEqual([]);
    expect((await statusOf(site)).notify.subscribed).toBe(1);
    await admin(site, "/read-only", { body: {} }, on);
    await settle(site);
    expect(mailer.recipients(FROM)).toEqual(["wait@example.org"]);
  });

  it("sends at most 50 recipients per email, the sender's own copy counted", async () => {
    const site = await maintenanceSite();
    for (let i = 0; i < 120; i++) {
      await store().subscribe({ site, origin: `https://${site}`, address: `bulk${i}@example.org`, lang: "en", now: Date.now(), ttlMs: HOUR, max: 1000 });
    }
    await admin(site, "/off", { body: {} }, on);
    await settle(site);
    expect(mailer.sent.map((m) => m.to.length + m.bcc.length)).toEqual([50, 50, 23]);
    expect(new Set(mailer.recipients(FROM)).size).toBe(120);
    expect((await statusOf(site)).notify).toMatchObject({ pending: 0, sent: 120 });
  });

  it("a suppressed address fails alone; the others are sent", async () => {
    const site = await maintenanceSite();
    await subscribe(site, [["ok1@example.org", "en"], ["bounced@example.org", "en"], ["ok2@example.org", "en"]]);
    mailer.fail = (m) => (m.bcc.length || m.to.includes("bounced@example.org") ? "E_RECIPIENT_SUPPRESSED" : null);
    await admin(site, "/off", { body: {} }, on);
    await settle(site);
    expect(mailer.recipients(FROM).sort()).toEqual(["ok1@example.org", "ok2@example.org"]);
    expect((await statusOf(site)).notify).toMatchObject({ subscribed: 0, pending: 0, sent: 2, failed: 1 });
  });

  it("the sender's rate limit pauses sending without losing anyone, and it resumes", async () => {
    const site = await maintenanceSite();
    await subscribe(site, [["patient@example.org", "en"]]);
    mailer.fail = () => "E_RATE_LIMIT_EXCEEDED";
    await admin(site, "/off", { body: {} }, on);
    await runDurableObjectAlarm(store());
    // Backing off: the next run a minute or more away, nobody sent, nobody given up.
    await until(async () => ((await runInDurableObject(store(), (_i: NotifyStore, state: DurableObjectState) => state.storage.getAlarm())) ?? 0) > Date.now() + 50_000, "the backed-off alarm");
    expect((await statusOf(site)).notify).toMatchObject({ pending: 1, sent: 0, failed: 0 });
    expect(await attemptsOf(site, "patient@example.org")).toBe(0);
    mailer.fail = () => null;
    await dueNow(site);
    await settle(site);
    expect(mailer.recipients(FROM)).toEqual(["patient@example.org"]);
  });

  it(`a failing service is retried later, and given up after ${MAX_ATTEMPTS} tries`, async () => {
    const site = await maintenanceSite();
    const address = "retry@example.org";
    await subscribe(site, [[address, "en"]]);
    mailer.fail = () => "E_INTERNAL_SERVER_ERROR";
    await admin(site, "/off", { body: {} }, on);
    await until(async () => (await attemptsOf(site, address)) === 1, "the first try");
    for (let i = 2; i < MAX_ATTEMPTS; i++) {
      await dueNow(site);
      await until(async () => (await attemptsOf(site, address)) === i, `try ${i}`);
      expect((await statusOf(site)).notify, `try ${i}`).toMatchObject({ pending: 1, failed: 0 });
    }
    await dueNow(site);
    await until(async () => (await statusOf(site)).notify.failed === 1, "giving up");
    expect((await statusOf(site)).notify).toMatchObject({ pending: 0, sent: 0, failed: 1 });
    expect(await attemptsOf(site, address)).toBeNull();
  });

  it("survives being stopped halfway: what was accepted is gone, the rest is sent by the next instance", async () => {
    const site = await maintenanceSite();
    await subscribe(site, [["first@example.org", "en"], ["second@example.org", "fr"]]);
    // The first send is accepted; the second fails, and the object is stopped right after.
    mailer.fail = (m) => (m.to.includes("second@example.org") ? "E_INTERNAL_SERVER_ERROR" : null);
    await admin(site, "/off", { body: {} }, on);
    await runDurableObjectAlarm(store());
    await until(async () => (await attemptsOf(site, "second@example.org")) === 1, "the first run");
    expect(mailer.recipients(FROM)).toEqual(["first@example.org"]);
    expect(await attemptsOf(site, "first@example.org")).toBeNull();
    await evictDurableObject(store());
    // A fresh instance (with a fresh recorder) carries on from what is stored.
    await useRecorder();
    await dueNow(site);
    await settle(site);
    expect(mailer.recipients(FROM)).toEqual(["second@example.org"]);
    expect((await statusOf(site)).notify).toMatchObject({ pending: 0, sent: 2, failed: 0 });
  });
});

describe("privacy", () => {
  const logs: string[] = [];
  beforeEach(() => {
    logs.length = 0;
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(" ")));
    }
  });
  afterEach(() => vi.restoreAllMocks());

  it("an address and what a visitor typed reach no response, log line, status, audit log or email", async () => {
    const site = await maintenanceSite();
    const address = "canary.7f3a@example.org";
    const typed = "<script>alert('typed-canary')</script>";
    const responses: string[] = [];
    const record = async (res: Response) => {
      responses.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
    };
    await record(
      await send(`https://${site}/__maint/notify`, {
        method: "POST",
        body: new URLSearchParams({ email: address, lang: typed, name: typed, message: typed }),
        headers: { "content-type": "application/x-www-form-urlencoded", referer: `https://${site}/${encodeURIComponent(typed)}`, "accept-language": typed, "cf-connecting-ip": newIp() },
        redirect: "manual",
      }, on),
    );
    await record(await postJson(site, { email: address, lang: typed, extra: typed }));
    await record(await postJson(site, { email: `${typed}@example.org` }));
    await record(await postForm(site, `${address}${typed}`));
    await record(await admin(site, "/status", {}, on));
    await record(await send(`https://${site}/__maint/status.json`, {}, on));
    await record(await send(`https://${site}/`, {}, on));
    await admin(site, "/off", { body: {} }, on);
    await settle(site);
    await record(await admin(site, "/log", {}, on));
    await record(await admin(site, "/status", {}, on));

    expect(mailer.recipients(FROM)).toEqual([address]);
    const email = mailer.sent[0]!;
    for (const [what, text] of [["responses", responses.join("\n")], ["logs", logs.join("\n")], ["email", `${email.subject}\n${email.text}\n${email.html}`]] as const) {
      expect(text, what).not.toContain("canary.7f3a");
      expect(text, what).not.toContain("typed-canary");
    }
    // The logs did see the sending (counts only).
    expect(logs.join("\n")).toMatch(/"event":"notify.sent".*"count":1/);
  });
});
