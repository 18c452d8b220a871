// The announcement banner on the live site (routes under /banner/ on the real origin) — worker harness, the whole worker in workerd with real local KV and a real origin.
import { describe, expect, inject, it } from "vitest";
import { renderBanner, withNonces, type BannerKind } from "../../src/banner/markup";
import { utcText } from "../../src/page/time";
import type { StateDoc } from "../../src/core/doc";
import { freshSite, putDoc, send, storedDoc, testEnv } from "./helpers";

const HOUR = 3600_000;
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

/** A maintenance window two days ahead, announced since an hour ago. */
async function announcedSite(partial: Partial<StateDoc> = {}): Promise<{ site: string; banner: string }> {
  const site = freshSite("banner");
  await putDoc(site, {
    mode: "maintenance",
    startsAt: iso(48 * HOUR),
    announceFrom: iso(-HOUR),
    message: "We are moving to a new database.",
    ...partial,
  });
  return { site, banner: expectedBanner((await storedDoc(site))!, "scheduled") };
}

function expectedBanner(stored: StateDoc, kind: BannerKind, css: string | null = null): string {
  return renderBanner({ kind: kind, doc: stored }, css).html;
}

/** The origin's own answer, fetched directly, bytes and headers. */
async function fromOrigin(path: string, init?: RequestInit): Promise<{ bytes: Uint8Array; headers: Headers }> {
  const res = await fetch(inject("originUrl") + path, { redirect: "manual", ...init });
  return { bytes: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
}

async function bytesOf(res: Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer());
}

const ascii = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(b);

