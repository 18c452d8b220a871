// Path allowlists: exact paths ("/healthz") and prefixes ("/webhooks/*").
//
// The danger is a request that matches a pattern here but reaches another
// resource at the origin, which gets the raw path and may decode, collapse,
// resolve or case-fold it differently. So a request is allowlisted only when
// its pathname is already canonical: normalisePath(pathname) === pathname,
// i.e. no percent-escapes, no "." or ".." segments, no "//", no backslash.
// Matching is then case-sensitive and literal. Consequences, on purpose:
//  - "/Healthz" does not match "/healthz": it may be another resource (most
//    origins are case-sensitive), so it gets the maintenance page.
//  - "/healthz/" does not match the exact "/healthz" (trailing slash matters).
//  - "/webhooks/*" matches "/webhooks" itself and everything below
//    "/webhooks/", never "/webhooksx".
//  - A path with ";" is never allowlisted: Tomcat and Jetty strip ";params"
//    from segments, so "/webhooks/..;/admin" would reach "/admin".
//  - A path containing any percent-escape is never allowlisted.
//  - "/*" is accepted and allowlists every path (the whole site is public).

export interface PathPattern {
  /** The entry as written, for status output. */
  readonly entry: string;
  readonly kind: "exact" | "prefix";
  /** For "exact" the path; for "prefix" the path without the trailing "/*". */
  readonly path: string;
}

/**
 * Decodes and resolves a pathname (RFC 3986 §5.2.4 remove_dot_segments, after
 * decoding, so "%2e%2e" counts as ".."), collapsing empty segments. A ".."
 * above the root stays at the root. Case is kept. Returns null when the path
 * cannot be decoded safely: no leading "/", a backslash raw or encoded, an
 * encoded "/" ("%2f" would change the segment structure), invalid
 * percent-encoding or UTF-8, or a control character such as NUL.
 */
export function normalisePath(rawPathname: string): string | null {
  if (typeof rawPathname !== "string" || rawPathname[0] !== "/") return null;
  const raw = rawPathname.split("/").slice(1);
  const out: string[] = [];
  let trailingSlash = false;
  for (let i = 0; i < raw.length; i++) {
    const segment = decodeSegment(raw[i]!);
    if (segment === null) return null;
    const isLast = i === raw.length - 1;
    if (segment === "" || segment === ".") {
      if (isLast) trailingSlash = true;
    } else if (segment === "..") {
      out.pop();
      if (isLast) trailingSlash = true;
    } else {
      out.push(segment);
    }
  }
  if (out.length === 0) return "/";
  return "/" + out.join("/") + (trailingSlash ? "/" : "");
}

/** Throws an Error naming the entry when it is not a valid pattern. */
export function parsePathPattern(p: string): PathPattern {
  const entry = typeof p === "string" ? p.trim() : "";
  const isPrefix = entry.endsWith("/*");
  const path = isPrefix ? entry.slice(0, -2) : entry;
  let problem = patternProblem(entry, isPrefix ? path || "/" : path);
  if (!problem && isPrefix && path.endsWith("/")) problem = 'write "/dir/*", not "/dir//*"';
  if (problem) throw new Error(`Invalid path pattern: "${p}" (${problem})`);
  return { entry, kind: isPrefix ? "prefix" : "exact", path };
}

export function parsePathPatterns(entries: string[]): PathPattern[] {
  return entries.map(parsePathPattern);
}

/**
 * `pathname` is the request's pathname as received (url.pathname). It is
 * allowlisted only if it is canonical and a pattern matches it literally.
 */
export function pathMatches(pathname: string, patterns: PathPattern[]): boolean {
  if (patterns.length === 0 || typeof pathname !== "string") return false;
  // The literal match first: most requests match no pattern, and need no decoding.
  const literal = patterns.some((p) => pathname === p.path || (p.kind === "prefix" && pathname.startsWith(p.path + "/")));
  return literal && !pathname.includes(";") && normalisePath(pathname) === pathname;
}

// ---- private helpers ----

// RFC 3986 §3.3 pchar without "%" (patterns are literal, so an escape could
// never match a canonical request) and without ";" (see above). "*" appears
// only as the final "/*" of a prefix pattern.
const PATTERN_CHARS = /^[A-Za-z0-9\-._~!$&'()+,=:@/]+$/;
const MAX_PATTERN_LENGTH = 512;
const CONTROL = /[\u0000-\u001f\u007f]/;

function patternProblem(entry: string, path: string): string | null {
  if (entry.length === 0) return "empty";
  if (entry.length > MAX_PATTERN_LENGTH) return "too long";
  if (path[0] !== "/") return 'must start with "/"';
  if (path.includes("*")) return 'only a final "/*" may use "*"';
  if (path.includes("%")) return "percent-escapes are not allowed; write the path literally";
  if (!PATTERN_CHARS.test(path)) return "only plain ASCII path characters are allowed";
  if (normalisePath(path) !== path) return 'no "//", "." or ".." segments';
  return null;
}

function decodeSegment(segment: string): string | null {
  if (segment.includes("\\")) return null;
  let decoded = segment;
  if (segment.includes("%")) {
    try {
      decoded = decodeURIComponent(segment); // throws on bad escapes or UTF-8
    } catch {
      return null;
    }
  }
  if (decoded.includes("/") || decoded.includes("\\") || CONTROL.test(decoded)) return null;
  return decoded;
}

/**
 * The path as the most lenient server would read it: percent-escapes decoded
 * (invalid ones kept), backslashes as slashes, empty and "." segments
 * dropped, ".." resolved, ";params", trailing dots and spaces and anything
 * after a NUL cut, lower case. For blocking, never for granting: a rule that
 * blocks "/search/*" blocks "/%73earch/x", "//search/x", "/x/../search/x" and
 * "/SEARCH/x" too, since some origin may read each of them as "/search/x".
 * (Allowlists do the opposite: only an already canonical path is let through.)
 */
export function looseCanonical(pathname: string): string {
  // The common case, a plain lower-case path, is already canonical (but for a trailing slash).
  if (!NEEDS_WORK.test(pathname)) return pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname;
  const decoded = decodeLeniently(pathname);
  const out: string[] = [];
  for (const raw of decoded.replace(/\\/g, "/").split("/")) {
    let segment = raw.split(";")[0]!.split("\0")[0]!;
    if (segment !== "." && segment !== "..") segment = segment.replace(/[. ]+$/, "");
    segment = segment.toLowerCase();
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return `/${out.join("/")}`;
}

/** Anything looseCanonical would change besides a trailing slash. */
const NEEDS_WORK = /[%;A-Z\\\0 ]|\/\/|\/\.|\.\/|\.$|^[^/]/;

/**
 * Percent-escapes decoded until nothing changes (an app or proxy may decode
 * twice: "%2573" is "%73" is "s"), "%uXXXX" included (IIS reads it), at most
 * a few rounds. Invalid escapes stay as they are.
 */
function decodeLeniently(path: string): string {
  let current = path;
  for (let round = 0; round < 4 && current.includes("%"); round++) {
    const next = current
      .replace(/%u([0-9a-f]{4})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
      .replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === current) break;
    current = next;
  }
  return current;
}
