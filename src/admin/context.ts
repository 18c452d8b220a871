// What the admin API is built from, once per isolate, and what each admin
// request carries through Hono.
import type { Config } from "../config";
import type { BypassCookies } from "../bypass/cookie";
import type { LanguagePicker } from "../i18n/negotiate";
import type { Notifier } from "../notify/notifier";
import type { RequestContext } from "../request";
import type { Pages } from "../page/render";
import type { StateCache } from "../state/cache";
import type { SnapshotSource } from "../state/source";
import type { Webhooks } from "../webhooks/events";

export interface AdminParts {
  config: Config;
  /** The KV copy of the state (GET /status compares it). */
  kv: KVNamespace;
  /** The coordinator (writes, audit log) and the copies of the state. */
  source: SnapshotSource;
  cache: StateCache;
  pages: Pages;
  cookies: BypassCookies;
  webhooks: Webhooks;
  /** The visitor's language, for the public answers (status.json, the notify form, the link page). */
  languages: LanguagePicker;
  /** "Email me when we're back"; null when EMAIL and NOTIFY_FROM are not configured. */
  notify: Notifier | null;
  adminToken: string | null;
  bypassSecret: string | null;
}

/** Hono's env for the admin app: the request context, built at the entry point. */
export type AdminEnv = { Bindings: { rc: RequestContext } };
