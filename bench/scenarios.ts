// What the benchmark measures: the scenario table (each Pitstop scenario next
// to the baseline it is compared with), the check each scenario's probe must
// pass before it is measured, the A-then-B groups of a round, and the state
// document seeded for each Pitstop copy.
import { sign } from "hono/jwt";
import { HarnessError } from "./lib/util.ts";
import { LARGE_PAGE, SMALL_PAGE } from "./pages.ts";
import type { PitstopInstance } from "./lib/workerd.ts";
import type { WrkRequest } from "./lib/wrk.ts";
import { workerCode } from "./lib/worker-code.ts";
import { MiB } from "./settings.ts";


export interface Probe {
  status: number;
  headers: Headers;
  body: Buffer;
}

export type Check = { ok: true; note?: string } | { ok: false; reason: string };

export interface Scenario {
  id: string;
  label: string;
  /** Socket/service: "baseline" or "pitstop-<state>". */
  service: string;
  path: string;
  request: WrkRequest;
  /** The baseline scenario it is compared with; null for baselines. */
  baseline: string | null;
  /** The status every measured response should have. */
  status: number;
  check(p: Probe): Check;
  /** Measured while a second wrk sends random Host names to the same service (issue 13, item 8). */
  flood?: boolean;
}

const FORM_BODY = `note=${"x".repeat(1019)}`; // 1 KiB form post
const postRequest: WrkRequest = { method: "POST", body: FORM_BODY, headers: { "Content-Type": "application/x-www-form-urlencoded" } };

/** The origin's answer, passed through untouched. */
function passes(length: number) {
  return (p: Probe): Check =>
    p.status !== 200
      ? { ok: false, reason: `status ${p.status}, expected 200` }
      : p.body.length !== length
        ? { ok: false, reason: `body ${p.body.length} bytes, expected ${length}` }
        : p.headers.get("x-pitstop")
          ? { ok: false, reason: `x-pitstop: ${p.headers.get("x-pitstop")} on a passthrough` }
          : { ok: true };
}

/** Pitstop's own 503 page of that kind. */
function page(kind: string) {
  return (p: Probe): Check =>
    p.status === 503 && p.headers.get("x-pitstop") === kind
      ? { ok: true }
      : { ok: false, reason: `status ${p.status}, x-pitstop ${p.headers.get("x-pitstop")}; expected 503 ${kind}` };
}

/** The origin's HTML page with the announcement banner injected. */
function announced(p: Probe): Check {
  if (p.status !== 200) return { ok: false, reason: `status ${p.status}, expected 200` };
  const body = p.body.toString("utf8");
  if (!body.includes("Hello from the origin")) return { ok: false, reason: "the origin's page is missing from the response" };
  if (!body.includes('id="pitstop-banner"')) return { ok: false, reason: 'no banner injected (no id="pitstop-banner" in the page)' };
  return { ok: true, note: "banner injected" };
}

export function buildScenarios(cookie: string, session: string): Scenario[] {
  const cookieReq: WrkRequest = { headers: { Cookie: `pitstop_bypass=${cookie}` } };
  // A signed-in visitor: the session JWT among a site's usual cookies.
  const sessionReq: WrkRequest = { headers: { Cookie: `theme=dark; session=${session}; _ga=GA1.1.123456789.1700000000` } };
  const html = Buffer.byteLength(SMALL_PAGE);
  const large = Buffer.byteLength(LARGE_PAGE);
  return [
    { id: "base-1k", label: "baseline GET 1 KB", service: "baseline", path: "/1k", request: {}, baseline: null, status: 200, check: passes(1024) },
    { id: "off-1k", label: "Pitstop off, 1 KB", service: "pitstop-off", path: "/1k", request: {}, baseline: "base-1k", status: 200, check: passes(1024) },
    { id: "maintenance", label: "Pitstop maintenance page", service: "pitstop-maintenance", path: "/1k", request: {}, baseline: "base-1k", status: 503, check: page("maintenance") },
    { id: "base-1m", label: "baseline GET 1 MB", service: "baseline", path: "/1m", request: {}, baseline: null, status: 200, check: passes(MiB) },
    { id: "off-1m", label: "Pitstop off, 1 MB", service: "pitstop-off", path: "/1m", request: {}, baseline: "base-1m", status: 200, check: passes(MiB) },
    { id: "base-post", label: "baseline POST 1 KB", service: "baseline", path: "/1k", request: postRequest, baseline: null, status: 200, check: passes(1024) },
    { id: "read-only", label: "Pitstop read-only, POST refused", service: "pitstop-read-only", path: "/1k", request: postRequest, baseline: "base-post", status: 503, check: page("read-only") },
    { id: "base-cookie", label: "baseline GET 1 KB + cookie", service: "baseline", path: "/1k", request: cookieReq, baseline: null, status: 200, check: passes(1024) },
    { id: "bypass", label: "Pitstop on, bypass-cookie holder", service: "pitstop-maintenance", path: "/1k", request: cookieReq, baseline: "base-cookie", status: 200, check: passes(1024) },
    { id: "base-html", label: "baseline GET HTML page", service: "baseline", path: "/html", request: {}, baseline: null, status: 200, check: passes(html) },
    { id: "announce", label: "Pitstop off, window announced", service: "pitstop-announce", path: "/html", request: {}, baseline: "base-html", status: 200, check: announced },
    { id: "base-html-200k", label: "baseline GET HTML page 200 KB", service: "baseline", path: "/html-200k", request: {}, baseline: null, status: 200, check: passes(large) },
    { id: "announce-200k", label: "Pitstop announced, 200 KB page", service: "pitstop-announce", path: "/html-200k", request: {}, baseline: "base-html-200k", status: 200, check: announced },
    { id: "rules-10", label: "Pitstop, 10 rules, none matching", service: "pitstop-rules", path: "/1k", request: {}, baseline: "base-1k", status: 200, check: passes(1024) },
    { id: "base-session", label: "baseline GET 1 KB + session JWT", service: "baseline", path: "/1k", request: sessionReq, baseline: null, status: 200, check: passes(1024) },
    { id: "user-rule", label: "Pitstop, user rule, visitor not in it", service: "pitstop-user-rule", path: "/1k", request: sessionReq, baseline: "base-session", status: 200, check: passes(1024) },
    { id: "base-flood", label: "baseline GET 1 KB, random-Host flood", service: "baseline", path: "/1k", request: {}, baseline: null, status: 200, check: passes(1024), flood: true },
    { id: "flood", label: "Pitstop off, 1 KB, random-Host flood", service: "pitstop-off", path: "/1k", request: {}, baseline: "base-flood", status: 200, check: passes(1024), flood: true },
  ];
}

