// The responses Pitstop itself serves: the maintenance page, the read-only
// refusal, the origin-down page, the invalid-link page and the answers of the
// "email me when we're back" form, as HTML (from the templates in assets/) or
// as RFC 9457 problem+json, in the visitor's language.
import { messageIn, type Language, type MessageText } from "../core/message";
import type { Policy } from "../core/policy";
import type { Rule } from "../core/rules";
import { retryAfterSeconds } from "../core/window";
import { CATALOG, pick, t, type TextKey } from "../i18n/catalog";
import { languageHeaders } from "../i18n/negotiate";
import { logEvent } from "../log";
import type { Audience } from "./negotiate";
import { utcText } from "./time";

export type PageKind =
  | "maintenance"
  | "read-only"
  | "origin-down"
  | "link-invalid"
  | "notify-invalid"
  | "notify-limited"
  | "notify-full"
  | "notify-failed"
  | "notify-closed";

interface PageCopy {
  template: string;
  status: number;
  /** Translation keys (src/i18n/locales/). */
  title: TextKey;
  defaultMessage: TextKey;
  problemType: string;
}

export const PAGES: Record<PageKind, PageCopy> = {
  maintenance: { template: "maintenance.html", status: 503, title: "maintenance.title", defaultMessage: "maintenance.message", problemType: "urn:pitstop:maintenance" },
  "read-only": { template: "read-only.html", status: 503, title: "readOnly.title", defaultMessage: "readOnly.message", problemType: "urn:pitstop:read-only" },
  "origin-down": { template: "maintenance.html", status: 502, title: "originDown.title", defaultMessage: "originDown.message", problemType: "urn:pitstop:origin-unavailable" },
  "link-invalid": { template: "link-invalid.html", status: 403, title: "linkInvalid.title", defaultMessage: "linkInvalid.message", problemType: "urn:pitstop:link-invalid" },
  "notify-invalid": { template: "notify.html", status: 400, title: "notify.invalidTitle", defaultMessage: "notify.invalid", problemType: "urn:pitstop:notify-invalid-email" },
  "notify-limited": { template: "notify.html", status: 429, title: "notify.limitedTitle", defaultMessage: "notify.limited", problemType: "urn:pitstop:rate-limited" },
  "notify-full": { template: "notify.html", status: 409, title: "notify.fullTitle", defaultMessage: "notify.full", problemType: "urn:pitstop:notify-full" },
  "notify-failed": { template: "notify.html", status: 503, title: "notify.failedTitle", defaultMessage: "notify.failed", problemType: "urn:pitstop:notify-unavailable" },
  "notify-closed": { template: "notify.html", status: 409, title: "notify.closedTitle", defaultMessage: "notify.closed", problemType: "urn:pitstop:not-in-maintenance" },
};

/** What the pages' script needs to localise times and the countdown. */
const SCRIPT_TEXTS: readonly TextKey[] = ["time.today", "time.tomorrow", "time.onDate", "countdown.now", "countdown.underMinute", "countdown.about", "maintenance.endsLabel"];

/** Everything on the page comes inline; this CSP proves it (no off-site requests). */
const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface RenderInput {
  kind: PageKind;
  audience: Audience;
  /** The visitor's language (i18n/negotiate.ts); DEFAULT_LANGUAGE when not given. */
  lang?: Language;
  method: string;
  policy: Policy | null;
  /** The rule that refused the request; null when the site's own mode did. */
  rule?: Rule | null;
  now: number;
  extraHeaders?: [string, string][];
  /** The notify answer pages: the same-site path of the page the form was on (rendered per request). */
  back?: string;
}

export interface PageSettings {
  /** Where the templates come from (the ASSETS binding). */
  assets: Fetcher;
  /** The page polls `<adminPrefix>/status.json`. */
  adminPrefix: string;
  /** DEFAULT_LANGUAGE: the admin's message falls back to it. */
  defaultLanguage: Language;
  /** "Email me when we're back" is configured (EMAIL and NOTIFY_FROM): the maintenance page offers the form. */
  notify: boolean;
}

/**
 * The pages of one isolate. HTML is rendered once per state change and
 * language and kept; a request only copies the finished string.
 */
