// Scheduled windows (POST and DELETE /schedule) and what visitors and status.json see — worker harness, the whole worker in workerd with real local KV and a real origin.
import { describe, expect, it } from "vitest";
import { admin, freshSite, send, storedDoc } from "./helpers";

const iso = (ms: number) => new Date(ms).toISOString();

describe("scheduling a window", () => {
  it("runs the site normally before startsAt and says so in status.json", async () => {
    const site = freshSite();
    const startsAt = iso(Date.now() + 2 * 86_400_000);
    const res = await admin(site, "/schedule", { body: { startsAt, message: "Database upgrade", mode: "read-only" } });
    expect(res.status).toBe(200);
    expect((await send(`https://${site}/cart`, { method: "POST", body: "x" })).status).toBe(200);
    const status = await (await send(`https://${site}/__maint/status.json`)).json();
    expect(status).toMatchObject({ mode: "off", phase: "scheduled", startsAt, message: "Database upgrade" });
  });

  it("applies the mode from startsAt by itself, with no cron needed", async () => {
    const site = freshSite();
    await admin(site, "/schedule", { body: { startsAt: iso(Date.now() + 1500) } });
    expect((await send(`https://${site}/html`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    expect((await send(`https://${site}/html`)).status).toBe(503);
  });

  it("requires startsAt and a sane window, changing nothing otherwise", async () => {
    const site = freshSite();
    for (const body of [
      {},
      { startsAt: "2001-01-01T00:00:00Z" },
      { startsAt: iso(Date.now() + 7_200_000), endsAt: iso(Date.now() + 3_600_000) },
    ]) {
      const res = await admin(site, "/schedule", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(await storedDoc(site)).toBeNull();
  });

  it("is cancelled by DELETE /schedule", async () => {
    const site = freshSite();
    await admin(site, "/schedule", { body: { startsAt: iso(Date.now() + 3_600_000) } });
    const res = await admin(site, "/schedule", { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { transition: string }).transition).toBe("cancelled");
    expect((await storedDoc(site))?.mode).toBe("off");
  });
});

describe("cancelling when nothing is scheduled", () => {
  it("answers 200 and changes nothing for a site that follows *", async () => {
    const site = freshSite();
    const res = await admin(site, "/schedule", { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { transition: string }).transition).toBe("updated");
    expect(await storedDoc(site)).toBeNull();
  });
});
