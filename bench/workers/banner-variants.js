// Passthrough workers that each add one piece of what the banner does to an
// origin page, for bench/profile-banner.ts: the difference between two
// variants' CPU per request is what that piece costs. VARIANT picks one;
// MARKUP is the banner's markup, as rendered by src/banner/markup.ts.
//   pass            the bare passthrough (same as baseline.js)
//   rebuild         new Response(body, response): a rebuilt response, body untouched
//   headers         rebuild, then the header edits inject.ts makes (3 deletes, 1 set)
//   rw-none         HTMLRewriter with no handler: the parse alone
//   rw-body         HTMLRewriter with a `body` element handler that does nothing
//   rw-prepend      ... that prepends MARKUP (html: true), once
//   rw-prepend-1b   ... that prepends one character: the markup's size taken out
//   rw-full         rw-prepend plus the header edits: what inject.ts does
//   rw-shared       rw-full with one HTMLRewriter (and handler) built once per isolate
//   js-splice       no HTMLRewriter: the first chunk read in JS, MARKUP written after a naive
//                   "<body...>" search, the rest piped (IdentityTransformStream): plumbing cost
//   js-splice-ts    the same through a JS TransformStream
//   js-splice1      js-splice with one write (prefix, markup and rest joined) before the pipe
//   js-pull         a JS ReadableStream pulling the origin's chunks, the first one spliced
//   rw-head         HTMLRewriter over the page until the banner is in, then the rest piped
//   id-pipe         the body piped through an IdentityTransformStream, untouched: the floor
//                   of any JS-side streaming
function handlerOnce(html) {
  let done = false;
  return {
    element(el) {
      if (done) return;
      done = true;
      el.prepend(html, { html: true });
    },
  };
}

function editHeaders(res) {
  res.headers.delete("content-length");
  res.headers.delete("etag");
  res.headers.delete("last-modified");
  if (!/no-store/i.test(res.headers.get("cache-control") ?? "")) res.headers.set("cache-control", "private, no-cache");
  return res;
}

let shared;

/** Plumbing only (naive search): the first chunk read in JS, the markup spliced in, the rest piped. */
function splice(res, markup, Stream) {
  const { readable, writable } = new Stream();
  const body = res.body;
  const pump = async () => {
    const reader = body.getReader();
    const writer = writable.getWriter();
    const { value, done } = await reader.read();
    if (!done) {
      const text = latin1.decode(value);
      const at = text.indexOf("<body");
      const end = at < 0 ? -1 : text.indexOf(">", at);
      if (end < 0) await writer.write(value);
      else {
        await writer.write(value.subarray(0, end + 1));
        await writer.write(encoder.encode(markup));
        await writer.write(value.subarray(end + 1));
      }
    }
    reader.releaseLock();
    writer.releaseLock();
    await body.pipeTo(writable);
  };
  pump().catch((err) => writable.abort(err).catch(() => {}));
  return editHeaders(new Response(readable, res));
}
/** The same with one write (prefix, markup and the rest of the chunk joined), then the rest piped. */
function splice1(res, markup) {
  const { readable, writable } = new IdentityTransformStream();
  const body = res.body;
  const pump = async () => {
    const reader = body.getReader();
    const { value, done } = await reader.read();
    reader.releaseLock();
    const writer = writable.getWriter();
    if (!done) await writer.write(joined(value, markup));
    writer.releaseLock();
    await body.pipeTo(writable);
  };
  pump().catch((err) => writable.abort(err).catch(() => {}));
  return editHeaders(new Response(readable, res));
}

