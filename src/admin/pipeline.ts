// An admin change, step by step. Validation happened before (validate.ts).
//   1. commit: the coordinator reads the scope's document, applies the action
//      (pure, core/changes.ts), writes it and its audit entry in one
//      transaction, numbered with a version that only grows;
//   2. cache: this isolate, and this location's copy, see the change at once;
//   3. events: webhooks, delivered after the call has answered;
//   4. answer: the change, its version, and by when every location serves it.
// A refusal at any step leaves the stored state as it was.
import type { Actor, AuditEntry } from "../core/audit";
import type { Action } from "../core/changes";
import { announceTime } from "../core/window";
import { logEvent } from "../log";
import type { RequestContext } from "../request";
import type { ChangeResult } from "../shared/api";
import type { CommitResult } from "../state/coordinator";
import type { AdminParts } from "./context";
import { AdminError, errorBody, invalidField } from "./errors";

export interface ChangeRequest {
  scope: string;
  action: Action;
  actor: Actor;
}

export async function runChange(parts: AdminParts, rc: RequestContext, change: ChangeRequest): Promise<ChangeResult> {
  const { scope, action, actor } = change;

  // 1. Commit.
  const result = await commit(parts, change);
  if (result.ok === false) {
    if (result.problem.code === "not_found") throw new AdminError(404, errorBody("not_found", result.problem.message));
    throw invalidField(result.problem);
  }

  // 2. Cache.
  parts.cache.applyWrite(result.snapshot, rc.now);
  rc.ctx.waitUntil(parts.source.publish(rc.site, result.snapshot).catch(() => {}));

  if (result.ok === "unchanged") {
    return { ok: true, scope, transition: "updated", state: result.doc, announceFrom: announceTime(result.doc), note: result.note, ...visibility(parts, result.snapshot.version, rc.now) };
  }
  logEvent("info", "admin.change", { action: action.kind, scope, mode: result.doc.mode, transition: result.transition, version: result.version, actor: actor.name, ip: actor.ip });

  // 3. Events: webhooks, and the emails of subscribers whose site is back.
  parts.webhooks.changed({ scope, action: action.kind, transition: result.transition, after: result.governing, doc: result.doc, actor: actor.name, now: result.at }, rc.ctx);
  parts.notify?.changed(result.snapshot, result.at, rc.ctx);

  // 4. Answer.
  return { ok: true, scope, transition: result.transition, state: result.doc, announceFrom: announceTime(result.doc), ...visibility(parts, result.version, result.at) };
}

/** An audit entry for something that is not a state change (minting a bypass link). */
export async function recordAction(parts: AdminParts, entry: AuditEntry): Promise<void> {
  try {
    await parts.source.coordinator().record(JSON.stringify(entry));
  } catch (err) {
    // The link is minted either way; a lost audit line must not fail the call.
    logEvent("error", "state.fault", { reason: "audit log write failed", error: err instanceof Error ? err.message : String(err) });
  }
  logEvent("info", "admin.change", { action: entry.action, scope: entry.scope, actor: entry.actor, ip: entry.ip, ...entry.detail });
}

async function commit(parts: AdminParts, change: ChangeRequest): Promise<CommitResult> {
  try {
    return await parts.source.coordinator().commit(change);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    logEvent("error", "admin.refused", { reason: "storage_error", scope: change.scope, action: change.action.kind, error: reason });
    throw new AdminError(
      503,
      errorBody("storage_error", "Could not save the change: the state coordinator did not answer. Nothing changed; try again."),
    );
  }
}

/** `version` and by when every location serves it (the stated bound, from the configured TTLs). */
function visibility(parts: AdminParts, version: number, at: number) {
  return { version, visibleBy: new Date(at + parts.config.boundMs).toISOString() };
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
