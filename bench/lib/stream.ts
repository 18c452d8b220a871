// The streaming check: a large download and upload through the worker, checked
// byte for byte (sha256 on both ends) while workerd's resident memory is sampled.
import { createHash, randomUUID } from "node:crypto";
import { request } from "node:http";
import { forEachBlock } from "../pattern.ts";
import { rssBytes } from "./proc.ts";
import { HarnessError } from "./util.ts";

export interface TransferResult {
  bytes: number;
  expectedBytes: number;
  sha256: string;
  expectedSha256: string;
  exact: boolean;
  seconds: number;
  mbPerSecond: number;
  rssBeforeBytes: number;
  rssPeakBytes: number;
  rssGrowthBytes: number;
}

/** Samples a process's RSS every few ms until stopped; returns the peak. */
function rssSampler(pid: number): { stop(): number } {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // process gone: the caller will notice
    }
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      try {
        peak = Math.max(peak, rssBytes(pid));
      } catch {
        // ignore
      }
      return peak;
    },
  };
}

function finish(start: number, before: number, peak: number, got: { bytes: number; sha256: string }, want: { bytes: number; sha256: string }): TransferResult {
  const seconds = (performance.now() - start) / 1000;
  return {
    bytes: got.bytes,
    expectedBytes: want.bytes,
    sha256: got.sha256,
    expectedSha256: want.sha256,
    exact: got.bytes === want.bytes && got.sha256 === want.sha256,
    seconds,
    mbPerSecond: got.bytes / 1e6 / seconds,
    rssBeforeBytes: before,
    rssPeakBytes: peak,
    rssGrowthBytes: peak - before,
  };
}

/** GET <base>/download?bytes=N through the worker; the origin reports what it sent. */
export async function downloadCheck(base: string, originUrl: string, bytes: number, workerdPid: number): Promise<TransferResult> {
  const id = randomUUID();
  const before = rssBytes(workerdPid);
  const sampler = rssSampler(workerdPid);
  const start = performance.now();
  const got = await new Promise<{ bytes: number; sha256: string }>((resolve, reject) => {
    const req = request(`${base}/download?bytes=${bytes}&id=${id}`, { agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new HarnessError(`download: status ${res.statusCode}`));
      const hash = createHash("sha256");
      let n = 0;
      res.on("data", (chunk: Buffer) => {
        n += chunk.length;
        hash.update(chunk);
      });
      res.on("end", () => resolve({ bytes: n, sha256: hash.digest("hex") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
  const peak = sampler.stop();
  const sent = await fetch(`${originUrl}/__origin/sent?id=${id}`).then((r) => r.json() as Promise<{ bytes: number; sha256: string } | null>);
  if (!sent) throw new HarnessError("download: the origin has no record of what it sent");
  return finish(start, before, peak, got, sent);
}

/** POST <base>/upload through the worker; the origin answers with what it received. */
export async function uploadCheck(base: string, bytes: number, workerdPid: number): Promise<TransferResult> {
  const before = rssBytes(workerdPid);
  const sampler = rssSampler(workerdPid);
  const start = performance.now();
  const hash = createHash("sha256");
  const received = await new Promise<{ bytes: number; sha256: string }>((resolve, reject) => {
    const req = request(
      `${base}/upload`,
      { method: "POST", agent: false, headers: { "content-type": "application/octet-stream", "content-length": bytes } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => {
          if (res.statusCode !== 200) return reject(new HarnessError(`upload: status ${res.statusCode}: ${text.slice(0, 200)}`));
          try {
            resolve(JSON.parse(text) as { bytes: number; sha256: string });
          } catch {
            reject(new HarnessError(`upload: unexpected answer ${text.slice(0, 200)}`));
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    forEachBlock(bytes, (chunk) => {
      hash.update(chunk);
      if (!req.write(chunk)) return new Promise<void>((resolve) => req.once("drain", () => resolve()));
    })
      .then(() => req.end())
      .catch(reject);
  });
  const peak = sampler.stop();
  return finish(start, before, peak, received, { bytes, sha256: hash.digest("hex") });
}
