// Deterministic, non-repeating test data for the streaming check: block i is a
// fixed pseudo-random MiB whose first and last 8 bytes carry i, so a lost,
// repeated or reordered chunk changes the hash.
export const BLOCK_SIZE = 1 << 20;

let base: Buffer | undefined;

function baseBlock(): Buffer {
  if (base) return base;
  base = Buffer.allocUnsafe(BLOCK_SIZE);
  let x = 0x9e3779b9;
  for (let i = 0; i < BLOCK_SIZE; i += 4) {
    // xorshift32
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    base.writeUInt32LE(x >>> 0, i);
  }
  return base;
}

/** Block `index`, cut to `length` bytes (the last block of a stream may be short). */
export function block(index: number, length = BLOCK_SIZE): Buffer {
  const b = Buffer.from(baseBlock());
  b.writeBigUInt64LE(BigInt(index), 0);
  b.writeBigUInt64LE(BigInt(index), BLOCK_SIZE - 8);
  return length === BLOCK_SIZE ? b : b.subarray(0, length);
}

/** Calls `write` for each block of a `total`-byte stream; awaits it for back-pressure. */
export async function forEachBlock(total: number, write: (chunk: Buffer) => Promise<void> | void): Promise<void> {
  for (let i = 0, sent = 0; sent < total; i++) {
    const n = Math.min(BLOCK_SIZE, total - sent);
    await write(block(i, n));
    sent += n;
  }
}
