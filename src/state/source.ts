// Where an isolate gets the state from, nearest first:
//   1. this location's copy (the Cache API), at most EDGE_CACHE_SECONDS old;
//   2. the coordinator, whose answer then becomes this location's copy;
//   3. KV, the coordinator's copy, when the coordinator cannot be reached.
// So the coordinator sees about one read per location per EDGE_CACHE_SECONDS,
// not one per isolate. Where the Cache API does nothing (workers.dev), every
// isolate asks the coordinator directly, once per refresh.
import { logEvent, rateLimited } from "../log";
import { COORDINATOR_NAME, type StateCoordinator } from "./coordinator";
import { DOC_PREFIX, SNAPSHOT_KEY, scopeOfDocKey } from "./keys";
import { parseSnapshotWire, type SnapshotWire } from "./snapshot";

export type SnapshotOrigin = "location" | "coordinator" | "kv";

export interface Fetched {
  wire: SnapshotWire;
  from: SnapshotOrigin;
  /** Why a nearer source was passed over, when one was. */
  faults: string[];
}

export interface SourceSettings {
  coordinator: DurableObjectNamespace<StateCoordinator>;
  kv: KVNamespace;
  /** How long a location's copy is used, in ms. */
  edgeMs: number;
  /** Where a location's copy is kept: a path under the admin prefix, never forwarded. */
  cachePath: string;
}

/** How long one source may take before the next is tried. */
const SOURCE_TIMEOUT_MS = 2000;
const faultLog = rateLimited(30_000);

export class SnapshotSource {
  private id: DurableObjectId | undefined;

  constructor(private readonly settings: SourceSettings) {}

  /**
   * The coordinator itself (admin writes and reads). A stub is an I/O object
   * of the request that made it, so each request gets its own; only the id is kept.
   */
  coordinator(): DurableObjectStub<StateCoordinator> {
    const ns = this.settings.coordinator;
    return ns.get((this.id ??= ns.idFromName(COORDINATOR_NAME)));
  }

  /**
   * The newest state this isolate can get, no older than `minVersion` unless
   * nothing newer answers. `site` picks the Cache API key: Cloudflare keys a
   * zone's cache by the request's own hostname.
   */
  async fetch(site: string, minVersion: number, now: number): Promise<Fetched> {
    const faults: string[] = [];
    const local = await this.fromLocation(site, now).catch((err) => {
      faults.push(`location copy: ${describe(err)}`);
      return null;
    });
    if (local && local.version >= minVersion) return { wire: local, from: "location", faults };
    try {
      const wire = await withTimeout(this.coordinator().snapshot(), "the coordinator");
      await this.publish(site, wire).catch(() => {}); // best effort: the next isolate asks the coordinator too
      return { wire, from: "coordinator", faults };
    } catch (err) {
      faults.push(`coordinator: ${describe(err)}`);
    }
    const wire = await withTimeout(this.fromKv(), "KV");
    if (local && local.version >= wire.version) return { wire: local, from: "location", faults };
    faultLog("fallback", now, (suppressed) => logEvent("warn", "state.fault", { reason: faults.join("; "), using: "KV copy", suppressed }));
    return { wire, from: "kv", faults };
  }

  /** After an admin write in this isolate: this location sees it at once. */
  async publish(site: string, wire: SnapshotWire): Promise<void> {
    const cache = await caches.open("pitstop");
    const response = new Response(JSON.stringify(wire), {
      headers: { "content-type": "application/json", "cache-control": `max-age=${Math.max(1, Math.floor(this.settings.edgeMs / 1000))}` },
    });
    await cache.put(this.cacheKey(site), response);
  }

  /** What this location's copy holds now (GET /status). */
  async inspectLocation(site: string): Promise<SnapshotWire | null> {
    const cache = await caches.open("pitstop");
    const hit = await cache.match(this.cacheKey(site));
    return hit ? parseSnapshotWire(await hit.text()) : null;
  }

  private async fromLocation(site: string, now: number): Promise<SnapshotWire | null> {
    const wire = await this.inspectLocation(site);
    // The Cache API honours max-age; the time check also holds where it is loose.
    return wire && now - wire.servedAt <= this.settings.edgeMs ? wire : null;
  }

  /** The coordinator's KV copy; before it ever wrote one, the documents KV held. */
  private async fromKv(): Promise<SnapshotWire> {
    const kv = this.settings.kv;
    const text = await kv.get(SNAPSHOT_KEY, "text");
    if (text !== null) {
      const wire = parseSnapshotWire(text);
      if (!wire) throw new Error(`KV ${SNAPSHOT_KEY} is corrupt`);
      return wire;
    }
    const docs: Record<string, string> = {};
    let cursor: string | undefined;
    do {
      const page: KVNamespaceListResult<unknown> = await kv.list({ prefix: DOC_PREFIX, cursor });
      // A bulk read takes at most 100 keys.
      for (let i = 0; i < page.keys.length; i += 100) {
        const values = await kv.get(page.keys.slice(i, i + 100).map((k) => k.name), "text");
        for (const [key, raw] of values) if (raw !== null) docs[scopeOfDocKey(key)] = raw;
      }
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
    return { version: 0, servedAt: 0, docs };
  }

  private cacheKey(site: string): string {
    // A hostname of the zone, as Cloudflare asks; the path never reaches the origin.
    return `https://${site.includes(":") ? "pitstop.invalid" : site}${this.settings.cachePath}`;
  }
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer = 0;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${SOURCE_TIMEOUT_MS} ms`)), SOURCE_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
