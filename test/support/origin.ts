// A real HTTP origin on 127.0.0.1 for the worker and end-to-end tests.
// Every route answers something a test can check byte for byte, so the tests
// can prove that the worker passed requests and responses through unchanged.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";

export interface Origin {
  url: string;
  port: number;
  /** Requests seen so far, newest last (method and path only). */
  seen: Array<{ method: string; path: string }>;
  close(): Promise<void>;
}

/** Deterministic bytes: byte i is (i * 7 + 3) & 0xff, so any offset can be checked. */
export function patternBytes(start: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) buf[i] = ((start + i) * 7 + 3) & 0xff;
  return buf;
}

export { HTML_PAGE } from "./fixtures.ts";
import { HTML_PAGE } from "./fixtures.ts";

function sha256(chunks: Buffer[]): string {
  const h = createHash("sha256");
  for (const c of chunks) h.update(c);
  return h.digest("hex");
}

/** Webhook deliveries received, oldest first (see /hooks/ and /hooks-log). */
const hooks: Array<{ path: string; headers: Record<string, string>; body: string }> = [];

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://origin.local");
  const path = url.pathname;

  if (path === "/html") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(HTML_PAGE);
    return;
  }
  if (path === "/json") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true }));
    return;
  }
  if (path === "/cookies") {
    res.writeHead(200, {
      "content-type": "text/plain",
      "set-cookie": ["a=1; Path=/; HttpOnly", "b=2; Path=/; Secure", "c=3; Path=/shop; Max-Age=60"],
    });
    res.end("three cookies");
    return;
  }
  if (path === "/redirect") {
    res.writeHead(302, { location: "/html", "set-cookie": "r=1; Path=/" });
    res.end();
    return;
  }
  if (path === "/gzip") {
    const body = gzipSync(Buffer.from("compressed ".repeat(1000)));
    res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip", "content-length": body.length });
    res.end(body);
    return;
  }
  if (path.startsWith("/status/")) {
    const code = Number(path.slice("/status/".length));
    res.writeHead(code, { "content-type": "text/plain" });
    res.end(`origin says ${code}: internal detail that must not leak`);
    return;
  }
  if (path.startsWith("/hooks/")) {
    // A webhook receiver: records what arrived; /hooks/fail always answers 500.
    let body = "";
    for await (const chunk of req) body += chunk;
    hooks.push({ path, headers: req.headers as Record<string, string>, body });
    res.writeHead(path === "/hooks/fail" ? 500 : 200, { "content-type": "text/plain" });
    res.end("ok");
    return;
  }
  if (path === "/hooks-log") {
    const prefix = url.searchParams.get("path") ?? "";
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(hooks.filter((h) => h.path.startsWith(prefix))));
    return;
  }
  if (path === "/download") {
    // Streamed in 64 KiB chunks with back-pressure: never held in memory whole.
    const size = Number(url.searchParams.get("bytes") ?? 1024);
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": size });
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const n = Math.min(65536, size - sent);
        const ok = res.write(patternBytes(sent, n));
        sent += n;
        if (!ok) return void res.once("drain", pump);
      }
      res.end();
    };
    pump();
    return;
  }
  if (path === "/slow-html") {
    // The first chunk arrives long before the rest: proves the worker streams.
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.write("<!doctype html><html><head><title>slow</title></head><body><p>first</p>");
    setTimeout(() => res.end("<p>last</p></body></html>"), Number(url.searchParams.get("ms") ?? 1500));
    return;
  }

  if (path.startsWith("/banner/") && bannerRoute(path, url, req, res)) return;

  // Default: echo what arrived, hashing the body as it streams in.
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  const echo = {
    method: req.method,
    path,
    query: url.search,
    headers: req.headers,
    bodyLength: length,
    bodySha256: sha256(chunks),
    body: length <= 4096 ? Buffer.concat(chunks).toString("utf8") : undefined,
  };
  res.writeHead(200, { "content-type": "application/json", "x-origin": "test-origin" });
  res.end(JSON.stringify(echo));
}

/** Page kinds the banner must, or must not, be injected into (test/worker/banner.test.ts). */
const BANNER_PAGE =
  "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Shop</title></head>" +
  "<body class=\"home\"><main><h1>Fresh food</h1><p>Caf\u00e9 &amp; deli, \u2713 delivered.</p></main></body></html>";

