// What webhook delivery remembers in KV: per scope, what was last announced
// (so the cron sweep and the admin path never fire twice), and the last
// delivery outcomes shown in GET /status.
import { markerKey, WEBHOOK_STATUS_KEY } from "./keys";

export interface Marker {
  updatedAt: string;
  active: boolean;
}

export interface DeliveryStatus {
  lastSuccess?: { at: string; host: string; event: string };
  lastFailure?: { at: string; host: string; event: string; reason: string };
}

/** A marker that cannot be read counts as missing (it is rewritten). */
export async function readMarker(kv: KVNamespace, scope: string): Promise<Marker | null> {
  try {
    const m = await kv.get<Marker>(markerKey(scope), "json");
    return m && typeof m.updatedAt === "string" && typeof m.active === "boolean" ? m : null;
  } catch {
    return null;
  }
}

export async function writeMarker(kv: KVNamespace, scope: string, marker: Marker): Promise<void> {
  await kv.put(markerKey(scope), JSON.stringify(marker));
}

/** Best effort: the log line of a delivery already tells its story. */
export async function recordDelivery(kv: KVNamespace, update: DeliveryStatus): Promise<void> {
  try {
    const current = (await kv.get<DeliveryStatus>(WEBHOOK_STATUS_KEY, "json")) ?? {};
    await kv.put(WEBHOOK_STATUS_KEY, JSON.stringify({ ...current, ...update }));
  } catch {
    // status is best effort
  }
}

export async function readDeliveries(kv: KVNamespace): Promise<DeliveryStatus> {
  try {
    return (await kv.get<DeliveryStatus>(WEBHOOK_STATUS_KEY, "json")) ?? {};
  } catch {
    return {}; // reported as unknown
  }
}
