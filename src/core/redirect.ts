// Where a redirect may land: same-site paths only, so a link Pitstop signs or
// follows can never send a visitor to another site (no open redirects).

export const MAX_NEXT_LENGTH = 512;

/**
 * Returns `next` as a same-origin absolute path (query and fragment kept), or
 * null. Anything a browser could read as another origin is refused: "//host"
 * and "/\host" are scheme-relative (WHATWG URL treats "\" as "/"), and
 * control characters, raw or percent-encoded, invite header splitting.
 */
export function safeNextPath(next: unknown): string | null {
  if (typeof next !== "string" || next.length === 0 || next.length > MAX_NEXT_LENGTH) return null;
  if (next[0] !== "/" || next[1] === "/") return null;
  if (UNSAFE_NEXT_CHARS.test(next) || ENCODED_CONTROL.test(next)) return null;
  let url: URL;
  try {
    url = new URL(next, PROBE_ORIGIN);
  } catch {
    return null;
  }
  if (url.origin !== PROBE_ORIGIN) return null;
  // Re-serialise so the result is ASCII (safe in a Location header), then
  // recheck: "/.//evil.com" resolves to the path "//evil.com".
  const out = url.pathname + url.search + url.hash;
  if (out[0] !== "/" || out[1] === "/" || out.includes("\\")) return null;
  return out;
}

const PROBE_ORIGIN = "https://x.invalid";
// Backslash, C0 controls, DEL and any Unicode whitespace.
const UNSAFE_NEXT_CHARS = /[\\\u0000-\u001f\u007f\s]/;
const ENCODED_CONTROL = /%(?:[01][0-9a-f]|7f)/i;
