// IP allowlists: single addresses and CIDR ranges, IPv4 and IPv6.
//
// Every address lives in one 128-bit space: IPv4 a.b.c.d is held as the
// IPv4-mapped IPv6 address ::ffff:a.b.c.d (RFC 4291 §2.5.5.2) and an IPv4 /n
// becomes /96+n. So "10.0.0.0/8" matches ::ffff:10.1.2.3 and
// "::ffff:10.0.0.0/104" matches 10.1.2.3, with no special cases; "::/0"
// matches every address, "0.0.0.0/0" every IPv4 address.
//
// Host bits: a CIDR whose base address has bits set beyond the mask
// ("10.1.2.3/8") is refused, naming the range it probably meant. Silently
// widening it would grant more than the admin wrote.
//
// Not hono/utils/ipaddr (what Hono's ip-restriction uses): it parses
// addresses, but it neither refuses host bits with a suggestion nor refuses
// leading zeros, and it keeps IPv4 and IPv6 apart, where an allowlist must
// match ::ffff:10.1.2.3 against 10.0.0.0/8. The tests in test/unit/ip.test.ts
// pin these choices.

export interface IpRule {
  /** The entry as written (trimmed), for status output. */
  readonly entry: string;
  readonly family: 4 | 6;
  /** Network address in the 128-bit space, host bits zero. */
  readonly network: bigint;
  /** Prefix length in the 128-bit space, 0..128. */
  readonly prefix: number;
}

export function parseIpRule(entry: string): IpRule {
  const text = typeof entry === "string" ? entry.trim() : "";
  const slash = text.indexOf("/");
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const addr = parseAddress(addrText);
  if (!addr) throw invalid(entry);
  const max = addr.family === 4 ? 32 : 128;
  let len = max;
  if (slash !== -1) {
    const lenText = text.slice(slash + 1);
    // Decimal, no sign, no leading zeros.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) throw invalid(entry);
    len = Number(lenText);
    if (len > max) throw invalid(entry);
  }
  const prefix = addr.family === 4 ? 96 + len : len;
  const network = addr.value & mask(prefix);
  if (network !== addr.value) {
    const suggestion = `${formatAddress(network, addr.family)}/${len}`;
    throw new Error(`Invalid IP or CIDR: "${entry}" (bits set beyond the /${len} mask; did you mean ${suggestion}?)`);
  }
  return { entry: text, family: addr.family, network, prefix };
}

export function parseIpRules(entries: string[]): IpRule[] {
  return entries.map(parseIpRule);
}

/** `ip` is CF-Connecting-IP; anything that is not a plain address is false. */
export function ipMatches(ip: string, rules: IpRule[]): boolean {
  if (rules.length === 0 || typeof ip !== "string") return false;
  const addr = parseAddress(ip.trim());
  if (!addr) return false;
  for (const rule of rules) {
    if ((addr.value & mask(rule.prefix)) === rule.network) return true;
  }
  return false;
}

// ---- private helpers ----

interface Address {
  family: 4 | 6;
  value: bigint;
}

const ALL_ONES = (1n << 128n) - 1n;
const V4_MAPPED = 0xffffn << 32n;
const masks: bigint[] = [];
for (let p = 0; p <= 128; p++) masks.push(p === 0 ? 0n : (ALL_ONES << BigInt(128 - p)) & ALL_ONES);

function mask(prefix: number): bigint {
  return masks[prefix]!;
}

function invalid(entry: string): Error {
  return new Error(`Invalid IP or CIDR: "${entry}"`);
}

function parseAddress(text: string): Address | null {
  if (text.length === 0 || text.length > 45) return null;
  if (text.includes(":")) {
    const v = parseV6(text);
    return v === null ? null : { family: 6, value: v };
  }
  const v = parseV4(text);
  return v === null ? null : { family: 4, value: V4_MAPPED | BigInt(v) };
}

// Dotted decimal, exactly four parts of 0..255. Leading zeros are refused:
// inet_aton reads "010" as octal 8, so the entry is ambiguous.
function parseV4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let v = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v;
}

// RFC 4291 §2.2: eight groups of 1..4 hex digits; one "::" stands for one or
// more zero groups; the last 32 bits may be written as a dotted quad. Zone ids
// ("%eth0", RFC 4007) and brackets are refused: they never name an allowlist
// entry and CF-Connecting-IP never carries them.
function parseV6(text: string): bigint | null {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" ? [] : halves[0]!.split(":");
  const tail = halves.length === 2 ? (halves[1] === "" ? [] : halves[1]!.split(":")) : [];

  const words: number[] = [];
  const push = (list: string[], isFinalList: boolean): boolean => {
    for (let i = 0; i < list.length; i++) {
      const g = list[i]!;
      if (isFinalList && i === list.length - 1 && g.includes(".")) {
        const v4 = parseV4(g);
        if (v4 === null) return false;
        words.push(v4 >>> 16, v4 & 0xffff);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(g)) {
        words.push(parseInt(g, 16));
      } else {
        return false;
      }
    }
    return true;
  };
  if (!push(head, halves.length === 1)) return null;
  const headWords = words.length;
  if (halves.length === 2 && !push(tail, true)) return null;

  if (halves.length === 1) {
    if (words.length !== 8) return null;
  } else {
    if (words.length > 7) return null;
    words.splice(headWords, 0, ...new Array<number>(8 - words.length).fill(0));
  }
  let v = 0n;
  for (const w of words) v = (v << 16n) | BigInt(w);
  return v;
}

// Only used for the "did you mean" hint; RFC 5952 style for IPv6.
function formatAddress(value: bigint, family: 4 | 6): string {
  if (family === 4) {
    const n = Number(value & 0xffffffffn);
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
  }
  const words: number[] = [];
  for (let i = 7; i >= 0; i--) words.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestAt = -1;
  let bestLen = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(":");
  if (bestAt === -1) return hex(words);
  return `${hex(words.slice(0, bestAt))}::${hex(words.slice(bestAt + bestLen))}`;
}
