import { parseEmailAddress } from "./core/email";
import { parseIpRule } from "./core/ip";
import { isLanguage, LANGUAGES, type Language } from "./core/message";
import { parsePathPattern } from "./core/path";

// All configuration in one typed place, parsed and validated once per isolate
// from `env` (never at import time: env only exists per request). A bad value
// throws a ConfigError that names the variable.

/**
 * The worker's env. Its names come from wrangler.toml and .dev.vars.example
 * through `npm run cf-typegen` (worker-configuration.d.ts); a check in
 * `npm run typecheck` keeps the two in step. Every var and secret may still
 * be absent at run time (a secret not yet put, an older wrangler.toml), so
 * each is optional here and parsed with its default.
 */
type Strings = { [K in keyof CloudflareBindings]: CloudflareBindings[K] extends string ? K : never }[keyof CloudflareBindings];
export type Bindings = Omit<CloudflareBindings, Strings> & Partial<Pick<CloudflareBindings, Strings>>;

export type FailMode = "open" | "closed";

export interface Config {
  /** Admin API and public endpoints live under this path; never forwarded. */
  adminPrefix: string;
  /** How long an isolate may use its copy of the state, in ms (it refreshes from half of that). */
  cacheMs: number;
  /** How long each location's shared copy (the Cache API) is used, in ms. */
  edgeCacheMs: number;
  /**
   * The stated bound: a change is served everywhere within this long (ms) of
   * the coordinator storing it, while the stores answer. An isolate's copy is
   * at most cacheMs old, and it came from a location copy at most edgeCacheMs
   * old; one more second covers the refresh's own round trip.
   */
  boundMs: number;
  /** What to do when no good state has ever been read in this isolate. */
  failMode: FailMode;
  /** When set ("http://127.0.0.1:8788"), requests go to this origin, keeping path and query. */
  origin: string | null;
  /** Raw allowlist entries for every site; parsed by the allow modules. */
  allowIps: string[];
  allowPaths: string[];
  bypassCookieSeconds: number;
  cookieDomain: string | null;
  signOutCookies: string[];
  webhookUrls: URL[];
  /** In read-only mode, let protocol upgrades (WebSocket, h2c) through; refused by default. */
  readOnlyUpgrades: boolean;
  /** Where a visitor's user key comes from, for rules that target users; null: every visitor is anonymous. */
  userKey: {
    from: { kind: "header" | "cookie"; name: string };
    /** USER_KEY_JWKS_URL: the value is a JWT signed RS256/ES256 with one of these keys. */
    jwksUrl: URL | null;
    claim: string;
    /** USER_KEY_AUDIENCE, USER_KEY_ISSUER: claims a token must carry (Cloudflare Access: the application's AUD tag). */
    audience: string | null;
    issuer: string | null;
    /** How long fetched keys are used, in ms. */
    jwksTtlMs: number;
  } | null;
  /** Announcement banner on origin pages during an announced window. */
  banner: boolean;
  bannerCss: string | null;
  /** DEFAULT_LANGUAGE: the language of visitors whose Accept-Language names none Pitstop speaks. */
  defaultLanguage: Language;
  /**
   * "Email me when we're back" (NOTIFY_FROM set, with the EMAIL, NOTIFY_LIMITER
   * and NOTIFY_STORE bindings); null: no form, and POST /notify answers 404.
   */
  notify: {
    /** NOTIFY_FROM: the sender, an address on a domain onboarded to Email Service. */
    from: string;
    /** NOTIFY_MAX: addresses kept per site. */
    max: number;
  } | null;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = "ConfigError";
  }
}

/** Health checks and uptime probes pass in every mode unless ALLOW_PATHS says otherwise. */
export const DEFAULT_ALLOW_PATHS = ["/healthz", "/up"];

let memo: { env: Bindings; config: Config } | undefined;

/** Parses once per isolate; the env object is stable within an isolate. */
export function getConfig(env: Bindings): Config {
  if (memo?.env === env) return memo.config;
  const config = parseConfig(env);
  memo = { env, config };
  return config;
}

