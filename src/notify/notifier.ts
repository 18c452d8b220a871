// "Email me when we're back", as the worker uses it: the per-client rate
// limit, subscribing, the counts for GET /status, and noticing that a site is
// back (after an admin change, and from the cron sweep) so its subscribers'
// emails go out. Built once per isolate, only when EMAIL and NOTIFY_FROM are
// configured. The store and the sending are in store.ts.
import type { Language } from "../core/message";
import { resolveSite } from "../core/policy";
import { phaseAt } from "../core/window";
import type { DocRead } from "../core/doc";
import type { StateDoc } from "../core/doc";
import { logEvent } from "../log";
import type { WaitUntil } from "../state/cache";
import { readSnapshot, type SnapshotWire } from "../state/snapshot";
import { NOTIFY_STORE_NAME, type NotifyCounts, type NotifyStore, type SubscribeResult } from "./store";

export interface NotifySettings {
  store: DurableObjectNamespace<NotifyStore>;
  limiter: RateLimit;
  /** NOTIFY_FROM: the sender, handed to the store whenever sending may start. */
  from: string;
  /** NOTIFY_MAX. */
  max: number;
}

/** An address is kept this long while its site stays in maintenance. */
export const NOTIFY_TTL_MS = 30 * 24 * 3600 * 1000;

export class Notifier {
  private id: DurableObjectId | undefined;

  constructor(private readonly settings: NotifySettings) {}

  /** A stub is an I/O object of the request that made it: one per call, only the id is kept. */
  private store(): DurableObjectStub<NotifyStore> {
    const ns = this.settings.store;
    return ns.get((this.id ??= ns.idFromName(NOTIFY_STORE_NAME)));
  }

  /**
   * The per-client limit (NOTIFY_LIMITER, per Cloudflare location). When the
   * limiter itself fails, the request passes: NOTIFY_MAX still caps each site.
   */
  async allowed(clientIp: string | null): Promise<boolean> {
    try {
      return (await this.settings.limiter.limit({ key: `notify:${clientKey(clientIp)}` })).success;
    } catch (err) {
      logEvent("error", "notify.failed", { reason: "rate limiter", error: err instanceof Error ? err.message : String(err) });
      return true;
    }
  }

  subscribe(site: string, origin: string, address: string, lang: Language, now: number): Promise<SubscribeResult> {
    return this.store().subscribe({ site, origin, address, lang, now, ttlMs: NOTIFY_TTL_MS, max: this.settings.max });
  }

  /** GET /status: for a site, or every site for "*". */
  counts(scope: string): Promise<NotifyCounts> {
    return this.store().counts(scope === "*" ? null : scope);
  }

  /** After an admin change: the sites it brought back get their emails now, not at the next cron tick. */
  changed(wire: SnapshotWire, now: number, ctx: WaitUntil): void {
    ctx.waitUntil(
      this.sweep(() => Promise.resolve(wire), now).catch((err) =>
        logEvent("error", "notify.failed", { reason: "release after a change", error: err instanceof Error ? err.message : String(err) }),
      ),
    );
  }

  /**
   * Every minute (the cron trigger), and after each admin change: the sites
   * with someone waiting that are no longer in maintenance (off, read-only,
   * ended by autoEnd, cancelled) release their subscribers. Returns those sites.
   */
  async sweep(snapshot: () => Promise<SnapshotWire>, now: number): Promise<string[]> {
    const store = this.store();
    const waiting = await store.waitingSites(now);
    if (waiting.length === 0) {
      await store.wake(now, this.settings.from); // a retry that lost its alarm is picked up again
      return [];
    }
    const docs = readSnapshot(await snapshot()).docs;
    const back = waiting.filter((site) => isBack(docs.get(site), docs.get("*"), now));
    if (back.length === 0) {
      await store.wake(now, this.settings.from);
      return [];
    }
    const released = await store.release(back, now, this.settings.from);
    logEvent("info", "notify.released", { sites: back, count: released });
    return back;
  }
}

/** Whether a site is in its own full maintenance at `now`: the page that offers the form. */
export function inMaintenance(doc: StateDoc | null, now: number): boolean {
  const phase = phaseAt(doc, now);
  return phase.kind === "active" && phase.mode === "maintenance";
}

/** Back: its governing document is readable and not in full maintenance. An unreadable one waits. */
function isBack(own: DocRead | undefined, star: DocRead | undefined, now: number): boolean {
  if ((own && !own.ok) || (star && !star.ok)) return false;
  const governing = resolveSite(own?.ok ? own.doc : null, star?.ok ? star.doc : null).governing;
  return !inMaintenance(governing, now);
}

/** One client: its IPv4 address, or its IPv6 /64 (one household or host gets a whole /64). */
export function clientKey(ip: string | null): string {
  if (!ip) return "unknown";
  if (!ip.includes(":")) return ip;
  const [head = "", tail = ""] = ip.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = ip.includes("::") ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}
