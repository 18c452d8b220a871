// The banner on the live site. While a window is
// announced (from announceFrom until startsAt), or while read-only mode lets
// reads through, origin HTML pages get the banner prepended to <body> as they
// stream past. Nothing is buffered, and every response that is not plainly a
// full HTML page (or that HTMLRewriter could not read safely) passes untouched.
//
// A page without a <body> start tag gets no banner: browsers infer the body,
// but a streaming rewriter has no tag to attach to, and guessing would risk
// putting markup inside <head>.
import { emptyDoc } from "../core/doc";
import { messageIn, type Language } from "../core/message";
import type { Policy } from "../core/policy";
import { phaseAt } from "../core/window";
import { logEvent, rateLimited } from "../log";
import { cspNonces } from "./csp";
import { renderBanner, withNonces, type BannerKind, type BannerMarkup } from "./markup";

/**
 * The banner of one isolate, built only when BANNER is on. Its markup is
 * rendered once per policy and language, never per request.
 */
export class Banner {
  /** Policies are recompiled whenever the state changes, so the banner follows them. */
  private readonly rendered = new WeakMap<Policy, Map<string, BannerMarkup>>();

  /**
   * `css`: BANNER_CSS, appended inside the banner's own style.
   * `defaultLanguage`: DEFAULT_LANGUAGE, for a message not given in the visitor's language.
   */
  constructor(
    private readonly css: string | null,
    private readonly defaultLanguage: Language = "en",
  ) {}

  /**
   * Returns the response with the banner streamed into it, or the very same
   * response when the banner does not apply: not a GET, not a 200 text/html
   * page, a download, a WebSocket, a content encoding the runtime does not
   * decode, or no announcement in force at `now`.
   */
  inject(response: Response, request: Request, policy: Policy, now: number, lang: Language = this.defaultLanguage): Response {
    if (request.method !== "GET" || !isRewritable(response)) return response;
    const markup = this.markupFor(policy, now, lang);
    return markup === null ? response : streamInto(response, markup, now);
  }

  /**
   * While a banner is due, a page navigation asks the origin for the full page:
   * a 304 would leave the visitor's cached copy (without the banner, or with a
   * stale one) in place. Images, scripts and API calls keep their validators.
   */
  prepare(request: Request): Request {
    const headers = request.headers;
    if (request.method !== "GET" || (!headers.has("if-none-match") && !headers.has("if-modified-since"))) return request;
    const navigation = headers.get("sec-fetch-dest") === "document" || (headers.get("accept") ?? "").includes("text/html");
    if (!navigation) return request;
    const fresh = new Headers(headers);
    fresh.delete("if-none-match");
    fresh.delete("if-modified-since");
    return new Request(request, { headers: fresh });
  }

  /** One banner at a time: a window ahead, then read-only mode, then the rules' notices. */
  private markupFor(policy: Policy, now: number, lang: Language): BannerMarkup | null {
    const phase = phaseAt(policy.doc, now);
    let kind: BannerKind;
    if (phase.kind === "announced") kind = "scheduled";
    else if (phase.kind === "active" && phase.mode === "read-only") kind = "read-only";
    else if (policy.bannerRules.length > 0) kind = "notice";
    else return null;

    let entry = this.rendered.get(policy);
    if (!entry) this.rendered.set(policy, (entry = new Map()));
    const key = `${kind}:${lang}`;
    let markup = entry.get(key);
    if (markup === undefined) {
      // A notice may come from rules alone, with no document in force: any document's timestamps key it.
      const doc = policy.doc ?? emptyDoc(new Date(0), "pitstop");
      const notices = policy.bannerRules.map((r) => messageIn(r.message, lang, this.defaultLanguage)?.text ?? "");
      markup = renderBanner({ kind, doc, notices, lang, defaultLanguage: this.defaultLanguage }, this.css);
      entry.set(key, markup);
    }
    return markup;
  }
}

/**
 * Pages up to this length (known, not content-coded) go through HTMLRewriter
 * whole. Longer ones, and those of unknown length, go through it only until
 * the banner is in; the rest streams on untouched. Measured in workerd
 * (bench/profile-banner.ts, instructions per request): HTMLRewriter costs
 * about 40 instructions per byte of page, most of it after <body>, where it
 * has nothing left to do; stopping it there costs a fixed extra (the rewriter's
 * output copied into the response, the rest piped) that pays off from about
 * 20 KB on.
 */
const WHOLE_PAGE_BYTES = 16 * 1024;