/** The refresh's own round trip, added to the bound. */
const PROPAGATION_MARGIN_MS = 1000;

export function parseConfig(env: Bindings): Config {
  const cacheMs = parseNumber("CACHE_SECONDS", env.CACHE_SECONDS, 5, 0, 3600) * 1000;
  const edgeCacheMs = parseNumber("EDGE_CACHE_SECONDS", env.EDGE_CACHE_SECONDS, 3, 1, 3600) * 1000;
  return {
    adminPrefix: parsePrefix(env.ADMIN_PREFIX),
    cacheMs,
    edgeCacheMs,
    boundMs: cacheMs + edgeCacheMs + PROPAGATION_MARGIN_MS,
    failMode: parseFailMode(env.FAIL_MODE),
    origin: parseOrigin(env.ORIGIN_URL),
    allowIps: checkEach("ALLOW_IPS", splitList(env.ALLOW_IPS), parseIpRule),
    allowPaths: checkEach(
      "ALLOW_PATHS",
      env.ALLOW_PATHS === undefined ? DEFAULT_ALLOW_PATHS : splitList(env.ALLOW_PATHS),
      parsePathPattern,
    ),
    bypassCookieSeconds: parseNumber("BYPASS_COOKIE_HOURS", env.BYPASS_COOKIE_HOURS, 12, 0.1, 24 * 30) * 3600,
    cookieDomain: parseCookieDomain(env.COOKIE_DOMAIN),
    signOutCookies: splitList(env.SIGN_OUT_COOKIES).map(checkCookieName),
    webhookUrls: splitList(env.WEBHOOK_URLS).map((u) => parseUrl("WEBHOOK_URLS", u)),
    userKey: parseUserKey(env),
    readOnlyUpgrades: parseChoice("READ_ONLY_UPGRADES", env.READ_ONLY_UPGRADES, ["refuse", "pass"], "refuse") === "pass",
    banner: parseBool("BANNER", env.BANNER, true),
    bannerCss: blankToNull(env.BANNER_CSS),
    defaultLanguage: parseLanguage(env.DEFAULT_LANGUAGE),
    notify: parseNotify(env),
  };
}

function parseLanguage(value: string | undefined): Language {
  const raw = blankToNull(value)?.toLowerCase() ?? "en";
  if (!isLanguage(raw)) throw new ConfigError("DEFAULT_LANGUAGE", `must be one of ${LANGUAGES.join(", ")}, got "${raw}"`);
  return raw;
}

/** The bindings it needs are checked too: with NOTIFY_FROM set, a missing one is a configuration error. */
function parseNotify(env: Bindings): Config["notify"] {
  const from = blankToNull(env.NOTIFY_FROM);
  if (from === null) return null;
  if (parseEmailAddress(from) === null) throw new ConfigError("NOTIFY_FROM", `must be an email address such as maintenance@example.org, got "${from}"`);
  const bindings = env as Partial<Pick<CloudflareBindings, "EMAIL" | "NOTIFY_LIMITER" | "NOTIFY_STORE">>;
  if (!bindings.EMAIL) throw new ConfigError("EMAIL", "NOTIFY_FROM is set, but there is no send_email binding named EMAIL in wrangler.toml");
  if (!bindings.NOTIFY_LIMITER) throw new ConfigError("NOTIFY_LIMITER", "NOTIFY_FROM is set, but there is no rate-limit binding named NOTIFY_LIMITER in wrangler.toml");
  if (!bindings.NOTIFY_STORE) throw new ConfigError("NOTIFY_STORE", "NOTIFY_FROM is set, but there is no Durable Object binding named NOTIFY_STORE in wrangler.toml");
  return { from, max: parseNumber("NOTIFY_MAX", env.NOTIFY_MAX, 1000, 1, 100_000) };
}