export class Pages {
  private readonly templates = new Map<string, string>();
  private readonly rendered = new WeakMap<object, Map<string, string>>();

  constructor(private readonly settings: PageSettings) {}

  async render(input: RenderInput): Promise<Response> {
    const { kind, policy, now } = input;
    const lang = input.lang ?? this.settings.defaultLanguage;
    const rule = input.rule ?? null;
    const copy = PAGES[kind];
    const doc = policy?.doc ?? null;
    const stateful = kind === "maintenance" || kind === "read-only";
    // The admin's message explains maintenance (a rule's own, when a rule refused); other pages keep their own words.
    const message: MessageText = (stateful ? messageIn(rule ? rule.message : doc?.message, lang, this.settings.defaultLanguage) : null) ?? {
      text: t(lang, copy.defaultMessage),
      lang,
    };
    // A rule has no window of its own: its page shows no expected end.
    const endsAt = stateful && !rule ? (doc?.endsAt ?? null) : null;
    const retryAfter = kind === "origin-down" ? 30 : kind === "notify-limited" ? 60 : retryAfterSeconds(doc, now);

    const headers = new Headers({ "cache-control": "no-store", "x-pitstop": kind });
    languageHeaders(headers, lang);
    if (copy.status === 503 || copy.status === 502 || copy.status === 429) headers.set("retry-after", String(retryAfter));
    for (const [name, value] of input.extraHeaders ?? []) headers.append(name, value);

    let body: string;
    if (input.audience === "json") {
      headers.set("content-type", "application/problem+json");
      body = JSON.stringify({
        type: copy.problemType,
        title: t(lang, copy.title),
        status: copy.status,
        detail: message.text,
        ...(kind === "maintenance" || kind === "read-only" || kind === "origin-down" ? { retryAfter, endsAt } : {}),
        ...(rule ? { rule: rule.id } : {}),
      });
    } else {
      headers.set("content-type", "text/html; charset=utf-8");
      headers.set("content-security-policy", PAGE_CSP);
      // The form on the maintenance page posts here: the Referer (this site only) says where to go back to.
      headers.set("referrer-policy", kind === "maintenance" && this.offersForm(rule) ? "same-origin" : "no-referrer");
      headers.set("x-content-type-options", "nosniff");
      body = await this.html(kind, lang, policy, rule, message, endsAt, input.back);
    }
    const isHead = input.method.toUpperCase() === "HEAD";
    return new Response(isHead ? null : body, { status: copy.status, headers });
  }

  /** The site's own maintenance offers the form; a rule's page (one feature, some users) does not. */
  private offersForm(rule: Rule | null): boolean {
    return this.settings.notify && rule === null;
  }

  private async html(
    kind: PageKind,
    lang: Language,
    policy: Policy | null,
    rule: Rule | null,
    message: MessageText,
    endsAt: string | null,
    back: string | undefined,
  ): Promise<string> {
    const fields: Fill = {
      lang,
      title: t(lang, PAGES[kind].title),
      message,
      endsAt,
      statusUrl: `${this.settings.adminPrefix}/status.json`,
      notifyAction: kind === "maintenance" && this.offersForm(rule) ? `${this.settings.adminPrefix}/notify` : null,
      back: back ?? null,
    };
    // Answers that name the visitor's page are made per request (rare: form errors).
    if (back !== undefined) return fill(await this.template(kind), fields);

    const owner = kind === "maintenance" || kind === "read-only" ? (policy ?? STATELESS) : STATELESS;
    let byKind = this.rendered.get(owner);
    if (!byKind) this.rendered.set(owner, (byKind = new Map()));
    const key = `${kind}:${lang}${rule ? `:${rule.id}` : ""}`;
    const hit = byKind.get(key);
    if (hit !== undefined) return hit;
    const html = await fill(await this.template(kind), fields);
    byKind.set(key, html);
    return html;
  }

