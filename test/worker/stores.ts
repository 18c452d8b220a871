// Test doubles for what cannot run here: Cloudflare's network itself. A KV
// that lags as it does across locations, or fails as it did on 2025-06-12,
// and a coordinator that cannot be reached. Each wraps the real local binding.
import { env } from "cloudflare:test";

export interface KvControl {
  reads: number;
  writes: number;
  failing: boolean;
  /** While > 0, a key read once is served from that read for this long (ms), as KV's edge caches do. */
  lagMs: number;
}

/** The real local KV, counting reads and writes, and on demand failing or lagging. */
export function watchedKv(real: KVNamespace = env.MAINTENANCE): { kv: KVNamespace; control: KvControl } {
  const control: KvControl = { reads: 0, writes: 0, failing: false, lagMs: 0 };
  const seen = new Map<string, { value: unknown; at: number }>();
  const failure = () => Promise.reject(new Error("KV GET failed: 500 Internal Server Error"));
  const kv = new Proxy(real, {
    get(target, prop) {
      if (prop === "get") {
        return async (key: string | string[], type?: unknown) => {
          control.reads++;
          if (control.failing) return failure();
          const one = async (k: string) => {
            const cached = seen.get(k);
            if (control.lagMs > 0 && cached && Date.now() - cached.at < control.lagMs) return cached.value;
            const value = await (target.get as (k: string, t?: unknown) => Promise<unknown>).call(target, k, type);
            seen.set(k, { value, at: Date.now() });
            return value;
          };
          if (Array.isArray(key)) return new Map(await Promise.all(key.map(async (k) => [k, await one(k)] as const)));
          return one(key);
        };
      }
      if (prop === "put" || prop === "delete" || prop === "list") {
        return (...args: unknown[]) => {
          if (prop !== "list") control.writes++;
          if (control.failing) return Promise.reject(new Error(`KV ${String(prop).toUpperCase()} failed: 500 Internal Server Error`));
          return (Reflect.get(target, prop) as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as KVNamespace;
  return { kv, control };
}

export interface CoordinatorControl {
  /** Calls that reached the coordinator, by method. */
  calls: Record<string, number>;
  /** When set, every call fails as if the object could not be reached. */
  unreachable: boolean;
}

/** The real coordinator's namespace, counting calls and, on demand, unreachable. */
export function watchedCoordinator(real = env.STATE_COORDINATOR): { ns: typeof real; control: CoordinatorControl } {
  const control: CoordinatorControl = { calls: {}, unreachable: false };
  const ns = new Proxy(real, {
    get(target, prop) {
      if (prop === "get") {
        return (id: DurableObjectId) => {
          const stub = target.get(id);
          return new Proxy(stub, {
            get(s, method) {
              if (typeof method !== "string" || method === "then") return Reflect.get(s, method);
              // An RPC stub answers any property as a remote method; call it on the stub itself.
              return (...args: unknown[]) => {
                control.calls[method] = (control.calls[method] ?? 0) + 1;
                if (control.unreachable) return Promise.reject(new Error("Durable Object unreachable (network connection lost)"));
                return (s as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args);
              };
            },
          });
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { ns, control };
}
