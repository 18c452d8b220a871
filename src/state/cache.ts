// Isolate-memory cache of each site's policy, refreshed from KV with
// stale-while-revalidate. A busy isolate reads KV about once per CACHE_SECONDS
// per site; only a cold isolate (or a new site) awaits its own read.
//
// workerd refuses I/O on behalf of another request, so a refresh promise is
// never shared: the request that starts a refresh hands it to its own
// ctx.waitUntil, and everyone else keeps answering from the cached value.
import type { DocRead, StateDoc } from "../core/doc";
import { compilePolicy, failClosedPolicy, type GlobalAllow, type Policy } from "../core/policy";
import type { FailMode } from "../config";
import { logEvent } from "../log";
import { readSite } from "./store";

/** The one thing the cache needs of an ExecutionContext. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/** What the cache needs of the configuration. */
export interface CacheSettings extends GlobalAllow {
  /** How long an isolate trusts its cached copy, in ms. */
  cacheMs: number;
  failMode: FailMode;
}

export interface Fault {
  reason: string;
  since: string;
}

interface Entry {
  policy: Policy;
  /** Last good documents and their raw text (for change detection). */
  own: StateDoc | null;
  star: StateDoc | null;
  raw: string;
  /** False until one read succeeded; FAIL_MODE applies meanwhile. */
  good: boolean;
  fetchedAt: number;
  refreshingSince: number;
  fault: Fault | null;
}

/** A refresh that has not finished in this long is presumed lost (its waitUntil was cut). */
const REFRESH_TIMEOUT_MS = 30_000;
/** Sites remembered per isolate; a wildcard route can see many hostnames. */
const MAX_SITES = 1000;

export class StateCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every admin write, so a read that started before it cannot undo it. */
  private generation = 0;

  constructor(
    private readonly kv: KVNamespace,
    private readonly settings: CacheSettings,
  ) {}

  /** The site's policy: at once when cached, else after this request's own KV read. */
  policy(site: string, now: number, ctx: WaitUntil): Policy | Promise<Policy> {
    const entry = this.entries.get(site);
    if (!entry) return this.load(site, now).then((e) => e.policy);
    if (now - entry.fetchedAt >= this.settings.cacheMs && now - entry.refreshingSince >= REFRESH_TIMEOUT_MS) {
      entry.refreshingSince = now;
      ctx.waitUntil(this.load(site, now));
    }
    return entry.policy;
  }

  /** Called after an admin write (null: deleted) so the writing isolate sees it at once. */
  applyWrite(scope: string, doc: StateDoc | null): void {
    this.generation++;
    for (const [site, entry] of this.entries) {
      if (scope !== "*" && scope !== site) continue;
      if (!entry.good) {
        // Never read successfully: one written document is not the whole
        // picture (the other is unknown), so read both again next time.
        this.entries.delete(site);
        continue;
      }
      if (scope === "*") entry.star = doc;
      else entry.own = doc;
      entry.policy = compilePolicy(entry.own, entry.star, this.settings);
      entry.raw = "";
      entry.fault = null;
    }
  }

  /** What GET /status reports about this isolate's view. */
  inspect(site: string, now: number): { ageMs: number | null; fault: Fault | null } {
    const entry = this.entries.get(site);
    return { ageMs: entry ? now - entry.fetchedAt : null, fault: entry?.fault ?? null };
  }

  /** Tests only: forget everything, as a fresh isolate would. */
  clear(): void {
    this.entries.clear();
  }

  private async load(site: string, now: number): Promise<Entry> {
    const startedAt = this.generation;
    let own: DocRead;
    let star: DocRead;
    try {
      ({ own, star } = await readSite(this.kv, site));
    } catch (err) {
      const reason = `KV read failed: ${err instanceof Error ? err.message : String(err)}`;
      own = star = { ok: false, reason, raw: null };
    }
    const prev = this.entries.get(site);
    const raced = this.generation !== startedAt;
    if (prev && raced) {
      // An admin write in this isolate landed while we were reading: what we
      // read may predate it, so keep the written state and read again later.
      prev.refreshingSince = 0;
      return prev;
    }
    const entry = own.ok && star.ok ? this.fresh(site, own, star, prev, now) : this.faulty(site, own, star, prev, now);
    // A first read that raced a write: use it for this request, but read again at once.
    if (raced) entry.fetchedAt = 0;
    if (!prev && this.entries.size >= MAX_SITES) {
      // Forget the oldest site (Map keeps insertion order); it is read again if it comes back.
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(site, entry);
    return entry;
  }

  private fresh(site: string, own: DocRead & { ok: true }, star: DocRead & { ok: true }, prev: Entry | undefined, now: number): Entry {
    const raw = `${own.raw}\u0000${star.raw}`;
    if (prev?.fault) logEvent("info", "state.recovered", { site });
    // Unchanged text keeps the same policy object, so pages rendered for it stay cached.
    const policy = prev?.good && prev.raw === raw ? prev.policy : compilePolicy(own.doc, star.doc, this.settings);
    return { policy, own: own.doc, star: star.doc, raw, good: true, fetchedAt: now, refreshingSince: 0, fault: null };
  }

  /** Keeps the last good state if there is one, else follows FAIL_MODE. */
  private faulty(site: string, own: DocRead, star: DocRead, prev: Entry | undefined, now: number): Entry {
    const { failMode } = this.settings;
    const reason = !own.ok ? `site:${site} ${own.reason}` : !star.ok ? `site:* ${star.reason}` : "unknown";
    const fault: Fault = { reason, since: prev?.fault?.since ?? new Date(now).toISOString() };
    const fallback = prev?.good ? "last good state" : `FAIL_MODE=${failMode}`;
    logEvent("error", "state.fault", { site, reason, using: fallback });
    if (prev?.good) return { ...prev, fetchedAt: now, refreshingSince: 0, fault };
    const policy = failMode === "closed" ? failClosedPolicy(this.settings, now) : compilePolicy(null, null, this.settings);
    return { policy, own: null, star: null, raw: "", good: false, fetchedAt: now, refreshingSince: 0, fault };
  }
}