function bannerRoute(path: string, url: URL, req: IncomingMessage, res: ServerResponse): boolean {
  const html = (status: number, body: string | Buffer, headers: Record<string, string | string[]> = {}) => {
    const bytes = typeof body === "string" ? Buffer.from(body) : body;
    res.writeHead(status, { "content-type": "text/html; charset=utf-8", "content-length": bytes.length, ...headers });
    res.end(bytes);
  };
  switch (path) {
    case "/banner/page":
      // Revalidation like a real origin: a matching ETag gets 304 Not Modified.
      if (req.headers["if-none-match"] === '"v1"') {
        res.writeHead(304, { etag: '"v1"' });
        res.end();
        return true;
      }
      html(200, BANNER_PAGE, {
        "set-cookie": ["a=1; Path=/; HttpOnly", "b=2; Path=/; Secure", "c=3; Path=/shop; Max-Age=60"],
        "cache-control": "public, max-age=3600",
        etag: '"v1"',
        "last-modified": "Mon, 01 Jun 2026 10:00:00 GMT",
        "x-page": "kept",
      });
      return true;
    case "/banner/image.png": {
      const png = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");
      res.writeHead(200, { "content-type": "image/png", "content-length": png.length });
      res.end(png);
      return true;
    }
    case "/banner/attachment":
      html(200, BANNER_PAGE, { "content-disposition": 'attachment; filename="report.html"' });
      return true;
    case "/banner/not-found":
      html(404, BANNER_PAGE);
      return true;
    case "/banner/no-body":
      html(200, "<!doctype html><title>Bare</title><p>No body tag at all.</p>");
      return true;
    case "/banner/two-bodies":
      html(200, "<!doctype html><html><body><p>a</p><body class=\"again\"><p>b</p></body></html>");
      return true;
    case "/banner/gzip":
      html(200, gzipSync(Buffer.from(BANNER_PAGE)), { "content-encoding": "gzip" });
      return true;
    case "/banner/br":
      html(200, brotliCompressSync(Buffer.from(BANNER_PAGE)), { "content-encoding": "br" });
      return true;
    case "/banner/deflate":
      html(200, deflateSync(Buffer.from(BANNER_PAGE)), { "content-encoding": "deflate" });
      return true;
    case "/banner/utf16":
      html(200, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(BANNER_PAGE, "utf16le")]), {
        "content-type": "text/html; charset=utf-16",
      });
      return true;
    case "/banner/csp":
      html(200, BANNER_PAGE, {
        "content-security-policy": "default-src 'self'; script-src 'self' 'nonce-r4nd0m+/=='; style-src 'self' 'nonce-st7le'",
      });
      return true;
    case "/banner/big": {
      // A large page streamed in 16 KiB writes with back-pressure: never held whole.
      const kb = Number(url.searchParams.get("kb") ?? 512);
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.write("<!doctype html><html><head><title>big</title></head><body>");
      let i = 0;
      const pump = () => {
        while (i < kb) {
          const ok = res.write(bigHtmlChunk(i++));
          if (!ok) return void res.once("drain", pump);
        }
        res.end("</body></html>");
      };
      pump();
      return true;
    }
    case "/banner/split": {
      // The first chunk ends inside a tag right after <body>, and the rest comes later:
      // what is cut must reach the visitor whole, in order, after the banner.
      const cut = url.searchParams.get("cut") ?? '<p cl';
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.write(`<!doctype html><html><head><title>split</title></head><body>${cut}`);
      setTimeout(() => {
        res.write(`ass="first">after the cut</p>`);
        for (let i = 0; i < 24; i++) res.write(bigHtmlChunk(i));
        res.end("</body></html>");
      }, 30);
      return true;
    }
    default:
      return false;
  }
}

/** 1 KiB of deterministic HTML (the i-th piece of /banner/big). */
function bigHtmlChunk(i: number): string {
  const head = `<p id="p${i}">`;
  return head + "x".repeat(1024 - head.length - 4) + "</p>";
}

/** Minimal RFC 6455 server handshake plus a one-frame echo: enough to prove upgrades pass. */
function acceptWebSocket(req: IncomingMessage, socket: Socket): void {
  const key = req.headers["sec-websocket-key"];
  if (typeof key !== "string") return void socket.destroy();
  const accept = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  socket.on("data", (frame: Buffer) => {
    // Client frames are masked; unmask a short text frame and echo it back unmasked.
    const opcode = (frame[0] ?? 0) & 0x0f;
    if (opcode === 0x8) return void socket.end();
    const len = (frame[1] ?? 0) & 0x7f;
    if (len > 125) return;
    const mask = frame.subarray(2, 6);
    const payload = Buffer.from(frame.subarray(6, 6 + len).map((b, i) => b ^ (mask[i % 4] ?? 0)));
    const text = Buffer.from("echo:" + payload.toString("utf8"));
    socket.write(Buffer.concat([Buffer.from([0x81, text.length]), text]));
  });
  socket.on("error", () => socket.destroy());
}

export async function startOrigin(port = 0): Promise<Origin> {
  const seen: Origin["seen"] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? "", path: req.url ?? "" });
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on("upgrade", (req: IncomingMessage, socket: Socket) => {
    seen.push({ method: req.method ?? "", path: req.url ?? "" });
    acceptWebSocket(req, socket);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
