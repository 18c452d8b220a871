// Which request paths belong to the admin prefix. Anything that could reach
// the prefix at the origin (any case, percent-encoded, doubled slashes, dot
// segments, ";params", trailing dots) is kept away from it: only the exact
// form is routed to the admin API, and the rest get its 404.

/** The common case, a path with none of the suspicious characters, costs one test. */
export function isAdminPath(pathname: string, prefix: string): boolean {
  if (pathname.startsWith(prefix) && (pathname.length === prefix.length || pathname[prefix.length] === "/")) return true;
  if (!SUSPICIOUS.test(pathname)) return false;
  const lower = prefix.toLowerCase();
  const p = canonicalForMatching(pathname);
  return p === lower || p.startsWith(`${lower}/`);
}

const SUSPICIOUS = /[%;A-Z]|\/\/|\/\.|\.\/|\.$|\\/;

/**
 * Lenient on purpose, unlike path.ts's normalisePath (which refuses what it
 * cannot decode safely, because it grants access): this one only ever keeps
 * requests away from the origin, so it decodes what it can and never throws.
 */
function canonicalForMatching(pathname: string): string {
  const decoded = pathname.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  const out: string[] = [];
  for (const raw of decoded.replace(/\\/g, "/").split("/")) {
    // Some servers drop ";params", trailing dots and spaces, or stop at a NUL.
    let segment = raw.split(";")[0]!.split("\0")[0]!;
    if (segment !== "." && segment !== "..") segment = segment.replace(/[. ]+$/, "");
    segment = segment.toLowerCase();
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return `/${out.join("/")}`;
}
