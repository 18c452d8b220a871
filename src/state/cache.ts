// This isolate's copy of the state, and each site's policy compiled from it.
// Requests are answered from memory; the copy is refreshed in the background
// once it is half of CACHE_SECONDS old, and a copy CACHE_SECONDS old is not
// used: the request that finds it so waits for a refresh (only an isolate
// that sat idle does). That is what bounds how long a change takes to show.
//
// workerd refuses I/O on behalf of another request, so a refresh promise is
// never shared: the request that starts a refresh hands it to its own
// ctx.waitUntil (or awaits it), and everyone else answers from memory.
import type { DocRead } from "../core/doc";
import { compilePolicy, failClosedPolicy, type GlobalAllow, type Policy } from "../core/policy";
import type { FailMode } from "../config";
import { logEvent } from "../log";
import { readSnapshot, type SnapshotWire } from "./snapshot";
import type { SnapshotOrigin, SnapshotSource } from "./source";

/** The one thing the cache needs of an ExecutionContext. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/** What the cache needs of the configuration. */
export interface CacheSettings extends GlobalAllow {
  /** How long an isolate may use its copy, in ms. */
  cacheMs: number;
  failMode: FailMode;
}

export interface Fault {
  reason: string;
  since: string;
}

interface Held {
  version: number;
  /** When the coordinator served it (ms; 0 for a KV copy written before there was one). */
  servedAt: number;
  /** When this isolate got it. */
  fetchedAt: number;
  from: SnapshotOrigin | "write";
  /** Each scope's newest good document; a scope that never read well keeps its fault. */
  docs: Map<string, DocRead>;
  /** Scopes whose newest copy did not parse (the last good one is kept). */
  docFaults: Map<string, Fault>;
}

interface Compiled {
  policy: Policy;
  /**
   * What it was compiled from. The same objects: a hit, two comparisons. New
   * objects with the same stored text (a refresh that changed nothing for this
   * site) keep the same policy, so pages rendered for it stay cached.
   */
  own: DocRead | undefined;
  star: DocRead;
  usedAt: number;
}

/** A refresh not finished in this long is presumed lost (its waitUntil was cut). */
const REFRESH_TIMEOUT_MS = 10_000;
/** Sites whose compiled policy is kept; only sites with a document of their own take a place. */
const MAX_POLICIES = 1000;
/** Policies of sites with no document of their own are all the same: they share this key. */
const FOLLOWS_STAR = "";

export class StateCache {
  private held: Held | null = null;
  private readonly policies = new Map<string, Compiled>();
  /** Why the last refresh failed (every source); null after a good one. */
  private fault: Fault | null = null;
  private failedAt = 0;
  private refreshingSince = 0;
  private failed: Policy | undefined;
  /** A site with a document of its own that this isolate served: its hostname keys the location copy. */
  private anchor: string | null = null;

  constructor(
    private readonly source: SnapshotSource,
    private readonly settings: CacheSettings,
    private readonly maxPolicies = MAX_POLICIES,
  ) {}

  /** The site's policy: from memory when the copy is fresh enough, else after this request's own refresh. */
  policy(site: string, now: number, ctx: WaitUntil): Policy | Promise<Policy> {
    const held = this.held;
    const { cacheMs } = this.settings;
    const recentFailure = now - this.failedAt < cacheMs / 2;
    if (held === null) {
      if (recentFailure) return this.compiled(site, now);
      return this.refresh(site, now).then(() => this.compiled(site, now));
    }
    const age = now - held.fetchedAt;
    if (age >= cacheMs / 2 && now - this.refreshingSince >= REFRESH_TIMEOUT_MS && !recentFailure) {
      this.refreshingSince = now;
      const refresh = this.refresh(site, now);
      // Past CACHE_SECONDS the copy may be too old to serve: wait (one request only; the others answer meanwhile).
      if (age >= cacheMs && this.fault === null) return refresh.then(() => this.compiled(site, now));
      ctx.waitUntil(refresh);
    }
    return this.compiled(site, now);
  }

  /** After an admin write in this isolate: it sees the change at once. */
  applyWrite(wire: SnapshotWire, now: number): void {
    this.take(wire, "write", now);
  }

  /** The newest version this isolate holds (0: none). */
  get version(): number {
    return this.held?.version ?? 0;
  }

  /** What GET /status reports about this isolate's copy. */
  inspect(site: string, now: number) {
    const held = this.held;
    const docFault = held?.docFaults.get(site) ?? held?.docFaults.get("*") ?? null;
    return {
      version: held?.version ?? null,
      ageMs: held ? now - held.fetchedAt : null,
      from: held?.from ?? null,
      fault: this.fault ?? docFault,
    };
  }

