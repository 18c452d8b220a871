// The worker under wrangler dev, in front of a real origin, over real HTTP:
// what a visitor and an admin with curl would see.
import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { patternBytes, startOrigin, type Origin } from "../support/origin";
import { kvPut, startPitstop, type Pitstop } from "../support/pitstop";

let origin: Origin;
let pitstop: Pitstop;

beforeAll(async () => {
  origin = await startOrigin();
  pitstop = await startPitstop({ originUrl: origin.url, vars: { CACHE_SECONDS: "1" } });
});
afterAll(async () => {
  await pitstop?.stop();
  await origin?.close();
});

async function adminCall(path: string, body?: unknown): Promise<Response> {
  return fetch(`${pitstop.url}/__maint${path}`, {
    method: body === undefined && path !== "/on" && path !== "/off" && path !== "/read-only" ? "GET" : "POST",
    headers: { authorization: `Bearer ${pitstop.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Raw HTTP, so nothing in the client decodes or follows anything. */
function raw(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${pitstop.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

function sha256OfPattern(size: number): string {
  const h = createHash("sha256");
  for (let off = 0; off < size; off += 1 << 20) h.update(patternBytes(off, Math.min(1 << 20, size - off)));
  return h.digest("hex");
}

describe("passthrough", () => {
  it("streams a 64 MB download byte-exact", async () => {
    const size = 64 * 1024 * 1024;
    const res = await fetch(`${pitstop.url}/download?bytes=${size}`);
    expect(res.status).toBe(200);
    const h = createHash("sha256");
    let length = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      h.update(chunk);
      length += chunk.length;
    }
    expect(length).toBe(size);
    expect(h.digest("hex")).toBe(sha256OfPattern(size));
  });

  it("streams a 32 MB upload byte-exact", async () => {
    const size = 32 * 1024 * 1024;
    async function* chunks() {
      for (let off = 0; off < size; off += 1 << 20) yield patternBytes(off, Math.min(1 << 20, size - off));
    }
    const res = await fetch(`${pitstop.url}/upload`, {
      method: "PUT",
      body: Readable.toWeb(Readable.from(chunks())) as ReadableStream,
      duplex: "half",
    } as RequestInit);
    const echo = (await res.json()) as { bodyLength: number; bodySha256: string; method: string };
    expect(echo.method).toBe("PUT");
    expect(echo.bodyLength).toBe(size);
    expect(echo.bodySha256).toBe(sha256OfPattern(size));
  });

  it("keeps every Set-Cookie header", async () => {
    const res = await raw("/cookies");
    expect(res.headers["set-cookie"]).toEqual(["a=1; Path=/; HttpOnly", "b=2; Path=/; Secure", "c=3; Path=/shop; Max-Age=60"]);
  });

  it("returns redirects unfollowed", async () => {
    const res = await raw("/redirect");
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe("/html");
  });

  it("passes compressed bodies through with their encoding", async () => {
    const res = await raw("/gzip", { "accept-encoding": "gzip" });
    expect(res.headers["content-encoding"]).toBe("gzip");
    const { gunzipSync } = await import("node:zlib");
    expect(gunzipSync(res.body).toString()).toBe("compressed ".repeat(1000));
  });

  it("passes WebSocket upgrades through", async () => {
    const ws = new WebSocket(`${pitstop.url.replace("http", "ws")}/ws`);
    const reply = await new Promise<string>((resolve, reject) => {
      ws.onopen = () => ws.send("ping");
      ws.onmessage = (e) => resolve(String(e.data));
      ws.onerror = () => reject(new Error("websocket failed"));
      setTimeout(() => reject(new Error("websocket timed out")), 10_000);
    });
    ws.close();
    expect(reply).toBe("echo:ping");
  });
});

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

  it("refuses bad admin input with 400 and keeps the state", async () => {
    await adminCall("/on", { message: "keep me" });
    const bad = await adminCall("/on", { retryAfter: "soon" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field: string }).field).toBe("retryAfter");
    const status = (await (await adminCall("/status")).json()) as { effective: { message: string; mode: string } };
    expect(status.effective).toMatchObject({ mode: "maintenance", message: "keep me" });
    await adminCall("/off");
  });

  it("logs one JSON line per admin action", async () => {
    await adminCall("/on", { message: "log line check" });
    await adminCall("/off");
    await new Promise((r) => setTimeout(r, 300));
    const lines = pitstop.output().split("\n").filter((l) => l.includes('"event":"admin.change"'));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const parsed = JSON.parse(lines.at(-1)!.slice(lines.at(-1)!.indexOf("{"))) as { action: string };
    expect(parsed.action).toBe("off");
    expect(pitstop.output()).not.toContain(pitstop.token);
  });

  it("writes no log line of its own for ordinary requests", async () => {
    const events = () => pitstop.output().split("\n").filter((l) => l.includes('"event":')).length;
    const before = events();
    for (let i = 0; i < 20; i++) await (await fetch(`${pitstop.url}/html`)).text();
    await new Promise((r) => setTimeout(r, 300));
    expect(events()).toBe(before);
  });
});

describe("KV faults", () => {
  it("keeps the last good state over a corrupt document, reports it, and /off repairs it", async () => {
    expect((await adminCall("/on", { message: "good state" })).status).toBe(200);
    await kvPut(pitstop, "site:127.0.0.1", "{corrupt");
    await new Promise((r) => setTimeout(r, 1300)); // past CACHE_SECONDS=1
    await fetch(`${pitstop.url}/html`); // the stale request starts the refresh
    await new Promise((r) => setTimeout(r, 300));
    const page = await fetch(`${pitstop.url}/html`);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain("good state");
    const status = (await (await adminCall("/status")).json()) as { faults: Array<{ key: string; reason: string }> };
    expect(status.faults).toEqual([{ key: "site:127.0.0.1", reason: "corrupt: not JSON" }]);
    expect(pitstop.output()).toContain('"event":"state.fault"');

    expect((await adminCall("/off")).status).toBe(200);
    expect((await fetch(`${pitstop.url}/html`)).status).toBe(200);
    expect(((await (await adminCall("/status")).json()) as { faults: unknown[] }).faults).toEqual([]);
  });
});

describe("origin down", () => {
  it("shows the friendly page instead of a raw error, and recovers", async () => {
    const down = await startPitstop({ originUrl: "http://127.0.0.1:9" });
    try {
      const res = await fetch(`${down.url}/`, { headers: { accept: "text/html" } });
      expect(res.status).toBe(502);
      const html = await res.text();
      expect(html).toContain("We'll be right back");
      expect(html).not.toMatch(/ECONNREFUSED|TypeError|at .*\.js/);
    } finally {
      await down.stop();
    }
  });
});