  private async template(kind: PageKind): Promise<string> {
    const name = PAGES[kind].template;
    const cached = this.templates.get(name);
    if (cached !== undefined) return cached;
    let text: string;
    try {
      const res = await this.settings.assets.fetch(new Request(`https://assets.invalid/${name}`));
      if (!res.ok) throw new Error(`status ${res.status}`);
      text = await res.text();
    } catch (err) {
      // A missing template must never leave a visitor with an error: fall back
      // to a plain page carrying the same hooks, and say so in the logs.
      logEvent("error", "render.fault", { template: name, reason: err instanceof Error ? err.message : String(err) });
      return FALLBACK_TEMPLATE;
    }
    this.templates.set(name, text);
    return text;
  }
}

// ---- HTML rendering ------------------------------------------------------------

/** Pages that do not depend on a site's state share this cache key. */
const STATELESS = {};

interface Fill {
  lang: Language;
  title: string;
  message: MessageText;
  endsAt: string | null;
  statusUrl: string;
  /** The form's action; null: no form on this page. */
  notifyAction: string | null;
  back: string | null;
}

/** HTMLRewriter's setInnerContent and setAttribute escape what they insert. */
async function fill(html: string, data: Fill): Promise<string> {
  const texts = CATALOG[data.lang];
  const translate = (attr: string) => (el: Element) => {
    const key = el.getAttribute(attr);
    if (key !== null && key in texts) return texts[key as TextKey];
    return null;
  };
  const textOf = translate("data-i18n");
  const placeholderOf = translate("data-i18n-placeholder");
  const strings = JSON.stringify(pick(data.lang, SCRIPT_TEXTS));
  const rewriter = new HTMLRewriter()
    .on("html", {
      element(el) {
        el.setAttribute("lang", data.lang);
        el.setAttribute("data-status-url", data.statusUrl);
        el.setAttribute("data-strings", strings);
      },
    })
    .on("title", {
      element(el) {
        el.setInnerContent(data.title);
      },
    })
    .on('[data-pitstop="title"]', {
      element(el) {
        el.setInnerContent(data.title);
      },
    })
    .on('[data-pitstop="message"]', {
      element(el) {
        el.setInnerContent(data.message.text);
        // A message the admin wrote in another language says so, for screen readers and hyphenation.
        if (data.message.lang !== null && data.message.lang !== data.lang) el.setAttribute("lang", data.message.lang);
      },
    })
    .on("[data-i18n]", {
      element(el) {
        const text = textOf(el);
        if (text !== null) el.setInnerContent(text);
      },
    })
    .on("[data-i18n-placeholder]", {
      element(el) {
        const text = placeholderOf(el);
        if (text !== null) el.setAttribute("placeholder", text);
      },
    })
    .on('[data-pitstop="ends-wrap"]', {
      element(el) {
        if (data.endsAt === null) el.remove();
      },
    })
    .on('[data-pitstop="ends"]', {
      element(el) {
        if (data.endsAt === null) return;
        el.setAttribute("datetime", data.endsAt);
        el.setInnerContent(utcText(data.endsAt, data.lang));
      },
    })
    .on('[data-pitstop="notify"]', {
      element(el) {
        if (data.notifyAction === null) el.remove();
        else el.setAttribute("action", data.notifyAction);
      },
    })
    .on('[data-pitstop="notify-ok"]', {
      element(el) {
        if (data.notifyAction === null) el.remove();
      },
    })
    .on('[data-pitstop="notify-lang"]', {
      element(el) {
        el.setAttribute("value", data.lang);
      },
    })
    .on('[data-pitstop="back"]', {
      element(el) {
        if (data.back !== null && el.tagName === "a") el.setAttribute("href", data.back);
      },
    });
  return rewriter.transform(new Response(html)).text();
}

const FALLBACK_TEMPLATE = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Maintenance</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1.5rem;line-height:1.5;color:#1f2937;background:#f8fafc}
@media (prefers-color-scheme:dark){body{color:#e5e7eb;background:#0f172a}}</style></head>
<body><main><h1 data-pitstop="title">We'll be back soon</h1><p data-pitstop="message"></p>
<p data-pitstop="ends-wrap"><span data-i18n="maintenance.endsLabel">Expected back:</span> <time data-pitstop="ends"></time></p></main></body></html>`;