  /** Tests only: forget everything, as a fresh isolate would. */
  clear(): void {
    this.held = null;
    this.policies.clear();
    this.fault = null;
    this.failedAt = 0;
    this.refreshingSince = 0;
  }

  private async refresh(site: string, now: number): Promise<void> {
    try {
      const fetched = await this.source.fetch(this.cacheHost(site), this.version, now);
      this.take(fetched.wire, fetched.from, now);
      if (this.anchor === null && this.held?.docs.has(site)) this.anchor = site;
      if (this.fault) logEvent("info", "state.recovered", { from: fetched.from });
      this.fault = null;
      this.failedAt = 0;
    } catch (err) {
      const reason = `no store answered: ${err instanceof Error ? err.message : String(err)}`;
      this.fault = { reason, since: this.fault?.since ?? new Date(now).toISOString() };
      this.failedAt = now;
      logEvent("error", "state.fault", { reason, using: this.held ? "last good state" : `FAIL_MODE=${this.settings.failMode}` });
    } finally {
      this.refreshingSince = 0;
    }
  }

  /**
   * The hostname whose location copy a refresh reads. Cloudflare keys a zone's
   * cache by hostname, so a visitor-chosen one (a random subdomain under a
   * wildcard route) would miss every time and cost a coordinator read: such a
   * site uses a known site's copy instead.
   */
  private cacheHost(site: string): string {
    if (this.held?.docs.has(site)) return (this.anchor = site);
    return this.anchor ?? site;
  }

  /** Takes a copy unless it is older than the one held: an isolate never goes back. */
  private take(wire: SnapshotWire, from: Held["from"], now: number): void {
    const prev = this.held;
    if (prev && wire.version < prev.version) {
      // An older copy (a location's that lags, or a coordinator whose numbering
      // went back): keep the newer one, and do not ask again on every request.
      prev.fetchedAt = now;
      return;
    }
    if (prev && wire.version === prev.version && from !== "write") {
      prev.fetchedAt = now;
      prev.from = from;
      return;
    }
    const next = readSnapshot(wire);
    const docs = new Map<string, DocRead>();
    const docFaults = new Map<string, Fault>();
    for (const [scope, read] of next.docs) {
      if (read.ok) {
        docs.set(scope, read);
        continue;
      }
      const last = prev?.docs.get(scope);
      docs.set(scope, last?.ok ? last : read);
      const known = prev?.docFaults.get(scope);
      const reason = `site:${scope} ${read.reason}`;
      docFaults.set(scope, { reason, since: known?.since ?? new Date(now).toISOString() });
      // Once per fault, not on every refresh while it lasts.
      if (known?.reason !== reason) logEvent("error", "state.fault", { site: scope, reason: read.reason, using: last?.ok ? "last good state" : `FAIL_MODE=${this.settings.failMode}` });
    }
    this.held = { version: next.version, servedAt: next.servedAt, fetchedAt: now, from, docs, docFaults };
  }

  private compiled(site: string, now: number): Policy {
    const held = this.held;
    if (held === null) return this.failPolicy(now);
    const own = held.docs.get(site);
    const key = own === undefined ? FOLLOWS_STAR : site;
    const star = held.docs.get("*") ?? NOTHING;
    const hit = this.policies.get(key);
    if (hit && ((hit.own === own && hit.star === star) || (hit.own?.raw === own?.raw && hit.star.raw === star.raw))) {
      hit.own = own;
      hit.star = star;
      hit.usedAt = now;
      return hit.policy;
    }
    const ownRead = own ?? NOTHING;
    const policy = ownRead.ok && star.ok ? compilePolicy(ownRead.doc, star.doc, this.settings) : this.failPolicy(now);
    if (!hit && this.policies.size >= this.maxPolicies) this.evictLeastRecentlyUsed();
    this.policies.set(key, { policy, own, star, usedAt: now });
    return policy;
  }

  /** No good state for this site: FAIL_MODE decides. One object, so its page is rendered once. */
  private failPolicy(now: number): Policy {
    return (this.failed ??= this.settings.failMode === "closed" ? failClosedPolicy(this.settings, now) : compilePolicy(null, null, this.settings));
  }

  /** Only when a new site needs a place: one pass, instead of reordering on every request. */
  private evictLeastRecentlyUsed(): void {
    let oldest: string | undefined;
    let oldestAt = Infinity;
    for (const [key, entry] of this.policies) {
      if (entry.usedAt < oldestAt) [oldest, oldestAt] = [key, entry.usedAt];
    }
    if (oldest !== undefined) this.policies.delete(oldest);
  }
}

const NOTHING: DocRead = { ok: true, doc: null, raw: null };
