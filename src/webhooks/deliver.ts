// Webhook delivery: a JSON event per change, signed Stripe-style with
// WEBHOOK_SECRET (Pitstop-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">),
// retried with backoff inside waitUntil, never blocking the admin call.
import type { StateDoc } from "../core/doc";
import { messageLine, type Message } from "../core/message";
import { logEvent } from "../log";
import { recordDelivery } from "../state/webhook-state";

export type EventType = "maintenance.scheduled" | "maintenance.started" | "maintenance.ended" | "maintenance.cancelled" | "maintenance.rules";

export interface PitstopEvent {
  id: string;
  type: EventType;
  at: string;
  site: string;
  mode: StateDoc["mode"];
  /** As the admin gave it: one text, or one per language. */
  message: Message | null;
  window: { startsAt: string | null; endsAt: string | null; announceFrom: string | null; autoEnd: boolean };
  actor: string;
  /** The scope's rules now (maintenance.rules only); who a rule is for is counted, never listed. */
  rules?: Array<{ id: string; paths: string[]; methods: string[]; mode: string; message: Message | null; users: number; percent: number | null }>;
  /** Slack-compatible summary, so a chat webhook URL works as is. */
  text: string;
}

export interface WebhookSettings {
  urls: URL[];
  /** WEBHOOK_SECRET; null: events go unsigned. */
  secret: string | null;
  /** Where delivery outcomes are recorded. */
  kv: KVNamespace;
}

export function buildEvent(type: EventType, site: string, doc: StateDoc, actor: string, now: number, scopeDoc: StateDoc = doc): PitstopEvent {
  const rules =
    type === "maintenance.rules"
      ? scopeDoc.rules.map((r) => ({ id: r.id, paths: r.paths, methods: r.methods, mode: r.mode, message: r.message, users: r.users.length, percent: r.percent }))
      : undefined;
  return {
    id: crypto.randomUUID(),
    type,
    at: new Date(now).toISOString(),
    site,
    mode: doc.mode,
    message: doc.message,
    window: { startsAt: doc.startsAt, endsAt: doc.endsAt, announceFrom: doc.announceFrom, autoEnd: doc.autoEnd },
    actor,
    ...(rules ? { rules } : {}),
    text: rules ? rulesSummary(site, rules) : summary(type, site, doc),
  };
}

function rulesSummary(site: string, rules: NonNullable<PitstopEvent["rules"]>): string {
  if (rules.length === 0) return `🧩 ${site}: no maintenance rules`;
  const each = rules.map((r) => `${r.id} (${r.mode}${r.paths.length ? ` ${r.paths.join(" ")}` : ""}${r.users || r.percent !== null ? ", some users" : ""})`);
  return `🧩 ${site}: maintenance rules now ${each.join("; ")}`;
}

/** Retry delays after the first attempt: 1 s, then 3 s (all within waitUntil's budget). */
const RETRY_DELAYS_MS = [1000, 3000];
const ATTEMPT_TIMEOUT_MS = 5000;

export async function deliver(settings: WebhookSettings, event: PitstopEvent, delays: number[] = RETRY_DELAYS_MS): Promise<void> {
  if (settings.urls.length === 0) return;
  const body = JSON.stringify(event);
  const signature = settings.secret ? await sign(settings.secret, body, Math.floor(Date.now() / 1000)) : null;
  await Promise.all(settings.urls.map((url) => deliverOne(settings.kv, url, event, body, signature, delays)));
}

async function deliverOne(kv: KVNamespace, url: URL, event: PitstopEvent, body: string, signature: string | null, delays: number[]): Promise<void> {
  let failure = "";
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, delays[attempt - 1]));
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "pitstop-webhooks/1",
          "pitstop-event": event.type,
          ...(signature ? { "pitstop-signature": signature } : {}),
        },
        body,
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (res.ok) {
        logEvent("info", "webhook.delivered", { host: url.host, type: event.type, attempts: attempt + 1 });
        await recordDelivery(kv, { lastSuccess: { at: new Date().toISOString(), host: url.host, event: event.type } });
        return;
      }
      failure = `HTTP ${res.status}`;
      // A 4xx other than 408/429 will not get better by retrying.
      if (res.status < 500 && res.status !== 408 && res.status !== 429) break;
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
    }
  }
  logEvent("error", "webhook.failed", { host: url.host, type: event.type, reason: failure });
  await recordDelivery(kv, { lastFailure: { at: new Date().toISOString(), host: url.host, event: event.type, reason: failure } });
}

/** Stripe-style: HMAC-SHA256 over "<timestamp>.<body>", hex. */
export async function sign(secret: string, body: string, timestamp: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${timestamp}.${body}`));
  const hex = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `t=${timestamp},v1=${hex}`;
}

function summary(type: EventType, site: string, doc: StateDoc): string {
  const what = doc.mode === "read-only" ? "read-only maintenance" : "maintenance";
  // The summary is English, so it quotes the English message (or the first given).
  const line = messageLine(doc.message, "en");
  const note = line ? `: ${line}` : "";
  switch (type) {
    case "maintenance.scheduled":
      return `🗓️ ${site}: ${what} scheduled from ${doc.startsAt}${doc.endsAt ? ` until ${doc.endsAt}` : ""}${note}`;
    case "maintenance.started":
      return `🔧 ${site} is now in ${what}${doc.endsAt ? ` (expected back ${doc.endsAt})` : ""}${note}`;
    case "maintenance.ended":
      return `✅ ${site} is back up`;
    case "maintenance.cancelled":
      return `↩️ ${site}: scheduled maintenance cancelled`;
    case "maintenance.rules":
      return `🧩 ${site}: maintenance rules changed`;
  }
}
