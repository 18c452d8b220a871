// Storing a change: read the scope's document, apply a pure change, write it,
// update this isolate's cache, record the audit entry and tell listeners.
import type { Context } from "hono";
import { logEvent } from "../log";
import { stateCache } from "../state/cache";
import { emptyDoc, type StateDoc } from "../state/schema";
import { governingDoc } from "../gate/policy";
import { appendLog, readDoc, writeDoc, type AuditEntry, type DocRead } from "../state/store";
import type { AdminEnv } from "./api";
import { switchOff, transition, type Change } from "./changes";
import { errorBody } from "./errors";

export interface ChangeEvent {
  action: string;
  scope: string;
  kind: ReturnType<typeof transition>;
  before: StateDoc | null;
  after: StateDoc;
  actor: string;
}

type ChangeListener = (c: Context<AdminEnv>, event: ChangeEvent) => void;
const listeners: ChangeListener[] = [];

/** Webhooks subscribe here; a listener must not throw or block (use waitUntil). */
export function onChange(listener: ChangeListener): void {
  listeners.push(listener);
}

/**
 * Read the scope's current document from KV, apply the change, store it,
 * update this isolate's cache and write the audit entry. A corrupt stored
 * document is replaced (this is how an admin repairs it).
 */
export async function commit(
  c: Context<AdminEnv>,
  scope: string,
  action: string,
  change: (current: StateDoc, now: number) => Change,
  detail?: Record<string, unknown>,
): Promise<Response> {
  const config = c.get("config");
  const now = Date.now();
  const actor = actorOf(c);
  const stored = await readDoc(c.env.MAINTENANCE, scope);
  const star = scope === "*" ? null : await readDoc(c.env.MAINTENANCE, "*");
  const starDoc = star?.ok ? star.doc : null;
  const own = stored.ok ? stored.doc : null;
  // What the site was under: its own document, or "*" (when it had none, or inherits).
  const before = governingDoc(own, starDoc);
  const result = change(baseDoc(stored, now, actor), now);
  if (!result.ok) {
    return c.json(errorBody("invalid_request", `${result.error.field}: ${result.error.message}`, result.error.field), 400);
  }
  const after: StateDoc = { ...result.doc, updatedAt: new Date(now).toISOString(), updatedBy: actor };
  try {
    await writeDoc(c.env.MAINTENANCE, scope, after);
  } catch (err) {
    logEvent("error", "admin.refused", { reason: "storage_error", scope, action, error: err instanceof Error ? err.message : String(err) });
    return c.json(errorBody("storage_error", "Could not save the change (KV refused the write; at most one write per second per scope). Nothing changed; try again."), 503);
  }
  stateCache.applyWrite(scope, after, config);

  const effective = governingDoc(after, starDoc) ?? after;
  const kind = transition(before, effective, now);
  const entry: AuditEntry = {
    at: after.updatedAt,
    action,
    scope,
    mode: after.mode,
    message: after.message,
    actor,
    ip: c.req.header("cf-connecting-ip") ?? null,
    userAgent: c.req.header("user-agent")?.slice(0, 200) ?? null,
    detail: { transition: kind, ...(stored.ok ? {} : { repaired: stored.reason, bypassRevoked: true }), ...detail },
  };
  try {
    await appendLog(c.env.MAINTENANCE, entry);
  } catch (err) {
    // The change itself is stored; a lost audit line must not undo or fail it.
    logEvent("error", "state.fault", { reason: "audit log write failed", error: err instanceof Error ? err.message : String(err) });
  }
  logEvent("info", "admin.change", { action, scope, mode: after.mode, transition: kind, actor, ip: entry.ip });
  for (const listener of listeners) listener(c, { action, scope, kind, before, after: effective, actor });
  return c.json({ ok: true, scope, transition: kind, state: after });
}


/**
 * DELETE /state: the site follows "*" again. Its document becomes "inherit",
 * keeping its allowlists and its revocations (so revoked links stay revoked).
 */
export async function resetScope(c: Context<AdminEnv>, scope: string): Promise<Response> {
  if (scope === "*") {
    return c.json(errorBody("invalid_request", 'scope: "*" follows nothing; use off to switch every site back on', "scope"), 400);
  }
  const stored = await readDoc(c.env.MAINTENANCE, scope);
  if (stored.ok && (stored.doc === null || stored.doc.mode === "inherit")) {
    return c.json(errorBody("not_found", `${scope} has no setting of its own; it already follows "*".`), 404);
  }
  return commit(c, scope, "reset", (doc) => ({ ok: true, doc: { ...switchOff(doc), mode: "inherit" } }));
}

/**
 * What a change starts from. A site without a document of its own starts
 * from "inherit": it keeps following "*" unless the change sets a mode (so
 * setting its allowlist or revoking its links never switches it out of a "*"
 * window). A corrupt document is replaced, and since the revocations it held
 * are unknown, every bypass link issued so far for the scope is revoked.
 */
function baseDoc(stored: DocRead, now: number, actor: string): StateDoc {
  const fresh: StateDoc = { ...emptyDoc(new Date(now), actor), mode: "inherit" };
  if (!stored.ok) return { ...fresh, bypassEpoch: now };
  return stored.doc ?? fresh;
}

/** An audit entry for something that is not a state change (minting a bypass link). */
export async function recordAudit(c: Context<AdminEnv>, scope: string, action: string, mode: string, detail: Record<string, unknown>): Promise<void> {
  const entry: AuditEntry = {
    at: new Date().toISOString(),
    action,
    scope,
    mode,
    message: null,
    actor: actorOf(c),
    ip: c.req.header("cf-connecting-ip") ?? null,
    userAgent: c.req.header("user-agent")?.slice(0, 200) ?? null,
    detail,
  };
  try {
    await appendLog(c.env.MAINTENANCE, entry);
  } catch (err) {
    logEvent("error", "state.fault", { reason: "audit log write failed", error: err instanceof Error ? err.message : String(err) });
  }
  logEvent("info", "admin.change", { action, scope, actor: entry.actor, ip: entry.ip, ...detail });
}

/** Who made a change: the CLI sends X-Pitstop-Actor (user@host); curl users are "api". */
export function actorOf(c: Context): string {
  const raw = c.req.header("x-pitstop-actor");
  const clean = raw?.replace(/[^\w@.:+\- ]/g, "").trim().slice(0, 100);
  return clean || "api";
}