/** A JS ReadableStream that pulls the origin's chunks: the first spliced, the rest handed on. */
function pull(res, markup) {
  const reader = res.body.getReader();
  let first = true;
  const stream = new ReadableStream({
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) return controller.close();
      controller.enqueue(first ? joined(value, markup) : value);
      first = false;
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return editHeaders(new Response(stream, res));
}

function joined(value, markup) {
  const text = latin1.decode(value);
  const at = text.indexOf("<body");
  const end = at < 0 ? -1 : text.indexOf(">", at);
  if (end < 0) return value;
  const m = encoder.encode(markup);
  const out = new Uint8Array(value.length + m.length);
  out.set(value.subarray(0, end + 1), 0);
  out.set(m, end + 1);
  out.set(value.subarray(end + 1), end + 1 + m.length);
  return out;
}
/**
 * HTMLRewriter over the head only: the rewriter pulls the origin's chunks until
 * its body handler has run, then its input ends (lol-html passes an unfinished
 * token through as it is); its output is copied to the response, then the rest
 * of the page is piped untouched. (workerd cannot pipeTo from one transform
 * stream to another, so the rewriter's few output chunks are copied in JS.)
 */
function head(res, markup) {
  const body = res.body;
  const reader = body.getReader();
  let found = false;
  let ended = false;
  const input = new ReadableStream({
    async pull(c) {
      if (found) return c.close();
      const chunk = await reader.read();
      if (chunk.done) {
        ended = true;
        return c.close();
      }
      c.enqueue(chunk.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const rewritten = new HTMLRewriter()
    .on("body", {
      element(el) {
        if (found) return;
        found = true;
        el.prepend(markup, { html: true });
      },
    })
    .transform(new Response(input, { headers: { "content-type": res.headers.get("content-type") } }));
  const out = new IdentityTransformStream();
  const pump = async () => {
    const writer = out.writable.getWriter();
    const from = rewritten.body.getReader();
    for (;;) {
      const chunk = await from.read();
      if (chunk.done) break;
      await writer.write(chunk.value);
    }
    writer.releaseLock();
    reader.releaseLock();
    if (ended) await out.writable.close();
    else await body.pipeTo(out.writable);
  };
  pump().catch((err) => out.writable.abort(err).catch(() => {}));
  return editHeaders(new Response(out.readable, res));
}

const latin1 = new TextDecoder("latin1");
const encoder = new TextEncoder();

export default {
  async fetch(req, env) {
    const u = new URL(req.url);
    const res = await fetch(new URL(u.pathname + u.search, env.ORIGIN_URL), req);
    switch (env.VARIANT) {
      case "pass":
        return res;
      case "rebuild":
        return new Response(res.body, res);
      case "headers":
        return editHeaders(new Response(res.body, res));
      case "rw-none":
        return new HTMLRewriter().transform(res);
      case "rw-body":
        return new HTMLRewriter().on("body", { element() {} }).transform(res);
      case "rw-prepend":
        return new HTMLRewriter().on("body", handlerOnce(env.MARKUP)).transform(res);
      case "rw-prepend-1b":
        return new HTMLRewriter().on("body", handlerOnce(" ")).transform(res);
      case "rw-full":
        return editHeaders(new HTMLRewriter().on("body", handlerOnce(env.MARKUP)).transform(res));
      case "rw-shared": {
        // Not correct for malformed pages with two <body> tags (no once-guard per response); cost only.
        shared ??= new HTMLRewriter().on("body", { element: (el) => el.prepend(env.MARKUP, { html: true }) });
        return editHeaders(shared.transform(res));
      }
      case "js-splice":
        return splice(res, env.MARKUP, IdentityTransformStream);
      case "rw-head":
        return head(res, env.MARKUP);
      case "id-pipe": {
        const { readable, writable } = new IdentityTransformStream();
        res.body.pipeTo(writable).catch(() => {});
        return new Response(readable, res);
      }
      case "js-splice1":
        return splice1(res, env.MARKUP);
      case "js-pull":
        return pull(res, env.MARKUP);
      case "js-splice-ts":
        return splice(res, env.MARKUP, TransformStream);
    }
    return new Response(`unknown VARIANT ${env.VARIANT}`, { status: 500 });
  },
};
