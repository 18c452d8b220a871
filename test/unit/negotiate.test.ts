// Content negotiation: who gets problem+json and who the HTML page (audienceOf) — unit harness, pure modules in workerd.
import { describe, expect, it } from "vitest";
import { audienceOf } from "../../src/page/negotiate";

const h = (init: Record<string, string>) => new Headers(init);

describe("who gets JSON", () => {
  it.each([
    [{ accept: "application/json" }, "json"],
    [{ accept: "application/problem+json" }, "json"],
    [{ accept: "application/vnd.api+json" }, "json"],
    [{ accept: "application/json, text/html;q=0.5" }, "json"],
    [{ accept: "*/*", "sec-fetch-dest": "empty" }, "json"],
    [{ "x-requested-with": "XMLHttpRequest" }, "json"],
    [{ "content-type": "application/json; charset=utf-8" }, "json"],
    [{ accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" }, "html"],
    [{ accept: "text/html;q=0.9, application/json;q=0.5" }, "html"],
    [{ accept: "application/json;q=0, text/html" }, "html"],
    [{ accept: "*/*" }, "html"],
    [{}, "html"],
  ])("%j gets %s", (headers, audience) => {
    expect(audienceOf(h(headers))).toBe(audience);
  });
});
