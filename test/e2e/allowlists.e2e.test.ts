// Allowlists during maintenance: health-check paths and an allowlisted IP — e2e harness, the worker under wrangler dev in front of a real origin, over real HTTP.
import { beforeAll, describe, expect, it } from "vitest";
import { adminPost, pitstop, useStack } from "./helpers";

useStack();

describe("allowlists during maintenance", () => {
  beforeAll(async () => {
    expect((await adminPost("/on", { message: "Upgrading" })).status).toBe(200);
  });

  it("leaves health checks open during maintenance", async () => {
    expect((await fetch(`${pitstop.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${pitstop.url}/healthz/x`)).status).toBe(503);
  });

  it("lets an allowlisted IP through (CF-Connecting-IP as the edge sets it)", async () => {
    expect((await adminPost("/allow", { ips: ["127.0.0.1/32"] })).status).toBe(200);
    // wrangler dev sets CF-Connecting-IP to the client's address: 127.0.0.1 here.
    expect((await fetch(`${pitstop.url}/html`)).status).toBe(200);
    expect((await adminPost("/allow", { ips: [] })).status).toBe(200);
    expect((await fetch(`${pitstop.url}/html`)).status).toBe(503);
    await adminPost("/off");
  });
});
