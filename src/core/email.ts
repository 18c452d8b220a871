// Email addresses as "email me when we're back" takes them: the everyday form
// (name@domain.tld), no comments, quotes, IP literals or display names, so a
// stored address is one a mail service accepts and never carries markup.

/** RFC 5321: 64 for the local part, 254 for the whole path. */
const MAX_LOCAL = 64;
const MAX_ADDRESS = 254;

// The local part: WHATWG's "valid e-mail address" characters (what
// <input type="email"> lets through), dots not first, last or doubled.
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
// A DNS name with at least two labels and a letters-only top-level domain.
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TLD = /^(xn--[a-z0-9-]{1,59}|[a-z]{2,63})$/;

/**
 * The address in its stored form (trimmed, lower case, so one person is one
 * entry), or null when it is not one.
 */
export function parseEmailAddress(raw: string): string | null {
  const address = raw.trim().toLowerCase();
  if (address.length === 0 || address.length > MAX_ADDRESS) return null;
  const at = address.lastIndexOf("@");
  if (at <= 0) return null;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > MAX_LOCAL || !LOCAL.test(local)) return null;
  const labels = domain.split(".");
  if (labels.length < 2 || domain.length > 253) return null;
  if (!labels.every((l) => LABEL.test(l)) || !TLD.test(labels[labels.length - 1]!)) return null;
  return address;
}
