// One request as the gate and the admin API see it: built once at the entry
// point and passed down whole, instead of its parts as separate arguments.
import { siteKey } from "./core/site";
import type { WaitUntil } from "./state/cache";

export interface RequestContext {
  request: Request;
  url: URL;
  /** The site the request is for: its hostname, canonical (core/site.ts). */
  site: string;
  /** When the request arrived (ms); one clock reading per request. */
  now: number;
  ctx: WaitUntil;
}

export function requestContext(request: Request, ctx: WaitUntil): RequestContext {
  const url = new URL(request.url);
  return { request, url, site: siteKey(url.hostname), now: Date.now(), ctx };
}
