// Every KV key Pitstop uses, built in this one place. The layout, JSON shapes
// and TTLs are documented in docs/storage-schema.md.

/** A scope's state document: `site:<hostname>` or `site:*`. */
export const docKey = (scope: string) => `site:${scope}`;
export const DOC_PREFIX = "site:";
export const scopeOfDocKey = (key: string) => key.slice(DOC_PREFIX.length);

/**
 * Audit entries written before the coordinator kept the log: read once, when
 * the coordinator adopts what KV holds, and no longer written.
 */
export const LEGACY_LOG_PREFIX = "log:";

/** Every document in one value, as the coordinator last copied it: the fallback when the coordinator cannot be reached. */
export const SNAPSHOT_KEY = "state:snapshot";

/** What was last announced to webhooks for a scope (see webhooks/events.ts). */
export const markerKey = (scope: string) => `event:${scope}`;

/** The last webhook delivery outcomes, for GET /status. */
export const WEBHOOK_STATUS_KEY = "webhook:status";
