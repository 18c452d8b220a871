// Which request paths belong to the admin prefix. Anything that could reach
// the prefix at the origin (any case, percent-encoded, doubled slashes, dot
// segments, ";params", trailing dots) is kept away from it: only the exact
// form is routed to the admin API, and the rest get its 404.
import { looseCanonical } from "./path";

/** The common case, a path with none of the suspicious characters, costs one test. */
export function isAdminPath(pathname: string, prefix: string): boolean {
  if (pathname.startsWith(prefix) && (pathname.length === prefix.length || pathname[prefix.length] === "/")) return true;
  if (!SUSPICIOUS.test(pathname)) return false;
  const lower = prefix.toLowerCase();
  // Lenient on purpose (see looseCanonical): it only ever keeps requests away from the origin.
  const p = looseCanonical(pathname);
  return p === lower || p.startsWith(`${lower}/`);
}

const SUSPICIOUS = /[%;A-Z]|\/\/|\/\.|\.\/|\.$|\\/;
