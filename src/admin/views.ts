// What the API shows of a state: the public view (status.json, for pages and
// monitors; nothing secret) and the admin view (GET /status).
import type { DocRead, SiteDocs, StateDoc } from "../core/doc";
import { messageIn, type Language } from "../core/message";
import { resolveSite, type Policy } from "../core/policy";
import type { Rule } from "../core/rules";
import { announceTime, phaseAt, retryAfterSeconds } from "../core/window";
import type { AdminStatus, EffectiveView, PublicStatus } from "../shared/api";
import { logEvent } from "../log";
import type { RequestContext } from "../request";
import { readSnapshot } from "../state/snapshot";
import { readSite } from "../state/store";
import type { AdminParts } from "./context";
import { DEFAULT_LINK_TTL_SECONDS } from "../core/input";

/**
 * status.json: the rules' paths, methods and messages, never their user keys.
 * Messages are in `lang` (the visitor's), else in `fallback` (DEFAULT_LANGUAGE).
 */
export function publicStatus(doc: StateDoc | null, now: number, rules: readonly Rule[] = [], lang: Language = "en", fallback: Language = lang): PublicStatus {
  const text = (m: Rule["message"] | undefined) => messageIn(m, lang, fallback)?.text ?? null;
  const phase = phaseAt(doc, now);
  const active = phase.kind === "active";
  const scheduled = phase.kind === "pending" || phase.kind === "announced";
  return {
    mode: active ? phase.mode : "off",
    phase: active ? "active" : scheduled ? "scheduled" : "off",
    message: active || scheduled ? text(doc?.message) : null,
    startsAt: active || scheduled ? (doc?.startsAt ?? null) : null,
    endsAt: active || scheduled ? (doc?.endsAt ?? null) : null,
    announceFrom: scheduled ? announceTime(doc) : null,
    retryAfter: active ? retryAfterSeconds(doc, now) : null,
    updatedAt: doc?.updatedAt ?? null,
    rules: rules.map((r) => ({ id: r.id, paths: r.paths, methods: r.methods, mode: r.mode, message: text(r.message), forSomeUsers: r.users.length > 0 || r.percent !== null })),
  };
}

/** The admin's view: messages in DEFAULT_LANGUAGE (the documents show every language). */
export function effectiveView(policy: Policy, now: number, lang: Language = "en"): EffectiveView {
  return { ...publicStatus(policy.doc, now, policy.rules.map((r) => r.rule), lang), source: policy.source, updatedBy: policy.doc?.updatedBy ?? null };
}

/**
 * GET /status: the documents as the coordinator holds them, the KV copy's
 * faults, how old each copy is, and this isolate's view.
 */
export async function adminStatus(parts: AdminParts, rc: RequestContext, site: string): Promise<AdminStatus> {
  const { config, source, cache } = parts;
  const now = rc.now;
  const [coordinator, kvCopy, location, policy, notify] = await Promise.all([
    source.coordinator().status().then(
      (status) => ({ ok: true as const, snapshot: readSnapshot(status.snapshot), status }),
      (err: unknown) => ({ ok: false as const, reason: err instanceof Error ? err.message : String(err) }),
    ),
    readSite(parts.kv, site).catch((err: unknown) => {
      const reason = `KV read failed: ${err instanceof Error ? err.message : String(err)}`;
      return { own: { ok: false, reason, raw: null }, star: { ok: false, reason, raw: null } } satisfies SiteDocs;
    }),
    source.inspectLocation(rc.site).catch(() => null),
    cache.policy(site, now, rc.ctx),
    notifyStatus(parts, site),
  ]);

  const faults: AdminStatus["faults"] = [];
  const docs: SiteDocs = coordinator.ok
    ? { own: coordinator.snapshot.docs.get(site) ?? NOTHING, star: coordinator.snapshot.docs.get("*") ?? NOTHING }
    : { own: NOTHING, star: NOTHING };
  if (!coordinator.ok) faults.push({ key: "coordinator", store: "coordinator", reason: coordinator.reason });
  for (const [scope, read] of [[site, docs.own], ["*", docs.star]] as const) {
    if (!read.ok) faults.push({ key: `site:${scope}`, store: "coordinator", reason: read.reason });
  }
  for (const [scope, read] of [[site, kvCopy.own], ["*", kvCopy.star]] as const) {
    if (!read.ok) faults.push({ key: `site:${scope}`, store: "kv", reason: read.reason });
  }
  if (faults.some((f) => f.store === "kv")) logEvent("error", "state.fault", { site, reason: "the KV copy is unreadable", faults: faults.filter((f) => f.store === "kv").map((f) => f.reason) });

  const ownDoc = docs.own.ok ? docs.own.doc : null;
  const starDoc = docs.star.ok ? docs.star.doc : null;
  const view = resolveSite(ownDoc, starDoc);
  const isolate = cache.inspect(site, now);
  const kv = coordinator.ok ? coordinator.status.kv : null;
  return {
    ok: true,
    site,
    effective: effectiveView(policy, now, config.defaultLanguage),
    documents: { site: ownDoc, "*": starDoc },
    faults,
    cache: { ageMs: isolate.ageMs, fault: isolate.fault, cacheSeconds: config.cacheMs / 1000 },
    consistency: {
      boundSeconds: config.boundMs / 1000,
      cacheSeconds: config.cacheMs / 1000,
      edgeCacheSeconds: config.edgeCacheMs / 1000,
      coordinator: coordinator.ok ? { ok: true, version: coordinator.status.version } : { ok: false, version: null, fault: coordinator.reason },
      location: location ? { version: location.version, ageMs: now - location.servedAt } : null,
      isolate: { version: isolate.version, ageMs: isolate.ageMs, from: isolate.from, fault: isolate.fault?.reason ?? null },
      kv: kv
        ? { version: kv.version, ageMs: kv.copiedAt === null ? null : now - kv.copiedAt, behind: kv.version < (coordinator.ok ? coordinator.status.version : 0), fault: kv.fault }
        : { version: null, ageMs: null, behind: null, fault: null },
    },
    allow: { ips: [...config.allowIps, ...view.allow.ips], paths: [...config.allowPaths, ...view.allow.paths] },
    rules: view.rules,
    bypass: {
      enabled: parts.bypassSecret !== null,
      /** Links and cookies issued before this time are refused (0: never revoked). */
      epoch: view.revokedBefore,
      revokedBefore: view.revokedBefore ? new Date(view.revokedBefore).toISOString() : null,
      linkTtlSeconds: DEFAULT_LINK_TTL_SECONDS,
      cookieHours: config.bypassCookieSeconds / 3600,
    },
    webhooks: await parts.webhooks.status(),
    notify,
    config: { adminPrefix: config.adminPrefix, failMode: config.failMode, origin: config.origin ?? "route" },
  };
}

const NOTHING: DocRead = { ok: true, doc: null, raw: null };

/** "Email me when we're back": counts only, never an address ("*": every site). */
async function notifyStatus(parts: AdminParts, site: string): Promise<AdminStatus["notify"]> {
  const config = parts.config.notify;
  if (!parts.notify || !config) return { enabled: false };
  try {
    return { enabled: true, from: config.from, max: config.max, ...(await parts.notify.counts(site)) };
  } catch (err) {
    return { enabled: true, from: config.from, max: config.max, fault: err instanceof Error ? err.message : String(err) };
  }
}
