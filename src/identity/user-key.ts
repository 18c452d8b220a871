// Who the visitor is, for rules that target users: a user key read from a
// header or a cookie (USER_KEY_FROM). With USER_KEY_SECRET (HS256) or
// USER_KEY_JWKS_URL (RS256/ES256) the value must be a JWT, verified with
// Hono's JWT helpers with the algorithm pinned here (never taken from the
// token), and the key is its USER_KEY_CLAIM; a token that is forged, expired,
// unsigned (alg "none"), signed with another algorithm or for another
// audience means an anonymous visitor. Without either, the raw value is the
// key: that is spoofable by anyone, so use it only for a header a trusted
// proxy sets.
import { decode, verify, verifyWithJwks } from "hono/jwt";
import { logEvent, rateLimited } from "../log";

export interface UserKeySettings {
  from: { kind: "header" | "cookie"; name: string };
  /** USER_KEY_SECRET: HS256 tokens. */
  secret: string | null;
  /** USER_KEY_JWKS_URL: RS256 and ES256 tokens, keys fetched from here. */
  jwksUrl: URL | null;
  claim: string;
  /** USER_KEY_AUDIENCE and USER_KEY_ISSUER: when set, a token must name them. */
  audience: string | null;
  issuer: string | null;
  /** USER_KEY_JWKS_SECONDS: how long fetched keys are used before they are fetched again, in ms. */
  jwksTtlMs: number;
}

/** After a failed fetch, or for a token with an unknown kid, the keys are fetched again at most this often. */
const JWKS_MIN_REFETCH_MS = 30_000;
const JWKS_TIMEOUT_MS = 3000;
/** A verified token is remembered this long at most (less if it expires sooner). */
const VERIFIED_TTL_MS = 10 * 60 * 1000;
/** Tokens longer than this are not even looked at (a real one is 1 to 2 KB): memory stays bounded. */
const MAX_TOKEN_LENGTH = 4096;
/** At most VERIFIED_MAX × MAX_TOKEN_LENGTH (8 MB) held for verified tokens... */
const VERIFIED_MAX = 2000;
/** ...and little for refused ones, which anyone can send: a few, briefly. */
const REFUSED_MAX = 256;
const REFUSED_TTL_MS = 60_000;
const MAX_KEY_LENGTH = 256;
const ASYMMETRIC = ["RS256", "ES256"] as const;

type Jwk = Parameters<typeof verifyWithJwks>[1]["keys"] extends (infer K)[] | undefined ? K : never;
type Verified = { ok: true; key: string; expMs: number } | { ok: false; remember: boolean };

const jwksLog = rateLimited(60_000);

/** The user keys of one isolate. */
export class UserKeys {
  /** Verified tokens: a returning visitor costs a Map lookup. */
  private readonly verified = new Map<string, { user: string; until: number }>();
  private readonly refused = new Map<string, number>();
  private jwks: { keys: Jwk[]; fetchedAt: number } | null = null;
  private jwksFetchingSince = 0;
  private jwksFailedAt = 0;

  constructor(private readonly settings: UserKeySettings) {}

  private get minRefetchMs(): number {
    return Math.min(this.settings.jwksTtlMs, JWKS_MIN_REFETCH_MS);
  }

  /**
   * The verified user key of this request, or null for an anonymous visitor.
   * Every value of the cookie counts (a junk `session=` before the real one
   * must not hide the user from their own rule).
   */
  async userOf(request: Request, now: number): Promise<string | null> {
    const signed = this.settings.secret !== null || this.settings.jwksUrl !== null;
    for (const raw of this.rawValues(request)) {
      if (!signed) return raw.length <= MAX_KEY_LENGTH ? raw : null;
      if (raw.length > MAX_TOKEN_LENGTH) continue;
      const user = await this.verifyCached(raw, now);
      if (user !== null) return user;
    }
    return null;
  }

  private async verifyCached(token: string, now: number): Promise<string | null> {
    const known = this.verified.get(token);
    if (known && now < known.until) return known.user;
    const refusedUntil = this.refused.get(token);
    if (refusedUntil !== undefined && now < refusedUntil) return null;
    const result = await this.verifyToken(token, now);
    if (result.ok) {
      if (this.verified.size >= VERIFIED_MAX) this.verified.clear();
      this.verified.set(token, { user: result.key, until: Math.min(now + VERIFIED_TTL_MS, result.expMs) });
      return result.key;
    }
    // Only a verdict reached with keys in hand is remembered: a token seen while
    // the keys were missing is tried again once they arrive.
    if (result.remember) {
      if (this.refused.size >= REFUSED_MAX) this.refused.clear();
      this.refused.set(token, now + REFUSED_TTL_MS);
    }
    return null;
  }