/** Comma- or whitespace-separated lists, as they come from wrangler vars. */
export function splitList(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function parseUserKey(env: Bindings): Config["userKey"] {
  const raw = blankToNull(env.USER_KEY_FROM);
  const jwksUrl = blankToNull(env.USER_KEY_JWKS_URL);
  if (raw === null) {
    if (jwksUrl !== null || blankToNull(env.USER_KEY_SECRET) !== null) {
      throw new ConfigError("USER_KEY_FROM", 'must say where the token is ("header:NAME" or "cookie:NAME") when USER_KEY_SECRET or USER_KEY_JWKS_URL is set');
    }
    return null;
  }
  const m = /^(header|cookie):([!#$%&'*+.^_`|~0-9A-Za-z-]+)$/.exec(raw);
  if (!m) throw new ConfigError("USER_KEY_FROM", `must be "header:NAME" or "cookie:NAME", got "${raw}"`);
  if (jwksUrl !== null && blankToNull(env.USER_KEY_SECRET) !== null) {
    throw new ConfigError("USER_KEY_JWKS_URL", "set USER_KEY_SECRET (HS256) or USER_KEY_JWKS_URL (RS256/ES256), not both");
  }
  const claim = blankToNull(env.USER_KEY_CLAIM) ?? "sub";
  if (!/^[A-Za-z0-9_.:/-]{1,100}$/.test(claim)) throw new ConfigError("USER_KEY_CLAIM", `must be a claim name such as "sub" or "email", got "${claim}"`);
  return {
    from: { kind: m[1] as "header" | "cookie", name: m[2]! },
    jwksUrl: jwksUrl === null ? null : parseUrl("USER_KEY_JWKS_URL", jwksUrl),
    claim,
    audience: blankToNull(env.USER_KEY_AUDIENCE),
    issuer: blankToNull(env.USER_KEY_ISSUER),
    jwksTtlMs: parseNumber("USER_KEY_JWKS_SECONDS", env.USER_KEY_JWKS_SECONDS, 600, 1, 86_400) * 1000,
  };
}

function parsePrefix(value: string | undefined): string {
  const prefix = blankToNull(value) ?? "/__maint";
  if (!/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(prefix) || prefix.includes("..")) {
    throw new ConfigError("ADMIN_PREFIX", `must be a path like "/__maint" (no trailing slash), got "${prefix}"`);
  }
  return prefix;
}

function parseNumber(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  const raw = blankToNull(value);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new ConfigError(name, `must be a number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function parseFailMode(value: string | undefined): FailMode {
  return parseChoice("FAIL_MODE", value, ["open", "closed"], "open");
}

function parseChoice<T extends string>(name: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  const raw = blankToNull(value) ?? fallback;
  if (!choices.includes(raw as T)) throw new ConfigError(name, `must be ${choices.map((c) => `"${c}"`).join(" or ")}, got "${raw}"`);
  return raw as T;
}

function parseOrigin(value: string | undefined): string | null {
  const raw = blankToNull(value);
  return raw === null ? null : parseUrl("ORIGIN_URL", raw).origin;
}

function parseUrl(name: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`);
  }
  return url;
}

function parseBool(name: string, value: string | undefined, fallback: boolean): boolean {
  const raw = blankToNull(value)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (["1", "true", "on", "yes"].includes(raw)) return true;
  if (["0", "false", "off", "no"].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${value}"`);
}

function parseCookieDomain(value: string | undefined): string | null {
  const raw = blankToNull(value);
  if (raw === null) return null;
  if (!/^\.?[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(raw)) {
    throw new ConfigError("COOKIE_DOMAIN", `must be a domain like "example.org", got "${raw}"`);
  }
  return raw.replace(/^\./, "");
}

// RFC 6265 token characters: anything else could smuggle attributes into Set-Cookie.
function checkCookieName(name: string): string {
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new ConfigError("SIGN_OUT_COOKIES", `"${name}" is not a valid cookie name`);
  }
  return name;
}

function checkEach(name: string, entries: string[], parse: (entry: string) => unknown): string[] {
  for (const entry of entries) {
    try {
      parse(entry);
    } catch (err) {
      throw new ConfigError(name, err instanceof Error ? err.message : String(err));
    }
  }
  return entries;
}

function blankToNull(value: string | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}
