// Turning changes into events exactly once per transition. Admin changes fire
// at once; windows that start or end by the clock are caught by the cron
// trigger. A marker per scope (`event:<scope>`) records what was last
// announced for which version of the document, so neither path fires twice.
import type { Bindings, Config } from "../config";
import { phaseAt } from "../gate/window";
import { logEvent } from "../log";
import { parseStateDoc, type StateDoc } from "../state/schema";
import { buildEvent, deliver, type EventType } from "./deliver";

interface Marker {
  updatedAt: string;
  active: boolean;
}

export const markerKey = (scope: string) => `event:${scope}`;

const KIND_TO_EVENT: Partial<Record<string, EventType>> = {
  started: "maintenance.started",
  ended: "maintenance.ended",
  scheduled: "maintenance.scheduled",
  cancelled: "maintenance.cancelled",
};

/** After an admin change: fire its event and remember what was announced. */
export async function announceChange(env: Bindings, config: Config, scope: string, kind: string, after: StateDoc, actor: string, now: number): Promise<void> {
  await writeMarker(env, scope, { updatedAt: after.updatedAt, active: phaseAt(after, now).kind === "active" });
  const type = KIND_TO_EVENT[kind];
  if (type) await deliver(env, config, buildEvent(type, scope, after, actor, now));
}

/**
 * The cron trigger (every minute): for each stored document, compare whether
 * it is active now with what was last announced for that same version.
 */
export async function sweepWindows(env: Bindings, config: Config, now: number): Promise<Array<{ scope: string; type: EventType }>> {
  const fired: Array<{ scope: string; type: EventType }> = [];
  let cursor: string | undefined;
  do {
    const page = await env.MAINTENANCE.list({ prefix: "site:", cursor });
    for (const { name } of page.keys) {
      const scope = name.slice("site:".length);
      try {
        const type = await sweepOne(env, config, scope, now);
        if (type) fired.push({ scope, type });
      } catch (err) {
        // One bad scope (a corrupt marker, a failed read) must not stop the others.
        logEvent("error", "state.fault", { reason: "cron sweep", scope, error: err instanceof Error ? err.message : String(err) });
      }
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return fired;
}

async function sweepOne(env: Bindings, config: Config, scope: string, now: number): Promise<EventType | null> {
  const raw = await env.MAINTENANCE.get(`site:${scope}`, "text");
  const parsed = raw === null ? null : parseStateDoc(raw);
  if (!parsed?.ok) return null;
  const doc = parsed.doc;
  const active = phaseAt(doc, now).kind === "active";
  const marker = await readMarker(env, scope);
  if (marker && marker.updatedAt === doc.updatedAt && marker.active === active) return null;
  await writeMarker(env, scope, { updatedAt: doc.updatedAt, active });
  // A version the admin path never announced (or a lost marker): record it
  // without firing, since its admin change was announced when it was made.
  if (!marker || marker.updatedAt !== doc.updatedAt) return null;
  const type: EventType = active ? "maintenance.started" : "maintenance.ended";
  logEvent("info", "admin.change", { action: "window", scope, transition: type, actor: "schedule" });
  await deliver(env, config, buildEvent(type, scope, doc, "schedule", now));
  return type;
}

/** A marker that cannot be read counts as missing (it is rewritten). */
async function readMarker(env: Bindings, scope: string): Promise<Marker | null> {
  try {
    const m = await env.MAINTENANCE.get<Marker>(markerKey(scope), "json");
    return m && typeof m.updatedAt === "string" && typeof m.active === "boolean" ? m : null;
  } catch {
    return null;
  }
}

async function writeMarker(env: Bindings, scope: string, marker: Marker): Promise<void> {
  await env.MAINTENANCE.put(markerKey(scope), JSON.stringify(marker));
}
