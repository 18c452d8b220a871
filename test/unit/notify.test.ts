// "Email me when we're back", its pure parts: which addresses are taken, batches within Email Service's 50 recipients, what each of its errors means, the email itself, the rate-limit key — unit harness, pure modules in workerd.
import { describe, expect, it } from "vitest";
import { parseEmailAddress } from "../../src/core/email";
import { batches, errorCode, MAX_RECIPIENTS, sendBatch, type Recipient } from "../../src/notify/deliver";
import { backEmail } from "../../src/notify/email";
import { clientKey } from "../../src/notify/notifier";
import { t } from "../../src/i18n/catalog";
import { Recorder } from "../support/mailer";

const FROM = "maintenance@example.org";

describe("addresses", () => {
  it.each([
    ["ana@example.org", "ana@example.org"],
    ["  Ana.Lopez+shop@Example.ORG ", "ana.lopez+shop@example.org"],
    ["o'brien@mail.example.ie", "o'brien@mail.example.ie"],
    ["x@sub.xn--bcher-kva.example", "x@sub.xn--bcher-kva.example"],
  ])("takes %j as %j", (raw, stored) => {
    expect(parseEmailAddress(raw)).toBe(stored);
  });

  it.each([
    "",
    "ana",
    "ana@",
    "@example.org",
    "ana@example",
    "ana@localhost",
    "ana@@example.org",
    "ana@example..org",
    "ana@-example.org",
    ".ana@example.org",
    "ana.@example.org",
    "a..b@example.org",
    "ana example@example.org",
    '"ana"@example.org',
    "ana@[127.0.0.1]",
    "<script>@example.org",
    "ana@example.org<script>alert(1)</script>",
    "Ana <ana@example.org>",
    "ana@example.org, bob@example.org",
    "ana@example.org\r\nBcc: eve@example.org",
    `${"a".repeat(65)}@example.org`,
    `ana@${"a".repeat(250)}.org`,
    "ana@example.c0m",
  ])("refuses %j", (raw) => {
    expect(parseEmailAddress(raw)).toBeNull();
  });
});

const recipient = (i: number, lang: Recipient["lang"] = "fr", site = "shop.example"): Recipient => ({
  site,
  origin: `https://${site}`,
  address: `person${i}@example.net`,
  lang,
});

describe("batches", () => {
  it("group by site and language, at most 50 recipients per send counting the To line", () => {
    const many = Array.from({ length: 120 }, (_, i) => recipient(i));
    const out = batches([...many, recipient(500, "de"), recipient(501, "fr", "other.example")]);
    expect(out.map((b) => b.length)).toEqual([49, 49, 22, 1, 1]);
    for (const b of out) expect(new Set(b.map((r) => `${r.site} ${r.lang}`)).size).toBe(1);
    expect(out.flat()).toHaveLength(122);
  });

  it("send a batch To the sender with the subscribers in Bcc, and one alone To its subscriber", async () => {
    const mailer = new Recorder();
    const group = Array.from({ length: 49 }, (_, i) => recipient(i));
    expect(await sendBatch(mailer, FROM, group)).toEqual([{ kind: "sent", recipients: group }]);
    expect(await sendBatch(mailer, FROM, [recipient(99, "ca")])).toEqual([{ kind: "sent", recipients: [recipient(99, "ca")] }]);
    const [batch, single] = mailer.sent;
    expect(batch!.to).toEqual([FROM]);
    expect(batch!.bcc).toHaveLength(49);
    expect(batch!.to.length + batch!.bcc.length).toBeLessThanOrEqual(MAX_RECIPIENTS);
    expect(batch!.subject).toBe(t("fr", "email.subject", { site: "shop.example" }));
    expect(single!.to).toEqual(["person99@example.net"]);
    expect(single!.bcc).toEqual([]);
    expect(single!.subject).toBe("shop.example ja ha tornat");
    expect(batch!.from).toEqual({ email: FROM, name: "shop.example" });
  });
});

