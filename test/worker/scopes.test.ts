// Scopes: changing another site or *, and following * again (DELETE /state) — worker harness, the whole worker in workerd with real local KV and a real origin.
import { describe, expect, it } from "vitest";
import { admin, deleteDoc, freshSite, putDoc, send, storedDoc } from "./helpers";

describe("scope", () => {
  it("applies a change to another site or to every site with scope", async () => {
    const caller = freshSite();
    const target = freshSite();
    await admin(caller, "/on", { body: { scope: target.toUpperCase() } });
    expect(await storedDoc(caller)).toBeNull();
    expect((await storedDoc(target))?.mode).toBe("maintenance");
    const viaQuery = freshSite();
    await admin(caller, `/on?scope=${viaQuery}`, { method: "POST" });
    expect((await storedDoc(viaQuery))?.mode).toBe("maintenance");
  });
});

describe("following * again", () => {
  it("DELETE /state makes a site follow * again", async () => {
    const site = freshSite();
    await admin(site, "/off", { method: "POST" }); // an own "off" document
    await putDoc("*", { mode: "maintenance" });
    try {
      expect((await send(`https://${site}/html`)).status).toBe(200); // own document wins
      const res = await admin(site, "/state", { method: "DELETE" });
      expect(res.status).toBe(200);
      expect((await storedDoc(site))?.mode).toBe("inherit");
      expect((await send(`https://${site}/html`)).status).toBe(503);
      const { entries } = (await (await admin(site, "/log")).json()) as { entries: Array<{ action: string }> };
      expect(entries[0]?.action).toBe("reset");
      expect((await admin(site, "/state", { method: "DELETE" })).status).toBe(404);
    } finally {
      await deleteDoc("*");
    }
  });

  it("keeps a site following * in maintenance when only its allowlist is set", async () => {
    const site = freshSite();
    await putDoc("*", { mode: "maintenance", message: "everywhere" });
    try {
      expect((await admin(site, "/allow", { body: { paths: ["/webhooks/*"] } })).status).toBe(200);
      expect((await send(`https://${site}/html`)).status).toBe(503);
      expect((await send(`https://${site}/webhooks/x`)).status).toBe(200);
      expect((await storedDoc(site))?.mode).toBe("inherit");
      // It keeps following "*": off for "*" opens it, on again closes it.
      await admin(site, "/off", { body: { scope: "*" } });
      expect((await send(`https://${site}/html`)).status).toBe(200);
      await admin(site, "/on", { body: { scope: "*" } });
      expect((await send(`https://${site}/html`)).status).toBe(503);
      expect((await send(`https://${site}/webhooks/x`)).status).toBe(200);
    } finally {
      await deleteDoc("*");
    }
  });

  it("refuses to reset *", async () => {
    const res = await admin(freshSite(), "/state", { body: { scope: "*" }, method: "DELETE" });
    expect(res.status).toBe(400);
  });

  it("keeps the site's own revocations and allowlists when it goes back to following *", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "maintenance", bypassEpoch: 2, allow: { ips: ["192.0.2.9"], paths: [] } });
    await putDoc("*", { mode: "maintenance", bypassEpoch: 0 });
    try {
      expect((await admin(site, "/state", { method: "DELETE" })).status).toBe(200);
      expect(await storedDoc(site)).toMatchObject({ mode: "inherit", bypassEpoch: 2, allow: { ips: ["192.0.2.9"] } });
      expect((await storedDoc("*"))?.bypassEpoch).toBe(0);
    } finally {
      await deleteDoc("*");
    }
  });
});

describe("the site key", () => {
  it.each(["shop-{n}.test.", "SHOP-{n}.TEST", "Shop-{n}.Test."])("is the same site however the Host is written (%s)", async (spelling) => {
    const n = crypto.randomUUID().slice(0, 8);
    const site = `shop-${n}.test`;
    await putDoc(site, { mode: "read-only" });
    const host = spelling.replace("{n}", n);
    expect((await send(`https://${host}/cart`, { method: "POST", body: "x" })).status).toBe(503);
    expect((await send(`https://${host}:443/cart`, { method: "POST", body: "x" })).status).toBe(503);
    await putDoc(site, { mode: "maintenance" });
    expect((await send(`https://${host}/html`)).status).toBe(503);
  });

  it("takes a scope with a trailing dot as the same site", async () => {
    const site = freshSite();
    expect((await admin(site, "/on", { body: { scope: `${site}.` } })).status).toBe(200);
    expect((await send(`https://${site}/html`)).status).toBe(503);
  });
});
