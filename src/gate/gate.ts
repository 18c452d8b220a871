// One request through the gate: look up the site's policy, decide, then pass
// to the origin or answer with a page. The hot path (site off) is a Map
// lookup, one comparison and the origin fetch: no cookie parsing, no HMAC, no
// body copy. Built once per isolate; each request brings its RequestContext.
import { decide, methodOverrides, type Decision, type RequestFacts } from "../core/decide";
import type { Policy } from "../core/policy";
import type { Rule } from "../core/rules";
import type { UserKeys } from "../identity/user-key";
import type { Banner } from "../banner/inject";
import type { BypassCookies } from "../bypass/cookie";
import type { LanguagePicker } from "../i18n/negotiate";
import { logEvent, rateLimited } from "../log";
import { audienceOf } from "../page/negotiate";
import type { PageKind, Pages } from "../page/render";
import type { StateCache } from "../state/cache";
import { fetchOrigin, isGatewayError, isWebSocketUpgrade } from "./origin";
import type { RequestContext } from "../request";

export interface GateParts {
  /** ORIGIN_URL's origin, or null for the route's origin. */
  origin: string | null;
  cache: StateCache;
  pages: Pages;
  cookies: BypassCookies;
  /** Null when BANNER is off. */
  banner: Banner | null;
  /** Null when USER_KEY_FROM is not set: every visitor is anonymous. */
  users: UserKeys | null;
  /** The visitor's language for pages and the banner (Accept-Language, else DEFAULT_LANGUAGE). */
  languages: LanguagePicker;
}

const originFaultLog = rateLimited(10_000);

export class Gate {
  constructor(private readonly parts: GateParts) {}

  handle(rc: RequestContext): Promise<Response> {
    const cached = this.parts.cache.policy(rc.site, rc.now, rc.ctx);
    if (cached instanceof Promise) return cached.then((policy) => this.route(rc, policy));
    return this.route(rc, cached);
  }

  private route(rc: RequestContext, policy: Policy): Promise<Response> {
    // Hot path: no mode, no window, no rule.
    if (policy.passAll) return this.toOrigin(rc, rc.request, policy);
    return this.active(rc, policy);
  }

  private async active(rc: RequestContext, policy: Policy): Promise<Response> {
    const { request } = rc;
    const headers = request.headers;
    const facts: RequestFacts = {
      method: request.method,
      path: rc.url.pathname,
      ip: headers.get("cf-connecting-ip"),
      bypass: false,
      upgrade: headers.has("upgrade"),
      methodOverrides: methodOverrides((name) => headers.get(name), rc.url.search),
      // Only a rule for some users needs to know who this is (a Map lookup once a token is verified).
      user: policy.needsUser && this.parts.users ? await this.parts.users.userOf(request, rc.now) : null,
    };
    let decision: Decision = decide(facts, policy, rc.now);
    // Bypass second: only a request the site would refuse pays for the cookie check.
    if (decision.action !== "pass" && (await this.parts.cookies.holds(request, rc.site, policy, rc.now))) {
      decision = decide({ ...facts, bypass: true }, policy, rc.now);
    }

    switch (decision.action) {
      case "pass": {
        const banner = this.parts.banner;
        if (!decision.announce || banner === null) return this.toOrigin(rc, request, policy);
        const page = banner.prepare(request);
        return banner.inject(await this.toOrigin(rc, page, policy), page, policy, rc.now, this.parts.languages.of(request.headers));
      }
      case "refuse-write":
        // The body is never read: refusing without touching the stream lets the
        // runtime drain or drop it cleanly (see DESIGN.md, platform facts).
        return this.page(rc, "read-only", policy, decision.rule);
      case "maintenance":
        // A feature or user rule keeps the visitor's session: only the whole site signs people out.
        return this.page(rc, "maintenance", policy, decision.rule, decision.rule ? undefined : this.parts.cookies.signOutHeaders(rc.url.protocol === "https:"));
    }
  }

  /** `request` is the visitor's, or the banner's copy of it without validators. */
  private toOrigin(rc: RequestContext, request: Request, policy: Policy): Promise<Response> {
    return fetchOrigin(request, rc.url, this.parts.origin).then(
      (response) => {
        if (!isGatewayError(response.status) || isWebSocketUpgrade(request)) return response;
        originFaultLog(`status-${response.status}`, rc.now, (suppressed) =>
          logEvent("warn", "origin.fault", { site: rc.site, status: response.status, suppressed }),
        );
        // Free the origin connection; its error text must not reach the visitor.
        response.body?.cancel().catch(() => {});
        return this.page(rc, "origin-down", policy, null);
      },
      (err: unknown) => {
        originFaultLog("unreachable", rc.now, (suppressed) =>
          logEvent("error", "origin.fault", { site: rc.site, reason: err instanceof Error ? err.message : String(err), suppressed }),
        );
        return this.page(rc, "origin-down", policy, null);
      },
    );
  }

  private page(rc: RequestContext, kind: PageKind, policy: Policy, rule: Rule | null, extraHeaders?: [string, string][]): Promise<Response> {
    const { request } = rc;
    const headers = request.headers;
    return this.parts.pages.render({ kind, audience: audienceOf(headers), lang: this.parts.languages.of(headers), method: request.method, policy, rule, now: rc.now, extraHeaders });
  }
}
