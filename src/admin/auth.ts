// Bearer authentication for the admin API. Closed unless configured: with no
// ADMIN_TOKEN the API answers 503 "not configured", never open.
import type { MiddlewareHandler } from "hono";
import { AdminError, errorBody } from "./errors";

const encoder = new TextEncoder();

/** `expected`: ADMIN_TOKEN, or null when it is not set. */
export function adminAuth(expected: string | null): MiddlewareHandler {
  return async function adminAuthMiddleware(c, next) {
    if (!expected) {
      throw new AdminError(
        503,
        errorBody("not_configured", "The admin API is not configured: set the ADMIN_TOKEN secret (npx wrangler secret put ADMIN_TOKEN)."),
      );
    }
    const query = new URL(c.req.url).searchParams;
    if (query.has("token") || query.has("access_token")) {
      throw new AdminError(
        400,
        errorBody("token_in_query", "Tokens in the query string are not accepted (they end up in logs); send Authorization: Bearer <token>."),
      );
    }
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
    if (!match || !(await tokensEqual(match[1]!, expected))) {
      throw new AdminError(401, errorBody("unauthorized", "Missing or wrong admin token (Authorization: Bearer <token>)."), {
        "www-authenticate": 'Bearer realm="pitstop"',
      });
    }
    await next();
  };
}

/**
 * Constant-time comparison. Hashing first gives both sides the same length,
 * so timingSafeEqual never leaks the token's length either.
 */
export async function tokensEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}
