// Percentage buckets for user rules: murmur3 of "<ruleId>:<userKey>", 1..100, stable and reproducible — unit harness, pure modules in workerd.
import { describe, expect, it } from "vitest";
import { bucketOf, inPercent, murmur3 } from "../../src/core/bucket";

describe("murmur3 (x86, 32-bit)", () => {
  it.each([
    ["", 0, 0],
    ["hello", 0, 0x248bfa47],
    ["The quick brown fox jumps over the lazy dog", 0, 0x2e4ff723],
    ["Hello, world!", 1234, 0xfaf6cdb3],
  ])("matches the reference value for %j with seed %i", (text, seed, expected) => {
    expect(murmur3(text, seed)).toBe(expected);
  });
});

describe("buckets", () => {
  const keys = Array.from({ length: 10_000 }, (_, i) => `customer-${i}`);

  it("puts 10,000 keys at 25 percent within 1.5 points of 25", () => {
    const share = keys.filter((k) => inPercent("migrate", k, 25)).length / keys.length;
    expect(Math.abs(share * 100 - 25)).toBeLessThanOrEqual(1.5);
  });

  it("keeps all of the first 25 percent when moving to 50", () => {
    const at25 = keys.filter((k) => inPercent("migrate", k, 25));
    const at50 = new Set(keys.filter((k) => inPercent("migrate", k, 50)));
    expect(at25.every((k) => at50.has(k))).toBe(true);
    expect(Math.abs((at50.size / keys.length) * 100 - 50)).toBeLessThanOrEqual(1.5);
  });

  it("gives a key the same bucket every time, and each rule its own shuffle", () => {
    expect(bucketOf("search", "alice")).toBe(bucketOf("search", "alice"));
    const differ = keys.slice(0, 200).filter((k) => bucketOf("a", k) !== bucketOf("b", k)).length;
    expect(differ).toBeGreaterThan(150);
  });

  it("takes nobody at 0 and everybody at 100", () => {
    expect(keys.some((k) => inPercent("r", k, 0))).toBe(false);
    expect(keys.every((k) => inPercent("r", k, 100))).toBe(true);
  });
});
