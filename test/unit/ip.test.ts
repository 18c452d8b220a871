// IP allowlist rules (parseIpRule, ipMatches): IPv4, IPv6 and CIDR forms — unit harness, pure modules in workerd.
import { describe, it, expect } from "vitest";
import { parseIpRule, parseIpRules, ipMatches } from "../../src/core/ip";

const rules = (...entries: string[]) => parseIpRules(entries);

describe("parseIpRule", () => {
  it("reads a single IPv4 address as a /32", () => {
    expect(parseIpRule("192.0.2.7")).toMatchObject({ entry: "192.0.2.7", family: 4, prefix: 128 });
  });

  it("reads IPv6 in full, compressed and dotted-quad forms as the same address", () => {
    const forms = ["2001:db8:0:0:0:0:0:1", "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", "2001:DB8::0:1", "2001:db8::0.0.0.1"];
    const values = forms.map((f) => parseIpRule(f).network);
    expect(new Set(values).size).toBe(1);
    expect(values[0]).toBe((0x20010db8n << 96n) | 1n);
  });

  it("reads :: and ::1 and a trailing :: ", () => {
    expect(parseIpRule("::").network).toBe(0n);
    expect(parseIpRule("::1").network).toBe(1n);
    expect(parseIpRule("fe80::").network).toBe(0xfe80n << 112n);
    expect(parseIpRule("1:2:3:4:5:6:7::").network).toBe(parseIpRule("1:2:3:4:5:6:7:0").network);
  });

  it("trims surrounding whitespace from an entry", () => {
    expect(parseIpRule("  10.0.0.0/8 ").entry).toBe("10.0.0.0/8");
  });

  const invalid = [
    "1.2.3.256", "1.2.3", "1.2.3.4.5", "1.2.3.-4", "01.2.3.4", "1.2.3.4/", "1.2.3.4/08", "1.2.3.4/+8", "0x1.2.3.4",
    "::g", "1::2::3", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "12345::",
    "1.2.3.4::", "::1.2.3.4:5", "::1.2.3", "fe80::1%eth0", "[::1]", ":::",
    "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/8/8", "abc", "", " ", "/8",
  ];
  for (const entry of invalid) {
    it(`refuses ${JSON.stringify(entry)} with an error naming it`, () => {
      expect(() => parseIpRule(entry)).toThrow(`Invalid IP or CIDR: "${entry}"`);
    });
  }

  it("refuses a range with host bits set and names the range it probably meant", () => {
    expect(() => parseIpRule("10.1.2.3/8")).toThrow('Invalid IP or CIDR: "10.1.2.3/8" (bits set beyond the /8 mask; did you mean 10.0.0.0/8?)');
    expect(() => parseIpRule("2001:db8::1/32")).toThrow("did you mean 2001:db8::/32?");
    expect(() => parseIpRule("192.168.1.1/23")).toThrow("did you mean 192.168.0.0/23?");
  });

  it("names the first bad entry of a list", () => {
    expect(() => parseIpRules(["10.0.0.0/8", "nope", "::1"])).toThrow('"nope"');
  });
});

