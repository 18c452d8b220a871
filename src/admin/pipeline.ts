// An admin change, step by step: read what is stored, apply the action (pure,
// core/changes.ts), write, update this isolate's cache, audit, and tell the
// webhooks. Validation happened before (validate.ts); every step below has one
// job, and a refusal at any step leaves the stored state as it was.
import { auditEntry, type Actor } from "../core/audit";
import { applyAction, transition, type Action } from "../core/changes";
import type { SiteDocs, StateDoc } from "../core/doc";
import { resolveSite } from "../core/policy";
import { announceTime } from "../core/window";
import type { RequestContext } from "../request";
import { logEvent } from "../log";
import type { ChangeResult } from "../shared/api";
import { appendLog } from "../state/audit";
import { readSite, writeDoc } from "../state/store";
import type { AdminParts } from "./context";
import { AdminError, errorBody, invalidField } from "./errors";

export interface ChangeRequest {
  scope: string;
  action: Action;
  actor: Actor;
}

export async function runChange(parts: AdminParts, rc: RequestContext, change: ChangeRequest): Promise<ChangeResult> {
  const { scope, action, actor } = change;
  const now = rc.now;

  // 1. Read: the scope's document, and `*` (what the site was governed by).
  const docs = await read(parts, scope);
  const stored = scope === "*" ? docs.star : docs.own;

  // 2. Apply (pure).
  const applied = applyAction(scope, stored, action, now);
  if (applied.ok === false) {
    if (applied.problem.code === "not_found") throw new AdminError(404, errorBody("not_found", applied.problem.message));
    throw invalidField(applied.problem);
  }
  if (applied.ok === "unchanged") {
    const doc = stored.ok ? stored.doc : null;
    return { ok: true, scope, transition: "updated", state: doc, announceFrom: announceTime(doc), note: applied.note };
  }
  const after: StateDoc = { ...applied.doc, updatedAt: new Date(now).toISOString(), updatedBy: actor.name };

  // 3. Write.
  await write(parts, scope, after, action.kind);

  // 4. This isolate sees the change at once; others within CACHE_SECONDS.
  parts.cache.applyWrite(scope, after);

  // 5. Audit: what changed, for whom, and what it meant for visitors.
  const star = docs.star.ok ? docs.star.doc : null;
  const own = docs.own.ok ? docs.own.doc : null;
  const before = scope === "*" ? star : resolveSite(own, star).governing;
  const governing = scope === "*" ? after : (resolveSite(after, star).governing ?? after);
  const kind = transition(before, governing, now);
  const repaired = stored.ok ? {} : { repaired: stored.reason, bypassRevoked: true };
  await audit(parts, {
    entry: auditEntry({ action: action.kind, scope, mode: after.mode, message: after.message, detail: { transition: kind, ...repaired } }, actor, now),
  });

  // 6. Events: webhooks, delivered after this call has answered.
  parts.webhooks.changed({ scope, transition: kind, after: governing, actor: actor.name, now }, rc.ctx);

  return { ok: true, scope, transition: kind, state: after, announceFrom: announceTime(after) };
}

/** An audit entry for something that is not a state change (minting a bypass link). */
export async function recordAction(parts: AdminParts, rc: RequestContext, fields: { scope: string; action: string; detail: Record<string, unknown> }, actor: Actor): Promise<void> {
  const policy = await parts.cache.policy(fields.scope, rc.now, rc.ctx);
  await audit(parts, {
    entry: auditEntry({ ...fields, mode: policy.doc?.mode ?? "off", message: null }, actor, rc.now),
    extra: fields.detail,
  });
}

async function read(parts: AdminParts, scope: string): Promise<SiteDocs> {
  return readSite(parts.kv, scope);
}

async function write(parts: AdminParts, scope: string, doc: StateDoc, action: string): Promise<void> {
  try {
    await writeDoc(parts.kv, scope, doc);
  } catch (err) {
    logEvent("error", "admin.refused", { reason: "storage_error", scope, action, error: err instanceof Error ? err.message : String(err) });
    throw new AdminError(
      503,
      errorBody("storage_error", "Could not save the change (KV refused the write; at most one write per second per scope). Nothing changed; try again."),
    );
  }
}

/** A lost audit line must not undo or fail a change that is already stored. */
async function audit(parts: AdminParts, record: { entry: ReturnType<typeof auditEntry>; extra?: Record<string, unknown> }): Promise<void> {
  const { entry } = record;
  try {
    await appendLog(parts.kv, entry);
  } catch (err) {
    logEvent("error", "state.fault", { reason: "audit log write failed", error: err instanceof Error ? err.message : String(err) });
  }
  logEvent("info", "admin.change", {
    action: entry.action,
    scope: entry.scope,
    mode: entry.mode,
    ...(typeof entry.detail?.transition === "string" ? { transition: entry.detail.transition } : {}),
    actor: entry.actor,
    ip: entry.ip,
    ...record.extra,
  });
}

/** Who made a change: the CLI sends X-Pitstop-Actor (user@host); curl users are "api". */
export function actorOf(headers: Headers): Actor {
  const raw = headers.get("x-pitstop-actor");
  const clean = raw?.replace(/[^\w@.:+\- ]/g, "").trim().slice(0, 100);
  return {
    name: clean || "api",
    ip: headers.get("cf-connecting-ip"),
    userAgent: headers.get("user-agent")?.slice(0, 200) ?? null,
  };
}
