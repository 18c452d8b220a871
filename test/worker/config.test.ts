// Configuration errors in the running worker: named for the admin, hidden from visitors — worker harness, the whole worker in workerd with real local KV and a real origin.
import { describe, expect, it } from "vitest";
import type { Bindings } from "../../src/config";
import { admin, freshSite, send, testEnv } from "./helpers";

describe("configuration", () => {
  it("names the variable when configuration is bad, and tells visitors nothing", async () => {
    const e: Bindings = testEnv({ CACHE_SECONDS: "soon" });
    const visitor = await send(`https://${freshSite()}/`, {}, e);
    expect(visitor.status).toBe(500);
    expect(await visitor.text()).not.toContain("CACHE_SECONDS");
    const adminRes = await admin(freshSite(), "/status", {}, e);
    const text = await adminRes.text();
    expect(text).toContain("CACHE_SECONDS");
    expect(text).not.toContain("soon"); // values may be secrets (webhook URLs): never echoed
  });
});