/** A-then-B groups for each round: every Pitstop scenario right after its baseline. */
export const GROUPS = [
  ["base-1k", "off-1k", "rules-10", "maintenance"],
  ["base-1m", "off-1m"],
  ["base-post", "read-only"],
  ["base-cookie", "bypass"],
  ["base-html", "announce"],
  ["base-html-200k", "announce-200k"],
  ["base-session", "user-rule"],
  ["base-flood", "flood"],
];

/** --only: the scenarios named and the baselines they are compared with; null: all. */
export function selectScenarios(scenarios: Scenario[], only: Set<string> | null): Scenario[] {
  if (!only) return scenarios;
  const ids = new Set(only);
  for (const id of ids) if (!scenarios.some((s) => s.id === id)) throw new HarnessError(`--only: no scenario "${id}" (${scenarios.map((s) => s.id).join(", ")})`);
  for (const s of scenarios) if (ids.has(s.id) && s.baseline) ids.add(s.baseline);
  return scenarios.filter((s) => ids.has(s.id));
}

/** One Pitstop copy per state, each with its site's document in its own KV store. */
export async function seededStates(now: number, site: string): Promise<PitstopInstance[]> {
  const { emptyDoc } = await workerCode();
  const seed = (state: string, fields: Record<string, unknown>): PitstopInstance => ({
    state,
    kv: { [`site:${site}`]: JSON.stringify({ ...emptyDoc(new Date(now), "bench"), ...fields }) },
  });
  const rule = (id: string, fields: Record<string, unknown>) => ({ id, paths: [], methods: [], users: [], percent: null, mode: "maintenance", message: null, banner: false, ...fields });
  const hour = 3600_000;
  const startsAt = now + 48 * hour;
  return [
    seed("off", {}),
    seed("maintenance", { mode: "maintenance", message: "Benchmark maintenance", retryAfter: 300 }),
    seed("read-only", { mode: "read-only", message: "Benchmark read-only" }),
    seed("announce", {
      mode: "maintenance",
      message: "Scheduled maintenance",
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(startsAt + hour).toISOString(),
      announceFrom: new Date(now - hour).toISOString(),
    }),
    // Issue 10: ten feature rules, none of which matches /1k.
    seed("rules", { rules: Array.from({ length: 10 }, (_, i) => rule(`feature-${i + 1}`, { paths: [`/feature-${i + 1}/*`] })) }),
    // Issue 10: a rule for some users; the bench's visitor (SESSION_USER) is not one of them.
    {
      ...seed("user-rule", { rules: [rule("migrate-batch", { users: Array.from({ length: 100 }, (_, i) => `customer-${i + 1}`) })] }),
      vars: { USER_KEY_FROM: "cookie:session", USER_KEY_SECRET },
    },
  ];
}

export const USER_KEY_SECRET = "bench-user-key-secret-0123456789abcdef";
export const SESSION_USER = "visitor-42";

/** The visitor's session cookie: an HS256 JWT for SESSION_USER, signed with hono/jwt as an app would. */
export function mintSession(now: number): Promise<string> {
  const iat = Math.floor(now / 1000);
  return sign({ sub: SESSION_USER, iat, exp: iat + 3600 }, USER_KEY_SECRET, "HS256");
}

/** A bypass cookie for `site`, minted by the worker's own signer. */
export async function mintCookie(secret: string, site: string, exp: number): Promise<string> {
  const { signBypass } = await workerCode();
  return signBypass(secret, { purpose: "cookie", site, exp, iat: Date.now() });
}
