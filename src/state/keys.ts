// Every KV key Pitstop uses, built in this one place. The layout, JSON shapes
// and TTLs are documented in docs/storage-schema.md.

/** A scope's state document: `site:<hostname>` or `site:*`. */
export const docKey = (scope: string) => `site:${scope}`;
export const DOC_PREFIX = "site:";
export const scopeOfDocKey = (key: string) => key.slice(DOC_PREFIX.length);

/** Audit entries of a scope, listed newest first (see audit.ts). */
export const logPrefix = (scope: string) => `log:${scope}:`;

/** What was last announced to webhooks for a scope (see webhooks/events.ts). */
export const markerKey = (scope: string) => `event:${scope}`;

/** The last webhook delivery outcomes, for GET /status. */
export const WEBHOOK_STATUS_KEY = "webhook:status";
