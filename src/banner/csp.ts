// A page's Content-Security-Policy decides whether the banner's inline <style>
// and <script> may run. When the origin already put a nonce on this response,
// the banner carries the same nonce: it is the site's own edge adding the
// site's own notice. Without one, a strict CSP blocks them and the banner
// falls back to plain, readable, undismissable text (see markup.ts).
// CSP Level 3, https://www.w3.org/TR/CSP3/#directive-fallback-list
import type { Nonces } from "./markup";

/** Base64 and base64url characters only: anything else could break out of the attribute. */
const NONCE = /'nonce-([A-Za-z0-9+/_=-]+)'/i;

export function cspNonces(header: string): Nonces {
  // Several policies arrive joined with ",". Each is a list of directives.
  const policies = header.split(",").map(parsePolicy);
  return {
    style: nonceFor(policies, ["style-src-elem", "style-src", "default-src"]),
    script: nonceFor(policies, ["script-src-elem", "script-src", "default-src"]),
  };
}

function parsePolicy(policy: string): Map<string, string> {
  const directives = new Map<string, string>();
  for (const part of policy.split(";")) {
    const trimmed = part.trim();
    const space = trimmed.search(/\s/);
    const name = (space === -1 ? trimmed : trimmed.slice(0, space)).toLowerCase();
    // The first occurrence of a directive wins; later duplicates are ignored.
    if (name && !directives.has(name)) directives.set(name, space === -1 ? "" : trimmed.slice(space));
  }
  return directives;
}

/** The nonce of the first directive in the fallback list that a policy defines. */
function nonceFor(policies: Map<string, string>[], fallback: string[]): string | null {
  for (const policy of policies) {
    const name = fallback.find((d) => policy.has(d));
    const match = name === undefined ? null : NONCE.exec(policy.get(name)!);
    if (match) return match[1]!;
  }
  return null;
}