  private rawValues(request: Request): string[] {
    const { kind, name } = this.settings.from;
    const values: string[] = [];
    if (kind === "header") {
      const value = request.headers.get(name);
      if (value) values.push(value);
    } else {
      const header = request.headers.get("cookie");
      if (header && header.includes(name)) {
        for (const pair of header.split(";")) {
          const eq = pair.indexOf("=");
          if (eq !== -1 && pair.slice(0, eq).trim() === name) values.push(decodeCookie(pair.slice(eq + 1).trim()));
        }
      }
    }
    // Cloudflare Access sends the token as is; some proxies prefix it like a bearer token.
    return values.map((v) => v.trim().replace(/^Bearer\s+/i, "")).filter((v) => v !== "");
  }

  private async verifyToken(token: string, now: number): Promise<Verified> {
    const { secret, audience, issuer, claim } = this.settings;
    const checks = { ...(audience ? { aud: audience } : {}), ...(issuer ? { iss: issuer } : {}) };
    let payload: Record<string, unknown>;
    try {
      if (secret !== null) payload = await verify(token, secret, { alg: "HS256", ...checks });
      else {
        const keys = await this.keysFor(token, now);
        if (keys === null) return { ok: false, remember: false };
        payload = await verifyWithJwks(token, { keys, allowedAlgorithms: [...ASYMMETRIC], verification: checks });
      }
    } catch {
      return { ok: false, remember: true }; // forged, expired, unsigned, wrong algorithm or audience
    }
    const value = payload[claim];
    const key = typeof value === "string" ? value : typeof value === "number" ? String(value) : null;
    if (key === null || key === "" || key.length > MAX_KEY_LENGTH) return { ok: false, remember: true };
    const exp = typeof payload.exp === "number" ? payload.exp * 1000 : Infinity;
    return { ok: true, key, expMs: exp };
  }

  /**
   * The keys to verify this token with, or null when none are at hand (never
   * fetched yet and the fetch failed or is under way). A well-formed token whose
   * kid is not among the keys held fetches them again, at most every 30 s.
   */
  private async keysFor(token: string, now: number): Promise<Jwk[] | null> {
    let kid: unknown;
    try {
      kid = decode(token).header.kid; // read only to decide whether to fetch keys; nothing is trusted from it
    } catch {
      return this.jwks?.keys ?? []; // malformed: verification refuses it, no fetch for junk
    }
    const held = this.jwks;
    const stale = !held || now - held.fetchedAt >= this.settings.jwksTtlMs;
    const unknownKid = typeof kid === "string" && held !== null && !held.keys.some((k) => k.kid === kid);
    if (stale || (unknownKid && now - held!.fetchedAt >= this.minRefetchMs)) await this.fetchKeys(now);
    return this.jwks?.keys ?? null;
  }

  /** One fetch at a time, and none for 30 s after one failed; a failure keeps the last good keys. */
  private async fetchKeys(now: number): Promise<void> {
    if (now - this.jwksFetchingSince < JWKS_TIMEOUT_MS || now - this.jwksFailedAt < this.minRefetchMs) return;
    this.jwksFetchingSince = now;
    try {
      const res = await fetch(this.settings.jwksUrl!, { signal: AbortSignal.timeout(JWKS_TIMEOUT_MS), headers: { accept: "application/json" } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new Error('no "keys" array');
      this.jwks = { keys: body.keys as Jwk[], fetchedAt: now };
      this.jwksFailedAt = 0;
    } catch (err) {
      this.jwksFailedAt = now;
      jwksLog("jwks", now, (suppressed) =>
        logEvent("error", "identity.fault", {
          reason: `JWKS fetch failed: ${err instanceof Error ? err.message : String(err)}`,
          using: this.jwks ? "last good keys" : "no keys (visitors are anonymous)",
          suppressed,
        }),
      );
    } finally {
      this.jwksFetchingSince = 0;
    }
  }
}

function decodeCookie(value: string): string {
  const unquoted = value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  if (!unquoted.includes("%")) return unquoted;
  try {
    return decodeURIComponent(unquoted);
  } catch {
    return unquoted;
  }
}
