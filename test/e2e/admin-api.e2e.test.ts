// The admin API with curl: bad input is refused and changes nothing — e2e harness, the worker under wrangler dev in front of a real origin, over real HTTP.
import { describe, expect, it } from "vitest";
import { adminCall, useStack } from "./helpers";

useStack();

describe("admin input with curl", () => {
  it("refuses bad admin input with 400 and keeps the state", async () => {
    await adminCall("/on", { message: "keep me" });
    const bad = await adminCall("/on", { retryAfter: "soon" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field: string }).field).toBe("retryAfter");
    const status = (await (await adminCall("/status")).json()) as { effective: { message: string; mode: string } };
    expect(status.effective).toMatchObject({ mode: "maintenance", message: "keep me" });
    await adminCall("/off");
  });
});
