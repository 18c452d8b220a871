// Who the visitor is, for rules that target users: a user key read from a
// header or a cookie (USER_KEY_FROM). With USER_KEY_SECRET (HS256) or
// USER_KEY_JWKS_URL (RS256/ES256) the value must be a JWT, verified with
// Hono's JWT helpers, and the key is its USER_KEY_CLAIM; a token that is
// forged, expired, unsigned (alg "none") or signed with another algorithm
// means an anonymous visitor. Without either, the raw value is the key: that
// is spoofable by anyone, so use it only for a header a trusted proxy sets.
import { verify, verifyWithJwks } from "hono/jwt";
import { parse } from "hono/utils/cookie";
import { logEvent, rateLimited } from "../log";

export interface UserKeySettings {
  from: { kind: "header" | "cookie"; name: string };
  /** USER_KEY_SECRET: HS256 tokens. */
  secret: string | null;
  /** USER_KEY_JWKS_URL: RS256 and ES256 tokens, keys fetched from here. */
  jwksUrl: URL | null;
  claim: string;
  /** USER_KEY_JWKS_SECONDS: how long fetched keys are used before they are fetched again, in ms. */
  jwksTtlMs: number;
}

/** A token with an unknown kid fetches the keys again, at most this often. */
const JWKS_MIN_REFETCH_MS = 30_000;
const JWKS_TIMEOUT_MS = 3000;
/** A verified token is remembered this long at most (less if it expires sooner). */
const VERIFIED_TTL_MS = 10 * 60 * 1000;
const VERIFIED_MAX = 5000;
const MAX_KEY_LENGTH = 256;
const ASYMMETRIC = ["RS256", "ES256"] as const;

type Jwk = Parameters<typeof verifyWithJwks>[1]["keys"] extends (infer K)[] | undefined ? K : never;

const jwksLog = rateLimited(60_000);

/** The user keys of one isolate. */
export class UserKeys {
  /** Verified tokens: a returning visitor costs a Map lookup. */
  private readonly verified = new Map<string, { user: string | null; until: number }>();
  private jwks: { keys: Jwk[]; fetchedAt: number } | null = null;
  private jwksFetchingSince = 0;

  constructor(private readonly settings: UserKeySettings) {}

  /** The verified user key of this request, or null for an anonymous visitor. */
  async userOf(request: Request, now: number): Promise<string | null> {
    const raw = this.rawValue(request);
    if (raw === null) return null;
    if (!this.settings.secret && !this.settings.jwksUrl) return raw.length <= MAX_KEY_LENGTH ? raw : null;
    const known = this.verified.get(raw);
    if (known && now < known.until) return known.user;
    const user = await this.verifyToken(raw, now);
    if (this.verified.size >= VERIFIED_MAX) this.verified.clear();
    this.verified.set(raw, { user: user?.key ?? null, until: Math.min(now + VERIFIED_TTL_MS, user?.expMs ?? Infinity) });
    return user?.key ?? null;
  }

  private rawValue(request: Request): string | null {
    const { kind, name } = this.settings.from;
    let value: string | null | undefined;
    if (kind === "header") value = request.headers.get(name);
    else {
      const header = request.headers.get("cookie");
      value = header && header.includes(name) ? parse(header, name)[name] : null;
    }
    const trimmed = value?.trim();
    // Cloudflare Access sends the token as is; some proxies prefix it like a bearer token.
    return trimmed ? trimmed.replace(/^Bearer\s+/i, "") : null;
  }

  private async verifyToken(token: string, now: number): Promise<{ key: string; expMs: number } | null> {
    try {
      const payload = this.settings.secret
        ? await verify(token, this.settings.secret, "HS256")
        : await this.verifyAsymmetric(token, now);
      const claim = payload[this.settings.claim];
      const key = typeof claim === "string" ? claim : typeof claim === "number" ? String(claim) : null;
      if (key === null || key === "" || key.length > MAX_KEY_LENGTH) return null;
      const exp = typeof payload.exp === "number" ? payload.exp * 1000 : Infinity;
      return { key, expMs: exp };
    } catch {
      return null; // forged, expired, unsigned or the wrong algorithm: anonymous
    }
  }

  private async verifyAsymmetric(token: string, now: number) {
    let keys = await this.keys(now, false);
    try {
      return await verifyWithJwks(token, { keys, allowedAlgorithms: [...ASYMMETRIC] });
    } catch (err) {
      // A key rotated in since the last fetch: fetch again (rarely) and retry once.
      if (!isUnknownKid(err)) throw err;
      keys = await this.keys(now, true);
      return verifyWithJwks(token, { keys, allowedAlgorithms: [...ASYMMETRIC] });
    }
  }

  /** The JWKS, fetched with a TTL and never per request; a failed fetch keeps the last good keys. */
  private async keys(now: number, unknownKid: boolean): Promise<Jwk[]> {
    const held = this.jwks;
    const ttl = this.settings.jwksTtlMs;
    const due = !held || now - held.fetchedAt >= ttl || (unknownKid && now - held.fetchedAt >= Math.min(ttl, JWKS_MIN_REFETCH_MS));
    if (!due || now - this.jwksFetchingSince < JWKS_TIMEOUT_MS) return held?.keys ?? [];
    this.jwksFetchingSince = now;
    try {
      const res = await fetch(this.settings.jwksUrl!, { signal: AbortSignal.timeout(JWKS_TIMEOUT_MS), headers: { accept: "application/json" } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new Error('no "keys" array');
      this.jwks = { keys: body.keys as Jwk[], fetchedAt: now };
    } catch (err) {
      jwksLog("jwks", now, (suppressed) =>
        logEvent("error", "identity.fault", { reason: `JWKS fetch failed: ${err instanceof Error ? err.message : String(err)}`, using: held ? "last good keys" : "no keys (visitors are anonymous)", suppressed }),
      );
      // Try again after the short interval, not at once on the next request.
      if (held) held.fetchedAt = now - ttl + Math.min(ttl, JWKS_MIN_REFETCH_MS);
    } finally {
      this.jwksFetchingSince = 0;
    }
    return this.jwks?.keys ?? [];
  }
}

function isUnknownKid(err: unknown): boolean {
  return err instanceof Error && err.name === "JwtTokenInvalid";
}