describe("ipMatches", () => {
  it("matches a single IPv4 address and nothing next to it", () => {
    const r = rules("192.0.2.7");
    expect(ipMatches("192.0.2.7", r)).toBe(true);
    expect(ipMatches("192.0.2.8", r)).toBe(false);
    expect(ipMatches("192.0.2.6", r)).toBe(false);
  });

  it("treats /32 as exactly one address", () => {
    const r = rules("192.0.2.7/32");
    expect(ipMatches("192.0.2.7", r)).toBe(true);
    expect(ipMatches("192.0.2.70", r)).toBe(false);
  });

  it("matches an odd IPv4 mask like /23 at both edges", () => {
    const r = rules("192.168.0.0/23");
    expect(ipMatches("192.168.0.0", r)).toBe(true);
    expect(ipMatches("192.168.1.255", r)).toBe(true);
    expect(ipMatches("192.168.2.0", r)).toBe(false);
    expect(ipMatches("192.167.255.255", r)).toBe(false);
  });

  it("lets 0.0.0.0/0 match every IPv4 address but no native IPv6 one", () => {
    const r = rules("0.0.0.0/0");
    expect(ipMatches("1.2.3.4", r)).toBe(true);
    expect(ipMatches("255.255.255.255", r)).toBe(true);
    expect(ipMatches("::ffff:8.8.8.8", r)).toBe(true);
    expect(ipMatches("2001:db8::1", r)).toBe(false);
  });

  it("lets ::/0 match every address, IPv4 included", () => {
    const r = rules("::/0");
    expect(ipMatches("2001:db8::1", r)).toBe(true);
    expect(ipMatches("::", r)).toBe(true);
    expect(ipMatches("10.0.0.1", r)).toBe(true);
  });

  it("treats /128 as exactly one IPv6 address, whatever its spelling", () => {
    const r = rules("2001:db8::1/128");
    expect(ipMatches("2001:db8::1", r)).toBe(true);
    expect(ipMatches("2001:DB8:0:0:0:0:0:0001", r)).toBe(true);
    expect(ipMatches("2001:db8::2", r)).toBe(false);
    expect(ipMatches("2001:db8::", r)).toBe(false);
  });

  it("matches a /127 pair and not its neighbours", () => {
    const r = rules("2001:db8::2/127");
    expect(ipMatches("2001:db8::2", r)).toBe(true);
    expect(ipMatches("2001:db8::3", r)).toBe(true);
    expect(ipMatches("2001:db8::1", r)).toBe(false);
    expect(ipMatches("2001:db8::4", r)).toBe(false);
  });

  it("matches an odd IPv6 mask like /57 at both edges", () => {
    const r = rules("2001:db8:0:80::/57");
    expect(ipMatches("2001:db8:0:80::", r)).toBe(true);
    expect(ipMatches("2001:db8:0:ff:ffff:ffff:ffff:ffff", r)).toBe(true);
    expect(ipMatches("2001:db8:0:7f:ffff:ffff:ffff:ffff", r)).toBe(false);
    expect(ipMatches("2001:db8:0:100::", r)).toBe(false);
  });

  it("matches an IPv4-mapped IPv6 client against an IPv4 rule", () => {
    const r = rules("10.0.0.0/8");
    expect(ipMatches("::ffff:10.20.30.40", r)).toBe(true);
    expect(ipMatches("::ffff:a14:1e28", r)).toBe(true);
    expect(ipMatches("::ffff:11.0.0.1", r)).toBe(false);
    // IPv4-compatible (deprecated, RFC 4291 §2.5.5.1) is a different address.
    expect(ipMatches("::10.20.30.40", r)).toBe(false);
  });

  it("matches an IPv4 client against an IPv4-mapped IPv6 rule", () => {
    const r = rules("::ffff:10.0.0.0/104");
    expect(ipMatches("10.20.30.40", r)).toBe(true);
    expect(ipMatches("11.0.0.1", r)).toBe(false);
    expect(ipMatches("10.0.0.1", rules("::ffff:10.0.0.1"))).toBe(true);
  });

  it("matches when any of several rules does", () => {
    const r = rules("192.0.2.0/24", "2001:db8::/32");
    expect(ipMatches("2001:db8:ffff::1", r)).toBe(true);
    expect(ipMatches("192.0.2.99", r)).toBe(true);
    expect(ipMatches("198.51.100.1", r)).toBe(false);
  });

  it("never matches a malformed client address", () => {
    const r = rules("::/0");
    for (const ip of ["", "abc", "1.2.3.4/32", "1.2.3.4, 5.6.7.8", "fe80::1%eth0", "[::1]", "1.2.3.256", "::g", "12345::", "1::2::3", "1:2:3:4:5:6:7:8:9", "::ffff:1.2.3"]) {
      expect(ipMatches(ip, r), ip).toBe(false);
    }
  });

  it("matches nothing with an empty list", () => {
    expect(ipMatches("1.2.3.4", [])).toBe(false);
  });
});
