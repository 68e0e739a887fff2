/**
 * CORS from an allowlist of exact origins, never '*'. An allowed origin gets its own origin echoed
 * (with `Vary: Origin`); a request carrying any other Origin header is refused with 403 before it
 * reaches a route, except same-origin requests (Origin equal to the server's own host), which
 * browsers also label. Requests without Origin (servers, the simulator, curl) pass untouched:
 * CORS protects browsers' users, it is not authentication.
 */
import type { MiddlewareHandler } from 'hono';
import { errorResponse } from './errors.js';

export function corsAllowlist(allowedOrigins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(allowedOrigins.map((o) => o.toLowerCase()));
  if (allowed.has('*')) throw new RangeError("allowedOrigins must list exact origins; '*' is not allowed");
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin === undefined) return next();
    const normalised = origin.toLowerCase();
    const host = c.req.header('host');
    const sameOrigin = host !== undefined && (normalised === `http://${host}`.toLowerCase() || normalised === `https://${host}`.toLowerCase());
    if (!allowed.has(normalised) && !sameOrigin) {
      return errorResponse(c, 403, 'forbidden_origin', `origin ${JSON.stringify(origin.slice(0, 200))} is not in this aggregator's allowlist (--allowed-origins)`);
    }
    c.header('Access-Control-Allow-Origin', origin);
    c.header('Vary', 'Origin', { append: true });
    if (c.req.method === 'OPTIONS') {
      c.header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      c.header('Access-Control-Allow-Headers', 'content-type, authorization, if-none-match');
      c.header('Access-Control-Max-Age', '600');
      return c.body(null, 204);
    }
    await next();
    c.header('Access-Control-Expose-Headers', 'ETag');
  };
}
