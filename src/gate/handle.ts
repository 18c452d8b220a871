// One request through the gate: look up the site's policy, decide, then pass
// to the origin or answer with a page. The hot path (site off) is a Map lookup,
// one comparison and the origin fetch: no cookie parsing, no HMAC, no body copy.
import type { Bindings, Config } from "../config";
import { logEvent, rateLimited } from "../log";
import { audienceOf } from "../page/negotiate";
import { renderPage } from "../page/render";
import { stateCache } from "../state/cache";
import { decide, type RequestFacts } from "./decide";
import { fetchOrigin, isGatewayError, isWebSocketUpgrade } from "./origin";
import type { Policy } from "./policy";

export interface GateHooks {
  /** Verifies a bypass cookie; only called when the site is not off. */
  hasBypass?: (request: Request, site: string, policy: Policy, now: number, env: Bindings) => Promise<boolean>;
  /** Rewrites an origin response during an announced window (the banner). */
  announce?: (response: Response, request: Request, policy: Policy, now: number) => Response;
  /** Extra headers on the maintenance response (sign-out cookies). */
  maintenanceHeaders?: (url: URL, config: Config) => [string, string][];
}

const originFaultLog = rateLimited(10_000);

export function handleGate(
  request: Request,
  url: URL,
  env: Bindings,
  ctx: ExecutionContext,
  config: Config,
  hooks: GateHooks,
): Promise<Response> {
  const now = Date.now();
  const cached = stateCache.policy(url.hostname, env.MAINTENANCE, ctx, config, now);
  if (cached instanceof Promise) return cached.then((policy) => gate(request, url, env, config, hooks, policy, now));
  return gate(request, url, env, config, hooks, cached, now);
}

function gate(request: Request, url: URL, env: Bindings, config: Config, hooks: GateHooks, policy: Policy, now: number): Promise<Response> {
  // Hot path: nothing stored, or stored "off" with no window ahead.
  const doc = policy.doc;
  if (doc === null || (doc.mode === "off" && doc.startsAt === null)) return toOrigin(request, url, env, config, policy, now);
  return gateActive(request, url, env, config, hooks, policy, now);
}

async function gateActive(
  request: Request,
  url: URL,
  env: Bindings,
  config: Config,
  hooks: GateHooks,
  policy: Policy,
  now: number,
): Promise<Response> {
  const facts: RequestFacts = {
    method: request.method,
    path: url.pathname,
    ip: request.headers.get("cf-connecting-ip"),
    bypass: false,
  };
  let decision = decide(facts, policy, now);
  if (decision.action !== "pass" && hooks.hasBypass && (await hooks.hasBypass(request, url.hostname, policy, now, env))) {
    decision = decide({ ...facts, bypass: true }, policy, now);
  }

  switch (decision.action) {
    case "pass": {
      if (!decision.announce || !hooks.announce || !config.banner) return toOrigin(request, url, env, config, policy, now);
      const page = forBanner(request);
      return hooks.announce(await toOrigin(page, url, env, config, policy, now), page, policy, now);
    }
    case "refuse-write":
      // The body is never read: refusing without touching the stream lets the
      // runtime drain or drop it cleanly (see DESIGN.md, platform facts).
      return renderPage({ kind: "read-only", audience: audienceOf(request.headers), method: request.method, policy, config, env, now });
    case "maintenance":
      return renderPage({
        kind: "maintenance",
        audience: audienceOf(request.headers),
        method: request.method,
        policy,
        config,
        env,
        now,
        extraHeaders: hooks.maintenanceHeaders?.(url, config),
      });
  }
}

function toOrigin(request: Request, url: URL, env: Bindings, config: Config, policy: Policy, now: number): Promise<Response> {
  return fetchOrigin(request, url, config).then(
    (response) => {
      if (!isGatewayError(response.status) || isWebSocketUpgrade(request)) return response;
      originFaultLog(`status-${response.status}`, now, (suppressed) =>
        logEvent("warn", "origin.fault", { site: url.hostname, status: response.status, suppressed }),
      );
      // Free the origin connection; its error text must not reach the visitor.
      response.body?.cancel().catch(() => {});
      return originDown(request, env, config, policy, now);
    },
    (err: unknown) => {
      originFaultLog("unreachable", now, (suppressed) =>
        logEvent("error", "origin.fault", { site: url.hostname, reason: err instanceof Error ? err.message : String(err), suppressed }),
      );
      return originDown(request, env, config, policy, now);
    },
  );
}

function originDown(request: Request, env: Bindings, config: Config, policy: Policy, now: number): Promise<Response> {
  return renderPage({ kind: "origin-down", audience: audienceOf(request.headers), method: request.method, policy, config, env, now });
}

/**
 * While a banner is due, a page navigation asks the origin for the full page:
 * a 304 would leave the visitor's cached copy (without the banner, or with a
 * stale one) in place. Images, scripts and API calls keep their validators.
 */
function forBanner(request: Request): Request {
  const headers = request.headers;
  if (request.method !== "GET" || (!headers.has("if-none-match") && !headers.has("if-modified-since"))) return request;
  const navigation = headers.get("sec-fetch-dest") === "document" || (headers.get("accept") ?? "").includes("text/html");
  if (!navigation) return request;
  const fresh = new Headers(headers);
  fresh.delete("if-none-match");
  fresh.delete("if-modified-since");
  return new Request(request, { headers: fresh });
}
