// What the API shows of a state: the public view (status.json, for pages and
// monitors; nothing secret) and the admin view (GET /status).
import type { SiteDocs, StateDoc } from "../core/doc";
import { resolveSite, type Policy } from "../core/policy";
import { announceTime, phaseAt, retryAfterSeconds } from "../core/window";
import type { AdminStatus, EffectiveView, PublicStatus } from "../shared/api";
import type { AdminParts } from "./context";
import { DEFAULT_LINK_TTL_SECONDS } from "../core/input";

export function publicStatus(doc: StateDoc | null, now: number): PublicStatus {
  const phase = phaseAt(doc, now);
  const active = phase.kind === "active";
  const scheduled = phase.kind === "pending" || phase.kind === "announced";
  return {
    mode: active ? phase.mode : "off",
    phase: active ? "active" : scheduled ? "scheduled" : "off",
    message: active || scheduled ? (doc?.message ?? null) : null,
    startsAt: active || scheduled ? (doc?.startsAt ?? null) : null,
    endsAt: active || scheduled ? (doc?.endsAt ?? null) : null,
    announceFrom: scheduled ? announceTime(doc) : null,
    retryAfter: active ? retryAfterSeconds(doc, now) : null,
    updatedAt: doc?.updatedAt ?? null,
  };
}

export function effectiveView(policy: Policy, now: number): EffectiveView {
  return { ...publicStatus(policy.doc, now), source: policy.source, updatedBy: policy.doc?.updatedBy ?? null };
}

/** GET /status: the stored documents as read now, and this isolate's view of them. */
export async function adminStatus(parts: AdminParts, site: string, docs: SiteDocs, policy: Policy, now: number): Promise<AdminStatus> {
  const { config } = parts;
  const { own, star } = docs;
  const faults = [
    ...(own.ok ? [] : [{ key: `site:${site}`, reason: own.reason }]),
    ...(star.ok ? [] : [{ key: "site:*", reason: star.reason }]),
  ];
  const ownDoc = own.ok ? own.doc : null;
  const starDoc = star.ok ? star.doc : null;
  const view = resolveSite(ownDoc, starDoc);
  const isolate = parts.cache.inspect(site, now);
  return {
    ok: true,
    site,
    effective: effectiveView(policy, now),
    documents: { site: ownDoc, "*": starDoc },
    faults,
    cache: { ageMs: isolate.ageMs, fault: isolate.fault, cacheSeconds: config.cacheMs / 1000 },
    allow: { ips: [...config.allowIps, ...view.allow.ips], paths: [...config.allowPaths, ...view.allow.paths] },
    bypass: {
      enabled: parts.bypassSecret !== null,
      /** Links and cookies issued before this time are refused (0: never revoked). */
      epoch: view.revokedBefore,
      revokedBefore: view.revokedBefore ? new Date(view.revokedBefore).toISOString() : null,
      linkTtlSeconds: DEFAULT_LINK_TTL_SECONDS,
      cookieHours: config.bypassCookieSeconds / 3600,
    },
    webhooks: await parts.webhooks.status(),
    config: { adminPrefix: config.adminPrefix, failMode: config.failMode, origin: config.origin ?? "route" },
  };
}
