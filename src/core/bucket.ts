// Percentage rollouts that stay put. A user's bucket for a rule is
//
//   bucket = (murmur3_32("<ruleId>:<userKey>", seed 0) mod 100) + 1     (1..100)
//
// and the user is in the rule when bucket <= percent. The same key always
// lands in the same bucket, so raising the percentage only ever adds users,
// and each rule shuffles users differently (its id is part of the input).
// This is the scheme of Unleash's flexible rollout (murmur3 of
// "groupId:userId", normalised to 1..100), so a bucket can be reproduced
// outside the worker with any murmur3 library:
//   node -e 'console.log(require("murmurhash3js").x86.hash32("search:alice") % 100 + 1)'

/** 1..100 */
export function bucketOf(ruleId: string, userKey: string): number {
  return (murmur3(`${ruleId}:${userKey}`, 0) % 100) + 1;
}

export function inPercent(ruleId: string, userKey: string, percent: number): boolean {
  return percent > 0 && bucketOf(ruleId, userKey) <= percent;
}

const encoder = new TextEncoder();

/** MurmurHash3, x86 32-bit, over the UTF-8 bytes of `text` (Austin Appleby's reference). */
export function murmur3(text: string, seed: number): number {
  const bytes = encoder.encode(text);
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = bytes.length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (bytes.length & 3) {
    case 3:
      k ^= bytes[blocks + 2]! << 16;
    // falls through
    case 2:
      k ^= bytes[blocks + 1]! << 8;
    // falls through
    case 1:
      k ^= bytes[blocks]!;
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
