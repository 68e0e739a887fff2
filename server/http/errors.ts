/** The one shape of every error answer: `{ error: { code, message } }`, and the answer to a thrown error. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorBody, ErrorCode } from '../../core/protocol/aggregator.js';
import { ClientAbortError } from './request.js';

export function errorResponse(c: Context, status: ContentfulStatusCode, code: ErrorCode, message: string): Response {
  const body: ErrorBody = { error: { code, message } };
  return c.json(body, status);
}

/**
 * An app's onError: a client that hung up mid-body is its own doing (400, nobody reads it, no log
 * line: anyone could flood the error log by hanging up); anything else is ours (500, one error
 * line with the message only: no request details, never the client's address).
 *
 * @example
 * app.onError(onAppError('[helper]'));
 */
export function onAppError(label: string): (error: Error, c: Context) => Response {
  return (error, c) => {
    if (error instanceof ClientAbortError) return errorResponse(c, 400, 'bad_request', error.message);
    console.error(`${label} ${c.req.method} ${c.req.path.slice(0, 200)}: ${error.message}`);
    return errorResponse(c, 500, 'internal', 'internal error');
  };
}

/**
 * 405 with `Allow` for the methods a known path does not take (after its real routes, so only the
 * other methods reach it). HEAD is answered wherever GET is (Hono runs the GET route).
 *
 * @example
 * refuseOtherMethods(app, { '/healthz': ['GET'], '/v1/rounds/:roundId/contributions': ['POST'] });
 */
export function refuseOtherMethods(app: { all(path: string, handler: (c: Context) => Response): unknown }, routes: Readonly<Record<string, readonly string[]>>): void {
  for (const [path, methods] of Object.entries(routes)) {
    const allow = methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ');
    app.all(path, (c) => {
      c.header('Allow', allow);
      return errorResponse(c, 405, 'method_not_allowed', `${c.req.method.slice(0, 20)} is not allowed on ${c.req.path.slice(0, 200)}; allowed: ${allow}`);
    });
  }
}
