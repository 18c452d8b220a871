// Maintenance and read-only modes switched with curl, as a visitor sees them — e2e harness, the worker under wrangler dev in front of a real origin, over real HTTP.
import { describe, expect, it } from "vitest";
import { adminCall, origin, pitstop, useStack } from "./helpers";

useStack();

describe("modes with curl", () => {
  it("goes on, read-only and off, as a visitor sees it", async () => {
    expect((await adminCall("/on")).status).toBe(200);
    const page = await fetch(`${pitstop.url}/menu`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(503);
    expect(page.headers.get("retry-after")).toBe("300");
    expect(await page.text()).toContain("<html");

    expect((await adminCall("/read-only", { message: "Reading is fine" })).status).toBe(200);
    expect((await fetch(`${pitstop.url}/html`)).status).toBe(200);
    const before = origin.seen.length;
    const write = await fetch(`${pitstop.url}/cart`, { method: "POST", body: "x=1", headers: { accept: "application/json" } });
    expect(write.status).toBe(503);
    expect(((await write.json()) as { detail: string }).detail).toBe("Reading is fine");
    expect(origin.seen.length).toBe(before);

    expect((await adminCall("/off")).status).toBe(200);
    expect((await fetch(`${pitstop.url}/html`)).status).toBe(200);
  });
});