describe("Email Service's errors", () => {
  it("a suppressed recipient fails the whole send: the batch goes one by one, and only that address fails", async () => {
    const group = [recipient(1), recipient(2), recipient(3)];
    const mailer = new Recorder((m) => (m.bcc.length > 0 || m.to.includes("person2@example.net") ? "E_RECIPIENT_SUPPRESSED" : null));
    expect(await sendBatch(mailer, FROM, group)).toEqual([
      { kind: "sent", recipients: [group[0]] },
      { kind: "rejected", recipients: [group[1]], code: "E_RECIPIENT_SUPPRESSED" },
      { kind: "sent", recipients: [group[2]] },
    ]);
    expect(mailer.sent.map((m) => m.to[0])).toEqual(["person1@example.net", "person3@example.net"]);
  });

  it("the rate limit or the daily limit stops the run, and nothing is given up", async () => {
    for (const code of ["E_RATE_LIMIT_EXCEEDED", "E_DAILY_LIMIT_EXCEEDED"]) {
      expect(await sendBatch(new Recorder(() => code), FROM, [recipient(1), recipient(2)])).toEqual([{ kind: "throttled", code }]);
    }
    // Hit while going one by one: the rest wait for the next run.
    const mailer = new Recorder((m, n) => (m.bcc.length ? "E_RECIPIENT_SUPPRESSED" : n === 2 ? "E_RATE_LIMIT_EXCEEDED" : null));
    expect((await sendBatch(mailer, FROM, [recipient(1), recipient(2), recipient(3)])).map((o) => o.kind)).toEqual(["sent", "throttled"]);
  });

  it("a service or sender fault is retried later, for the whole batch", async () => {
    for (const code of ["E_INTERNAL_SERVER_ERROR", "E_SENDER_NOT_VERIFIED", "E_DELIVERY_FAILED"]) {
      expect(await sendBatch(new Recorder(() => code), FROM, [recipient(1), recipient(2)])).toEqual([{ kind: "retry", recipients: [recipient(1), recipient(2)], code }]);
    }
  });

  it("keeps only the error's code, never its message (which can name addresses)", () => {
    expect(errorCode(Object.assign(new Error("ana@example.org is suppressed"), { code: "E_RECIPIENT_SUPPRESSED" }))).toBe("E_RECIPIENT_SUPPRESSED");
    expect(errorCode(new Error("email to ana@example.org not allowed"))).toBe("unknown");
    expect(errorCode({ code: "ana@example.org" })).toBe("unknown");
    expect(errorCode(null)).toBe("unknown");
  });
});

describe("the email", () => {
  it("says '<site> is back' in the subscriber's language, with a link, and nothing a visitor typed", () => {
    const email = backEmail("shop.example", "https://shop.example", "de");
    expect(email.subject).toBe("shop.example ist wieder da");
    expect(email.text).toContain(t("de", "email.body", { site: "shop.example" }));
    expect(email.text).toContain("https://shop.example/");
    expect(email.html).toContain('<html lang="de">');
    expect(email.html).toContain('<a href="https://shop.example/">https://shop.example/</a>');
    expect(email.html).not.toMatch(/@/);
  });

  it("escapes what it puts in its HTML", () => {
    const email = backEmail("shop.example", "https://shop.example", "fr");
    // French texts hold apostrophes and non-breaking spaces: escaped to ASCII references.
    expect(email.html).toContain("Bonne nouvelle&#xa0;:");
    expect(email.html).not.toMatch(/[^\x20-\x7e]/);
  });
});

describe("the rate limit's client key", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:db8:1:2::9", "2001:db8:1:2::/64"],
    ["2001:DB8:0001:0002:aaaa::1", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
  ])("%s counts as %s", (ip, key) => {
    expect(clientKey(ip)).toBe(key);
  });

  it("puts clients without an address together", () => {
    expect(clientKey(null)).toBe("unknown");
  });
});
