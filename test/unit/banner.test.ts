// The banner's markup (escaping, size, dismissal key, scoped CSS, CSP nonces) — unit harness, pure modules in workerd.
import { describe, expect, it } from "vitest";
import { cspNonces } from "../../src/banner/csp";
import { escapeHtml, renderBanner, type BannerKind } from "../../src/banner/markup";
import type { StateDoc } from "../../src/core/doc";
import { utcText } from "../../src/page/time";
import { doc } from "../support/docs";

describe("banner markup", () => {
  const sample = doc({ mode: "maintenance", startsAt: "2031-05-02T22:00:00.000Z", message: null, updatedAt: "2031-05-01T10:00:00.000Z" });

  it("escapes text and attribute values, and keeps the result ASCII", () => {
    expect(escapeHtml(`<script>alert("x")</script>`)).toBe("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(escapeHtml(`it's "A & B"`)).toBe("it&#39;s &quot;A &amp; B&quot;");
    expect(escapeHtml("Café ✓ 🚧")).toBe("Caf&#xe9; &#x2713; &#x1f6a7;");
    expect(escapeHtml("plain text, 100% (ok)")).toBe("plain text, 100% (ok)");
  });

  it("stays small: under 3 KB before the message", () => {
    for (const kind of ["scheduled", "read-only"] as const) {
      expect(renderBanner({ kind: kind, doc: sample }, null).html.length, kind).toBeLessThan(3072);
    }
  });

  it("ends the sentence without a message, and names the window's time in UTC", () => {
    const html = renderBanner({ kind: "scheduled", doc: sample }, null).html;
    expect(html).toContain(`<time datetime="2031-05-02T22:00:00.000Z">${utcText("2031-05-02T22:00:00.000Z")}</time>.</p>`);
    // Intl's English (as in Britain: day first, 24-hour clock); ICU versions differ on the comma after the day name.
    expect(utcText("2031-12-31T23:59:00Z")).toMatch(/^Wed,? 31 Dec 2031, 23:59 UTC$/);
  });

  it("remembers a dismissal per window: the key changes with the window, the update and the kind", () => {
    const key = (d: StateDoc, kind: BannerKind) => /data-key="([^"]+)"/.exec(renderBanner({ kind: kind, doc: d }, null).html)![1];
    const base = key(sample, "scheduled");
    expect(base).toBe("pitstop-banner:scheduled:2031-05-02T22:00:00.000Z:2031-05-01T10:00:00.000Z");
    expect(key({ ...sample, startsAt: "2031-06-01T22:00:00.000Z" }, "scheduled")).not.toBe(base);
    expect(key({ ...sample, updatedAt: "2031-05-01T11:00:00.000Z" }, "scheduled")).not.toBe(base);
    expect(key(sample, "read-only")).not.toBe(base);
  });

  it("styles nothing outside #pitstop-banner", () => {
    const html = renderBanner({ kind: "scheduled", doc: sample }, null).html;
    const css = /<style>([\s\S]*)<\/style>/.exec(html)![1]!;
    const selectors = [...css.matchAll(/(?:^|[{}])([^{}@]+)\{/g)].flatMap((m) => m[1]!.split(","));
    expect(selectors.length).toBeGreaterThan(5);
    for (const selector of selectors) expect(selector.trim()).toMatch(/^#pitstop-banner(?![\w-])/);
    expect(css).not.toMatch(/(^|[}\s,])(html|body|:root)\b/);
  });

  it("takes nonces from the CSP directive that governs each element", () => {
    expect(cspNonces("default-src 'self'; script-src 'nonce-abc' 'strict-dynamic'")).toEqual({ style: null, script: "abc" });
    expect(cspNonces("default-src 'nonce-d3f'")).toEqual({ style: "d3f", script: "d3f" });
    expect(cspNonces("script-src 'self'; default-src 'nonce-x'")).toEqual({ style: "x", script: null });
    expect(cspNonces("script-src-elem 'nonce-e'; script-src 'nonce-s'")).toEqual({ style: null, script: "e" });
    expect(cspNonces("img-src *, script-src 'nonce-second'")).toEqual({ style: null, script: "second" });
    expect(cspNonces(`script-src 'nonce-"><script>'`)).toEqual({ style: null, script: null });
  });
});
