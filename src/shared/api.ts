// The admin API's requests and answers, as types only: the worker builds its
// answers against them and the CLI reads them, so the two cannot drift apart.
// Nothing here exists at run time (the CLI's bundle takes no worker code).
import type { Transition } from "../core/changes";
import type { ActiveMode, Mode, StateDoc } from "../core/doc";
import type { AuditEntry } from "../core/audit";
import type { Message } from "../core/message";
import type { PolicySource } from "../core/policy";
import type { Rule } from "../core/rules";

export type { ActiveMode, Message, Mode, PolicySource, Rule, StateDoc, Transition };

/** Body of POST /rules/{id}/users. */
export interface RuleUsersBody {
  add?: string[];
  remove?: string[];
  /** The rule to create, if it does not exist yet, with `add` as its users. */
  create?: Omit<RuleBody, "id" | "users" | "scope">;
  scope?: string;
}

/** Body of POST /rules. */
export interface RuleBody {
  id: string;
  paths?: string[];
  methods?: string[];
  users?: string[];
  percent?: number | null;
  mode?: ActiveMode;
  message?: Message | null;
  banner?: boolean;
  scope?: string;
}

/** The admin API's error shape: a stable code for scripts, a sentence for people, the field when there is one. */
export interface ErrorBody {
  ok: false;
  error: string;
  message: string;
  field?: string;
}

/** GET /status.json: what visitors and monitors may know. Nothing secret. */
export interface PublicStatus {
  /** The mode in force right now: "off" while a window is only scheduled. */
  mode: "off" | ActiveMode;
  /** "scheduled" when a window lies ahead (the banner shows from announceFrom). */
  phase: "off" | "scheduled" | "active";
  /** The admin's message in the visitor's language (Accept-Language), else DEFAULT_LANGUAGE's. */
  message: string | null;
  startsAt: string | null;
  endsAt: string | null;
  /** When the banner appears: the stored value, or the default lead time before startsAt. */
  announceFrom: string | null;
  retryAfter: number | null;
  updatedAt: string | null;
  /** The rules in force: paths, methods and messages, never user keys. */
  rules: PublicRule[];
}

export interface PublicRule {
  id: string;
  paths: string[];
  methods: string[];
  mode: ActiveMode;
  message: string | null;
  /** The rule is for some users only (who is never said here). */
  forSomeUsers: boolean;
}

export interface EffectiveView extends PublicStatus {
  source: PolicySource;
  updatedBy: string | null;
}

/** GET /status. Later versions of the worker may add sections; the CLI shows them with --json. */
export interface AdminStatus {
  ok: true;
  site: string;
  effective: EffectiveView;
  documents: { site: StateDoc | null; "*": StateDoc | null };
  /** Documents that do not parse, in either store, and a coordinator that does not answer. */
  faults: Array<{ key: string; store: "coordinator" | "kv"; reason: string }>;
  /** This isolate's copy. */
  cache: { ageMs: number | null; fault: { reason: string; since: string } | null; cacheSeconds: number };
  /** The stated bound, and how old each copy of the state is (ms). */
  consistency: {
    boundSeconds: number;
    cacheSeconds: number;
    edgeCacheSeconds: number;
    coordinator: { ok: boolean; version: number | null; fault?: string };
    /** This location's copy (the Cache API); null when there is none (workers.dev has none). */
    location: { version: number; ageMs: number } | null;
    isolate: { version: number | null; ageMs: number | null; from: string | null; fault: string | null };
    /** The KV copy: the newest version copied, how long ago, whether it is behind, why. */
    kv: { version: number | null; ageMs: number | null; behind: boolean | null; fault: string | null };
  };
  allow: { ips: string[]; paths: string[] };
  /** The rules in force for this site: its own, then those of "*" (first match wins). */
  rules: Rule[];
  bypass: { enabled: boolean; epoch: number; revokedBefore: string | null; linkTtlSeconds: number; cookieHours: number };
  webhooks: {
    targets: string[];
    signed: boolean;
    lastSuccess?: { at: string; host: string; event: string };
    lastFailure?: { at: string; host: string; event: string; reason: string };
  };
  config: { adminPrefix: string; failMode: string; origin: string };
  /** "Email me when we're back": counts for this site ("*": every site), never addresses. */
  notify:
    | { enabled: false }
    | {
        enabled: true;
        from: string;
        max: number;
        /** Waiting for the site to come back. */
        subscribed?: number;
        /** The site is back: being sent or retried. */
        pending?: number;
        /** Emails accepted by Email Service (those addresses are deleted). */
        sent?: number;
        /** Given up on: suppressed or refused recipients, or too many failed tries. */
        failed?: number;
        /** The subscriber store did not answer. */
        fault?: string;
      };
}

/** Every state-changing call answers with this. */
export interface ChangeResult {
  ok: true;
  scope: string;
  transition: Transition;
  /** The scope's stored document after the change (null when nothing is stored). */
  state: StateDoc | null;
  /** When the banner appears for this scope's window (the default lead time applied), or null. */
  announceFrom: string | null;
  /** Set when nothing needed changing. */
  note?: string;
  /** The coordinator's write number for this change (it only grows). */
  version: number;
  /** By when every location serves this version (ISO), from the stated bound. */
  visibleBy: string;
}

/** Body of POST /on, /read-only and /schedule. */
export interface OnBody {
  mode?: ActiveMode;
  /** One text, or one per language: {"en": "...", "fr": "..."}. */
  message?: Message | null;
  retryAfter?: number | null;
  startsAt?: string | null;
  endsAt?: string | null;
  announceFrom?: string | null;
  autoEnd?: boolean;
  scope?: string;
  allow?: { ips?: string[]; paths?: string[] };
}

export interface AllowBody {
  ips?: string[];
  paths?: string[];
  scope?: string;
}

export interface MintBody {
  ttl?: number;
  next?: string;
  scope?: string;
}

export type LogEntry = AuditEntry;

export interface LogPage {
  ok: true;
  scope: string;
  entries: LogEntry[];
  cursor: string | null;
}

export interface BypassLink {
  ok: true;
  scope: string;
  url: string;
  expiresAt: string;
  cookieHours: number;
}
