// The passthrough. Requests go to the origin as they came (method, headers,
// streamed body, redirect: manual) and responses come back as they are:
// streamed, compressed bodies untouched, every Set-Cookie kept, WebSocket
// upgrades unwrapped.
/**
 * With ORIGIN_URL, the same path and query on that origin; else the route's
 * origin. The request itself serves as the init (method, headers, streamed
 * body, redirect: manual), so no second Request is built on the hot path.
 */
export function fetchOrigin(request: Request, url: URL, origin: string | null): Promise<Response> {
  return origin === null ? fetch(request) : fetch(origin + url.pathname + url.search, request);
}

/**
 * Gateway failures that visitors should never see raw: a 502/504 from the
 * origin's own proxy and Cloudflare's 520-527 family ("web server down" and
 * friends). A 503 is left alone: it may be the application's own page.
 */
export function isGatewayError(status: number): boolean {
  return status === 502 || status === 504 || (status >= 520 && status <= 527);
}

export function isWebSocketUpgrade(request: Request): boolean {
  return request.headers.get("upgrade")?.toLowerCase() === "websocket";
}
