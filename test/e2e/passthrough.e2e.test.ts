// Passthrough: streaming, headers, encodings, WebSockets, and a down origin — e2e harness, the worker under wrangler dev in front of a real origin, over real HTTP.
import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { patternBytes } from "../support/origin";
import { startPitstop } from "../support/pitstop";
import { pitstop, useStack } from "./helpers";

useStack();

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
