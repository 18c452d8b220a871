// Turning changes into webhook events exactly once per transition. Admin
// changes fire at once (the admin pipeline calls `changed`); windows that
// start or end by the clock are caught by the cron trigger (`sweep`). A
// marker per scope records what was last announced for which version of the
// document, so neither path fires twice.
import type { Transition } from "../core/changes";
import type { StateDoc } from "../core/doc";
import { phaseAt } from "../core/window";
import { logEvent } from "../log";
import type { WaitUntil } from "../state/cache";
import { readSnapshot } from "../state/snapshot";
import type { SnapshotSource } from "../state/source";
import { readDeliveries, readMarker, writeMarker } from "../state/webhook-state";
import { buildEvent, deliver, type EventType, type WebhookSettings } from "./deliver";

/** An admin change, as webhooks need it. */
export interface ChangeEvent {
  scope: string;
  /** The admin action (core/changes.ts): a rule change fires maintenance.rules. */
  action: string;
  transition: Transition;
  /** The document the scope is now governed by. */
  after: StateDoc;
  /** The scope's own document after the change (its rules). */
  doc: StateDoc;
  actor: string;
  now: number;
}

const EVENT_OF: Partial<Record<Transition, EventType>> = {
  started: "maintenance.started",
  ended: "maintenance.ended",
  scheduled: "maintenance.scheduled",
  cancelled: "maintenance.cancelled",
};

export class Webhooks {
  constructor(private readonly settings: WebhookSettings) {}

  get enabled(): boolean {
    return this.settings.urls.length > 0;
  }

  /** After an admin change: its event, delivered after the admin call has answered. */
  changed(event: ChangeEvent, ctx: WaitUntil): void {
    if (!this.enabled) return;
    ctx.waitUntil(
      this.announce(event).catch((err) =>
        logEvent("error", "webhook.failed", { reason: err instanceof Error ? err.message : String(err) }),
      ),
    );
  }

  /**
   * The cron trigger (every minute): for each stored document, compare whether
   * it is active now with what was last announced for that same version.
   */
  async sweep(source: SnapshotSource, now: number): Promise<Array<{ scope: string; type: EventType }>> {
    const fired: Array<{ scope: string; type: EventType }> = [];
    if (!this.enabled) return fired;
    // Any copy will do for the host part of the key; the cron has no request.
    const { wire } = await source.fetch("cron.invalid", 0, now);
    for (const [scope, read] of readSnapshot(wire).docs) {
      if (!read.ok || read.doc === null) continue;
      try {
        const type = await this.sweepOne(scope, read.doc, now);
        if (type) fired.push({ scope, type });
      } catch (err) {
        // One bad scope (a corrupt marker, a failed read) must not stop the others.
        logEvent("error", "state.fault", { reason: "cron sweep", scope, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return fired;
  }

  /** For GET /status: hosts only (webhook URLs often embed secrets), and the last outcomes. */
  async status() {
    const last = await readDeliveries(this.settings.kv);
    return { targets: this.settings.urls.map((u) => u.host), signed: this.settings.secret !== null, ...last };
  }

  private async announce(event: ChangeEvent): Promise<void> {
    const { kv } = this.settings;
    await writeMarker(kv, event.scope, { updatedAt: event.after.updatedAt, active: phaseAt(event.after, event.now).kind === "active" });
    const type = EVENT_OF[event.transition] ?? (event.action.startsWith("rule.") ? "maintenance.rules" : undefined);
    if (type) await deliver(this.settings, buildEvent(type, event.scope, event.after, event.actor, event.now, event.doc));
  }

  private async sweepOne(scope: string, doc: StateDoc, now: number): Promise<EventType | null> {
    const { kv } = this.settings;
    const active = phaseAt(doc, now).kind === "active";
    const marker = await readMarker(kv, scope);
    if (marker && marker.updatedAt === doc.updatedAt && marker.active === active) return null;
    await writeMarker(kv, scope, { updatedAt: doc.updatedAt, active });
    // A version the admin path never announced (or a lost marker): record it
    // without firing, since its admin change was announced when it was made.
    if (!marker || marker.updatedAt !== doc.updatedAt) return null;
    const type: EventType = active ? "maintenance.started" : "maintenance.ended";
    logEvent("info", "admin.change", { action: "window", scope, transition: type, actor: "schedule" });
    await deliver(this.settings, buildEvent(type, scope, doc, "schedule", now));
    return type;
  }
}
