// The benchmark's origin: a plain Node HTTP server on 127.0.0.1, run as its own
// process (`node bench/origin.ts`) so its CPU is not counted against workerd.
// Prints {"port": N} on stdout once listening.
//
//   /1k, /1m            1 KiB / 1 MiB of text (any method; a request body is drained)
//   /html               the test origin's HTML page (test/support/fixtures.ts)
//   /html-200k          a page of about 200 KiB (bench/pages.ts)
//   /download?bytes=N   N bytes of bench/pattern.ts blocks, streamed with back-pressure;
//                       with &id=X, the sha256 of what was sent is kept for /__origin/sent?id=X
//   /upload             hashes the request body as it streams in; answers {bytes, sha256}
//   /__origin/stats     requests served so far
//   /__origin/guarded   the soak's guarded requests that reached the origin: each
//                       request's X-Soak-Guard header ("<METHOD> <sent-at ms>"), in order
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { LARGE_PAGE, SMALL_PAGE } from "./pages.ts";
import { BLOCK_SIZE, block } from "./pattern.ts";

const ONE_K = Buffer.from("k".repeat(1023) + "\n");
const ONE_M = Buffer.from("m".repeat(1024 * 1024 - 1) + "\n");
const HTML = Buffer.from(SMALL_PAGE);
const HTML_LARGE = Buffer.from(LARGE_PAGE);

let requests = 0;
/** The soak marks requests that must not reach the origin while maintenance (or read-only, for writes) is in force. */
const guarded: string[] = [];
const sent = new Map<string, { bytes: number; sha256: string }>();

function fixed(req: IncomingMessage, res: ServerResponse, body: Buffer, type: string): void {
  const answer = () => {
    res.writeHead(200, { "content-type": type, "content-length": body.length });
    res.end(body);
  };
  if (req.method === "GET" || req.method === "HEAD") return answer();
  req.on("end", answer);
  req.resume();
}

function download(url: URL, res: ServerResponse): void {
  const total = Number(url.searchParams.get("bytes") ?? 0);
  const id = url.searchParams.get("id");
  const hash = createHash("sha256");
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": total });
  let offset = 0;
  let index = 0;
  const pump = () => {
    while (offset < total) {
      const chunk = block(index++, Math.min(BLOCK_SIZE, total - offset));
      hash.update(chunk);
      offset += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    if (id) sent.set(id, { bytes: offset, sha256: hash.digest("hex") });
    res.end();
  };
  pump();
}

function upload(req: IncomingMessage, res: ServerResponse): void {
  const hash = createHash("sha256");
  let bytes = 0;
  req.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
    hash.update(chunk);
  });
  req.on("end", () => {
    const body = JSON.stringify({ bytes, sha256: hash.digest("hex") });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
}

const server = createServer((req, res) => {
  requests++;
  const guard = req.headers["x-soak-guard"];
  if (typeof guard === "string") guarded.push(guard);
  const url = new URL(req.url ?? "/", "http://origin.invalid");
  switch (url.pathname) {
    case "/1k":
      return fixed(req, res, ONE_K, "text/plain; charset=utf-8");
    case "/1m":
      return fixed(req, res, ONE_M, "text/plain; charset=utf-8");
    case "/html":
      return fixed(req, res, HTML, "text/html; charset=utf-8");
    case "/html-200k":
      return fixed(req, res, HTML_LARGE, "text/html; charset=utf-8");
    case "/download":
      return download(url, res);
    case "/upload":
      return upload(req, res);
    case "/__origin/stats":
      requests--;
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ requests }));
    case "/__origin/guarded":
      requests--;
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify(guarded));
    case "/__origin/sent": {
      requests--;
      const entry = sent.get(url.searchParams.get("id") ?? "");
      res.writeHead(entry ? 200 : 404, { "content-type": "application/json" });
      return void res.end(JSON.stringify(entry ?? null));
    }
  }
  res.writeHead(404, { "content-type": "text/plain" });
  res.end("not found\n");
});
// workerd keeps origin connections in a pool between scenarios: never close
// them first, or a reused connection could fail mid-run.
server.keepAliveTimeout = 10 * 60_000;
server.headersTimeout = 10 * 60_000 + 1000;
server.requestTimeout = 0;
server.maxRequestsPerSocket = 0;

server.listen(Number(process.env.BENCH_ORIGIN_PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
