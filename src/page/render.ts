// The responses Pitstop itself serves: the maintenance page, the read-only
// refusal, the origin-down page and the invalid-link page, as HTML (from the
// templates in assets/) or as RFC 9457 problem+json.
import type { Policy } from "../core/policy";
import type { Rule } from "../core/rules";
import { retryAfterSeconds } from "../core/window";
import { logEvent } from "../log";
import type { Audience } from "./negotiate";
import { utcText } from "./time";

export type PageKind = "maintenance" | "read-only" | "origin-down" | "link-invalid";

interface PageCopy {
  template: string;
  status: number;
  title: string;
  defaultMessage: string;
  problemType: string;
}

export const PAGES: Record<PageKind, PageCopy> = {
  maintenance: {
    template: "maintenance.html",
    status: 503,
    title: "We'll be back soon",
    defaultMessage: "We're doing some scheduled maintenance to make things better. Thanks for your patience.",
    problemType: "urn:pitstop:maintenance",
  },
  "read-only": {
    template: "read-only.html",
    status: 503,
    title: "Your change wasn't saved",
    defaultMessage: "This site is read-only for maintenance; your change was not saved.",
    problemType: "urn:pitstop:read-only",
  },
  "origin-down": {
    template: "maintenance.html",
    status: 502,
    title: "We'll be right back",
    defaultMessage: "The site is having trouble right now. Please try again in a moment.",
    problemType: "urn:pitstop:origin-unavailable",
  },
  "link-invalid": {
    template: "link-invalid.html",
    status: 403,
    title: "This link is invalid or has expired",
    defaultMessage: "Ask the person who sent it for a new one.",
    problemType: "urn:pitstop:link-invalid",
  },
};

/** Everything on the page comes inline; this CSP proves it (no off-site requests). */
const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface RenderInput {
  kind: PageKind;
  audience: Audience;
  method: string;
  policy: Policy | null;
  /** The rule that refused the request; null when the site's own mode did. */
  rule?: Rule | null;
  now: number;
  extraHeaders?: [string, string][];
}

export interface PageSettings {
  /** Where the templates come from (the ASSETS binding). */
  assets: Fetcher;
  /** The page polls `<adminPrefix>/status.json`. */
  adminPrefix: string;
}

/**
 * The pages of one isolate. HTML is rendered once per state change and kept;
 * a request only copies the finished string.
 */
export class Pages {
  private readonly templates = new Map<string, string>();
  private readonly rendered = new WeakMap<object, Map<string, string>>();

  constructor(private readonly settings: PageSettings) {}

  async render(input: RenderInput): Promise<Response> {
    const { kind, policy, now } = input;
    const rule = input.rule ?? null;
    const copy = PAGES[kind];
    const doc = policy?.doc ?? null;
    const stateful = kind === "maintenance" || kind === "read-only";
    // The admin's message explains maintenance (a rule's own, when a rule refused); other pages keep their own words.
    const message = (stateful ? (rule ? rule.message : doc?.message) : null) || copy.defaultMessage;
    // A rule has no window of its own: its page shows no expected end.
    const endsAt = stateful && !rule ? (doc?.endsAt ?? null) : null;
    const retryAfter = kind === "origin-down" ? 30 : retryAfterSeconds(doc, now);

    const headers = new Headers({
      "cache-control": "no-store",
      vary: "Accept",
      "x-pitstop": kind,
    });
    if (copy.status === 503 || copy.status === 502) headers.set("retry-after", String(retryAfter));
    for (const [name, value] of input.extraHeaders ?? []) headers.append(name, value);

    let body: string;
    if (input.audience === "json") {
      headers.set("content-type", "application/problem+json");
      body = JSON.stringify({
        type: copy.problemType,
        title: copy.title,
        status: copy.status,
        detail: message,
        ...(copy.status === 403 ? {} : { retryAfter, endsAt }),
        ...(rule ? { rule: rule.id } : {}),
      });
    } else {
      headers.set("content-type", "text/html; charset=utf-8");
      headers.set("content-security-policy", PAGE_CSP);
      headers.set("referrer-policy", "no-referrer");
      headers.set("x-content-type-options", "nosniff");
      body = await this.html(kind, policy, rule, message, endsAt);
    }
    const isHead = input.method.toUpperCase() === "HEAD";
    return new Response(isHead ? null : body, { status: copy.status, headers });
  }

  private async html(kind: PageKind, policy: Policy | null, rule: Rule | null, message: string, endsAt: string | null): Promise<string> {
    const owner = kind === "maintenance" || kind === "read-only" ? (policy ?? STATELESS) : STATELESS;
    let byKind = this.rendered.get(owner);
    if (!byKind) this.rendered.set(owner, (byKind = new Map()));
    const key = rule ? `${kind}:${rule.id}` : kind;
    const hit = byKind.get(key);
    if (hit !== undefined) return hit;
    const html = await fill(await this.template(kind), {
      title: PAGES[kind].title,
      message,
      endsAt,
      statusUrl: `${this.settings.adminPrefix}/status.json`,
    });
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
  title: string;
  message: string;
  endsAt: string | null;
  statusUrl: string;
}

/** HTMLRewriter's setInnerContent and setAttribute escape what they insert. */
async function fill(html: string, data: Fill): Promise<string> {
  const rewriter = new HTMLRewriter()
    .on("html", {
      element(el) {
        el.setAttribute("data-status-url", data.statusUrl);
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
        el.setInnerContent(data.message);
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
        el.setInnerContent(utcText(data.endsAt));
      },
    });
  return rewriter.transform(new Response(html)).text();
}


const FALLBACK_TEMPLATE = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Maintenance</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1.5rem;line-height:1.5;color:#1f2937;background:#f8fafc}
@media (prefers-color-scheme:dark){body{color:#e5e7eb;background:#0f172a}}</style></head>
<body><main><h1 data-pitstop="title">We'll be back soon</h1><p data-pitstop="message"></p>
<p data-pitstop="ends-wrap">Expected back: <time data-pitstop="ends"></time></p></main></body></html>`;