/** Index of the first differing byte, or -1 (vitest's toEqual is slow on megabytes). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** Removes the one occurrence of `needle` (it must occur exactly once). */
function withoutOnce(haystack: Uint8Array, needle: Uint8Array): Uint8Array {
  const at = indexOfBytes(haystack, needle);
  expect(at, "banner found").toBeGreaterThanOrEqual(0);
  expect(indexOfBytes(haystack, needle, at + 1), "banner found only once").toBe(-1);
  const out = new Uint8Array(haystack.length - needle.length);
  out.set(haystack.subarray(0, at));
  out.set(haystack.subarray(at + needle.length), at);
  return out;
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

describe("banner during an announced window", () => {
  it("is prepended to the <body> of an origin HTML page, which is otherwise byte for byte the origin's", async () => {
    const { site, banner } = await announcedSite();
    const res = await send(`https://${site}/banner/page`);
    expect(res.status).toBe(200);
    const out = await bytesOf(res);
    const origin = await fromOrigin("/banner/page");
    expect(withoutOnce(out, ascii(banner))).toEqual(origin.bytes);
    const page = text(origin.bytes);
    const bodyTag = '<body class="home">';
    expect(text(out)).toBe(page.replace(bodyTag, bodyTag + banner));
  });

  it("keeps the status and headers, every Set-Cookie included, but not the length, validators or caching", async () => {
    const { site } = await announcedSite();
    const res = await send(`https://${site}/banner/page`);
    const origin = await fromOrigin("/banner/page");
    expect(origin.headers.get("content-length")).not.toBeNull();
    expect(res.headers.get("content-length")).toBeNull();
    expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/; HttpOnly", "b=2; Path=/; Secure", "c=3; Path=/shop; Max-Age=60"]);
    for (const name of ["content-type", "x-page"]) {
      expect(res.headers.get(name), name).toBe(origin.headers.get(name));
    }
    // The origin's validators and max-age describe the page without the banner:
    // a cached copy must not outlive the window, nor a 304 hide the banner.
    expect(origin.headers.get("etag")).toBe('"v1"');
    expect(res.headers.get("etag")).toBeNull();
    expect(res.headers.get("last-modified")).toBeNull();
    expect(res.headers.get("cache-control")).toBe("private, no-cache");
    expect(await res.text()).toContain('id="pitstop-banner"');
  });

  it("announces the start in UTC inside a machine-readable <time> the script localises", async () => {
    const startsAt = "2031-05-02T22:00:00.000Z";
    const { site } = await announcedSite({ startsAt, announceFrom: iso(-HOUR) });
    const html = await (await send(`https://${site}/banner/page`)).text();
    expect(html).toContain(
      `Scheduled maintenance</strong> on <time datetime="${startsAt}">${utcText(startsAt)}</time>: We are moving to a new database.`,
    );
    expect(utcText(startsAt)).toMatch(/^Fri,? 2 May 2031, 22:00 UTC$/);
    expect(html).toContain('role="region" aria-label="Scheduled maintenance"');
    expect(html).toContain('<button type="button" class="pb-x" aria-label="Dismiss maintenance notice" hidden>');
  });

  it("escapes the admin's message", async () => {
    const { site } = await announcedSite({ message: `<script>alert("x")</script> & 'quoted' <b>bold</b>` });
    const html = await (await send(`https://${site}/banner/page`)).text();
    expect(html).not.toContain('<script>alert("x")</script>');
    expect(html).not.toContain("<b>bold</b>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39; &lt;b&gt;bold&lt;/b&gt;");
  });

  it("goes into gzip and brotli pages, which keep their Content-Encoding", async () => {
    for (const coding of ["gzip", "br"]) {
      const { site, banner } = await announcedSite();
      const res = await send(`https://${site}/banner/${coding}`);
      expect(res.headers.get("content-encoding"), coding).toBe(coding);
      const plain = text((await fromOrigin("/banner/page")).bytes);
      expect(await res.text(), coding).toBe(plain.replace('<body class="home">', `<body class="home">${banner}`));
    }
  });

  it("carries the page's own CSP nonces on its <style> and <script>", async () => {
    const { site } = await announcedSite();
    const stored = (await storedDoc(site))!;
    const html = await (await send(`https://${site}/banner/csp`)).text();
    const banner = withNonces(renderBanner({ kind: "scheduled", doc: stored }, null), { style: "st7le", script: "r4nd0m+/==" });
    expect(html).toContain(banner);
    expect(html).toContain('<style nonce="st7le">');
    expect(html).toContain('<script nonce="r4nd0m+/==">');
  });

  it("appends BANNER_CSS inside the banner's own <style>, unable to close it", async () => {
    const css = "#pitstop-banner{background:rebeccapurple}</style><script>alert(1)</script>";
    const env = testEnv({ BANNER_CSS: css });
    const site = freshSite("banner");
    await putDoc(site, { mode: "maintenance", startsAt: iso(48 * HOUR), announceFrom: iso(-HOUR), message: "x" });
    const html = await (await send(`https://${site}/banner/page`, {}, env)).text();
    expect(html).toContain("#pitstop-banner{background:rebeccapurple}\\3c /style>\\3c script>alert(1)\\3c /script></style>");
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain(expectedBanner((await storedDoc(site))!, "scheduled", css));
  });
});

describe("banner: a large streamed page keeps streaming", () => {
  it("sends the first chunk, banner included, long before the origin has finished", async () => {
    const { site, banner } = await announcedSite();
    const started = Date.now();
    const res = await send(`https://${site}/slow-html?ms=1500`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let received = "";
    while (!received.includes("<p>first</p>")) {
      const { value, done } = await reader.read();
      if (done) break;
      received += decoder.decode(value, { stream: true });
    }
    const firstAt = Date.now() - started;
    expect(received).toContain(`<body>${banner}<p>first</p>`);
    expect(firstAt).toBeLessThan(1000);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      received += decoder.decode(value, { stream: true });
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(received.endsWith("<p>last</p></body></html>")).toBe(true);
  });

  it.each([["<p cl"], ["<"], ["<!-- a comm"], ["&am"], [""]])(
    "keeps a large page whole when a chunk ends inside a token right after <body> (%j)",
    async (cut) => {
      const { site, banner } = await announcedSite();
      const path = `/banner/split?cut=${encodeURIComponent(cut)}`;
      const out = await bytesOf(await send(`https://${site}${path}`));
      const origin = await fromOrigin(path);
      expect(origin.bytes.length).toBeGreaterThan(24 * 1024);
      const text = new TextDecoder().decode(out);
      expect(text.indexOf(banner)).toBe(text.indexOf("<body>") + "<body>".length);
      expect(firstDifference(withoutOnce(out, ascii(banner)), origin.bytes)).toBe(-1);
    },
  );

  it("passes a 2 MiB page through whole, byte for byte apart from the banner", async () => {
    const { site, banner } = await announcedSite();
    const res = await send(`https://${site}/banner/big?kb=2048`);
    const out = await bytesOf(res);
    const origin = await fromOrigin("/banner/big?kb=2048");
    expect(origin.bytes.length).toBeGreaterThan(2 * 1024 * 1024);
    expect(firstDifference(withoutOnce(out, ascii(banner)), origin.bytes)).toBe(-1);
  });
});

describe("banner: responses that pass untouched", () => {
  const untouched: Array<[string, string, RequestInit?]> = [
    ["JSON", "/json"],
    ["an image", "/banner/image.png"],
    ["a redirect", "/redirect"],
    ["a 404 HTML page", "/banner/not-found"],
    ["an HTML attachment (download)", "/banner/attachment"],
    ["a deflate-encoded page (not decoded by the runtime)", "/banner/deflate"],
    ["a UTF-16 page (not ASCII-compatible)", "/banner/utf16"],
    ["a POST answered with HTML", "/banner/page", { method: "POST", body: "x=1" }],
  ];
  for (const [what, path, init] of untouched) {
    it(`leaves ${what} byte for byte as the origin sent it`, async () => {
      const { site } = await announcedSite();
      const res = await send(`https://${site}${path}`, { redirect: "manual", ...init });
      const origin = await fromOrigin(path, init);
      expect(await bytesOf(res)).toEqual(origin.bytes);
      for (const name of ["content-type", "content-length", "location"]) {
        expect(res.headers.get(name), name).toBe(origin.headers.get(name));
      }
      expect(res.headers.getSetCookie()).toEqual(origin.headers.getSetCookie());
    });
  }

  it("leaves HEAD alone: headers as the origin sent them, Content-Length included", async () => {
    const { site } = await announcedSite();
    const res = await send(`https://${site}/banner/page`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String((await fromOrigin("/banner/page")).bytes.length));
    expect(await res.text()).toBe("");
  });

  it("leaves a page with no <body> tag as the origin sent it (streamed, so without Content-Length)", async () => {
    const { site } = await announcedSite();
    const res = await send(`https://${site}/banner/no-body`);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await bytesOf(res)).toEqual((await fromOrigin("/banner/no-body")).bytes);
  });

  it("prepends the banner only once when malformed HTML has two <body> tags", async () => {
    const { site, banner } = await announcedSite();
    const html = await (await send(`https://${site}/banner/two-bodies`)).text();
    expect(html).toBe(`<!doctype html><html><body>${banner}<p>a</p><body class="again"><p>b</p></body></html>`);
  });

  it("shows no banner before announceFrom", async () => {
    const site = freshSite("banner");
    await putDoc(site, { mode: "maintenance", startsAt: iso(48 * HOUR), announceFrom: iso(HOUR), message: "later" });
    const res = await send(`https://${site}/banner/page`);
    expect(await bytesOf(res)).toEqual((await fromOrigin("/banner/page")).bytes);
  });

  it("shows no banner when BANNER=false", async () => {
    const site = freshSite("banner");
    await putDoc(site, { mode: "maintenance", startsAt: iso(48 * HOUR), announceFrom: iso(-HOUR), message: "x" });
    const res = await send(`https://${site}/banner/page`, {}, testEnv({ BANNER: "false" }));
    expect(await bytesOf(res)).toEqual((await fromOrigin("/banner/page")).bytes);
  });
});

describe("banner in read-only mode", () => {
  it("tells visitors on every GET page that the site is read-only", async () => {
    const site = freshSite("banner");
    await putDoc(site, { mode: "read-only", message: "Orders are paused until 23:00." });
    const res = await send(`https://${site}/banner/page`);
    expect(res.status).toBe(200);
    const banner = expectedBanner((await storedDoc(site))!, "read-only");
    expect(banner).toContain("<strong>This site is read-only</strong> for maintenance: Orders are paused until 23:00.");
    expect(banner).not.toContain("Scheduled maintenance</strong>");
    const out = await bytesOf(res);
    expect(withoutOnce(out, ascii(banner))).toEqual((await fromOrigin("/banner/page")).bytes);
  });

  it("announces a read-only window ahead of time like any other window", async () => {
    const { site, banner } = await announcedSite({ mode: "read-only" });
    expect(await (await send(`https://${site}/banner/page`)).text()).toContain(banner);
  });
});

describe("revalidation while the banner is due", () => {
  it("asks the origin for the full page on a navigation, so a cached copy cannot hide the banner", async () => {
    const { site } = await announcedSite();
    const res = await send(`https://${site}/banner/page`, {
      headers: { accept: "text/html", "if-none-match": '"v1"', "if-modified-since": "Mon, 01 Jun 2026 10:00:00 GMT" },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('id="pitstop-banner"');
  });

  it("keeps validators on requests that are not page navigations", async () => {
    const { site } = await announcedSite();
    const res = await send(`https://${site}/echo`, { headers: { accept: "image/avif,image/*", "if-none-match": '"img"' } });
    const echo = (await res.json()) as { headers: Record<string, string> };
    expect(echo.headers["if-none-match"]).toBe('"img"');
  });
});
