// What the audit log records of an admin action: who, what, when, from where.
import type { Message } from "./message";

/** Who made a change, as the admin request says (never a token or cookie). */
export interface Actor {
  /** The CLI sends X-Pitstop-Actor (user@host); curl users are "api". */
  name: string;
  ip: string | null;
  userAgent: string | null;
}

export interface AuditEntry {
  at: string;
  action: string;
  scope: string;
  mode: string;
  message: Message | null;
  actor: string;
  ip: string | null;
  userAgent: string | null;
  detail?: Record<string, unknown>;
  /** The coordinator's version when the entry was written: entries list in that order. */
  version?: number;
}

export function auditEntry(
  fields: { action: string; scope: string; mode: string; message: Message | null; detail?: Record<string, unknown> },
  actor: Actor,
  at: number,
): AuditEntry {
  return {
    at: new Date(at).toISOString(),
    action: fields.action,
    scope: fields.scope,
    mode: fields.mode,
    message: fields.message,
    actor: actor.name,
    ip: actor.ip,
    userAgent: actor.userAgent,
    ...(fields.detail ? { detail: fields.detail } : {}),
  };
}