function streamInto(response: Response, markup: BannerMarkup, now: number): Response {
  const headers = response.headers;
  const csp = headers.get("content-security-policy");
  const html = csp === null ? markup.html : withNonces(markup, cspNonces(csp));
  const length = Number(headers.get("content-length") ?? NaN);
  const whole = length <= WHOLE_PAGE_BYTES && !/^\s*(gzip|br)\s*$/i.test(headers.get("content-encoding") ?? "");

  let rewritten: Response;
  try {
    // Throws before touching the body when the charset is not ASCII-compatible
    // (UTF-16, for example); the original response is then still whole.
    rewritten = whole ? new HTMLRewriter().on("body", prependOnce(html)).transform(response) : rewriteHead(response, html);
  } catch (err) {
    skipLog("transform", now, (suppressed) =>
      logEvent("warn", "render.fault", {
        what: "banner skipped",
        reason: err instanceof Error ? err.message : String(err),
        suppressed,
      }),
    );
    return response;
  }
  // The length changes. workerd already drops it here; make sure on every version.
  rewritten.headers.delete("content-length");
  // The banner is in the visitor's language: a cache must not hand it to someone else's.
  rewritten.headers.append("vary", "Accept-Language");
  // The origin's validators describe the page without the banner: a browser
  // revalidating with them after the window would get a 304 and keep showing
  // a stale banner. The gate also strips conditional headers while announcing.
  rewritten.headers.delete("etag");
  rewritten.headers.delete("last-modified");
  // A page with the banner must not outlive the window in any cache: shared
  // caches must not keep it, browsers must ask again. no-store stays no-store.
  if (!/no-store/i.test(rewritten.headers.get("cache-control") ?? "")) {
    rewritten.headers.set("cache-control", "private, no-cache");
  }
  return rewritten;
}

/**
 * HTMLRewriter over the page until the banner is in, then the rest of the
 * page as it came. The rewriter pulls the origin's chunks one at a time; once
 * its <body> handler has run, its input ends there (lol-html hands an
 * unfinished token at the end through as it is, byte for byte) and the
 * origin's remaining bytes are piped after its output. A page without <body>
 * goes through the rewriter whole, unchanged. Nothing is held back: each
 * chunk goes on as soon as it is read.
 */
function rewriteHead(response: Response, html: string): Response {
  const body = response.body!;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let inserted = false;
  let ended = false;
  const head = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (inserted) return controller.close();
      const read = await (reader ??= body.getReader()).read();
      if (read.done) {
        ended = true;
        return controller.close();
      }
      controller.enqueue(read.value);
    },
    cancel(reason) {
      return (reader ??= body.getReader()).cancel(reason);
    },
  });
  // The origin's content type: the rewriter reads the charset from it, and throws here for one it cannot read.
  const rewritten = new HTMLRewriter()
    .on("body", prependOnce(html, () => (inserted = true)))
    .transform(new Response(head, { headers: { "content-type": response.headers.get("content-type")! } }));
  // workerd cannot pipe one transform stream into another: the rewriter's few chunks are copied.
  const out = new IdentityTransformStream();
  const from = rewritten.body!.getReader();
  const pump = async () => {
    const writer = out.writable.getWriter();
    try {
      for (let chunk = await from.read(); !chunk.done; chunk = await from.read()) await writer.write(chunk.value);
    } catch (err) {
      await from.cancel(err).catch(() => {});
      throw err;
    } finally {
      writer.releaseLock();
    }
    reader?.releaseLock();
    if (ended || !inserted) await out.writable.close();
    else await body.pipeTo(out.writable);
  };
  pump().catch((err: unknown) => out.writable.abort(err).catch(() => {}));
  return new Response(out.readable, response);
}

const skipLog = rateLimited(60_000);

/**
 * A plain 200 HTML page that the runtime hands over decoded. workerd decodes
 * gzip and br bodies for HTMLRewriter (and re-encodes on the way out); any
 * other coding, such as deflate, would reach it compressed.
 */
function isRewritable(response: Response): boolean {
  if (response.status !== 200 || response.webSocket) return false;
  const headers = response.headers;
  const type = headers.get("content-type");
  if (type === null || !/^\s*text\/html\s*(;|$)/i.test(type)) return false;
  if (/^\s*attachment\b/i.test(headers.get("content-disposition") ?? "")) return false;
  const coding = headers.get("content-encoding");
  return coding === null || /^\s*(identity|gzip|br)?\s*$/i.test(coding);
}

/**
 * A fresh handler per response: it must stay trivial (a throw would truncate
 * the page) and prepend only once, even if malformed HTML has two <body> tags.
 */
function prependOnce(html: string, onInserted?: () => void): HTMLRewriterElementContentHandlers {
  let done = false;
  return {
    element(el) {
      if (done) return;
      done = true;
      el.prepend(html, { html: true });
      onInserted?.();
    },
  };
}
