/**
 * The Node HTTP server's own limits and its answers to requests Hono never sees (issue 13):
 * header and whole-request timeouts, an idle keep-alive timeout, a per-process connection cap,
 * and a JSON error (`{ error: { code, message } }`, as every API answer) for framing Node refuses
 * itself (bad Content-Length, oversized headers, Content-Length with Transfer-Encoding, a timeout)
 * instead of Node's bare 400/408/431.
 *
 * @example
 * const server = serve({ fetch: app.fetch, port, serverOptions: nodeServerOptions(limits) });
 * hardenServer(server, limits);
 */
import { STATUS_CODES, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody, ErrorCode } from '../../core/protocol/aggregator.js';

export interface HttpLimits {
  /** A client must send its whole request head within this (slowloris). Node's default: 60 s. */
  readonly headersTimeoutMs: number;
  /** …and its whole request, body included, within this (a trickled upload). Node's default: 300 s. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Connections this process holds at once; more are closed as they arrive (keep it under `ulimit -n`). */
  readonly maxConnections: number;
}

/**
 * Defaults: 10 s for a request head (a few hundred bytes; a phone on 2G sends it in well under 1 s),
 * 60 s for a whole request (the largest upload, ~600 KB, at 100 kbit/s takes ~48 s), 5 s idle
 * keep-alive (Node's own), 4,096 connections (each costs a descriptor and ~10 KB; under the usual
 * `ulimit -n` of a server, above anything one aggregator serves at once).
 */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 4_096,
};

/**
 * Options for `http.createServer` (through @hono/node-server's `serverOptions`): the timeouts, and
 * how often Node checks them (its default, every 30 s, would let a 1 s timeout run 31 s).
 */
export function nodeServerOptions(limits: HttpLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4))),
  };
}

/** The cap, the timeouts again (harmless if set already) and the JSON answer to what Node's parser refuses. */
export function hardenServer(server: Server, limits: HttpLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  server.on('clientError', (error: Error, socket: Duplex) => answerClientError(error, socket));
}

/** The answer to a request Node refused before any handler ran, or null to just close (the client left). */
export function clientErrorAnswer(error: Error & { code?: string }): { status: number; code: ErrorCode; message: string } | null {
  switch (error.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return null;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'request_timeout', message: 'the request (head or body) did not arrive within the server\'s timeout' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'headers_too_large', message: 'request headers exceed the server\'s limit (16 KB in all)' };
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      // llhttp's code for a repeated Content-Length.
      return { status: 400, code: 'bad_request', message: 'content-length must be sent once, and not with transfer-encoding' };
    case 'HPE_INVALID_CONTENT_LENGTH':
      // A decimal length the parser cannot hold (≥ 2^64, "Content-Length overflow") is still a declared size: too large.
      return /overflow/i.test(error.message)
        ? { status: 413, code: 'body_too_large', message: 'content-length exceeds any body this server takes' }
        : { status: 400, code: 'bad_request', message: 'content-length must be one non-negative decimal integer' };
    case 'HPE_INVALID_TRANSFER_ENCODING':
      // llhttp reports Content-Length with Transfer-Encoding (a request-smuggling shape) under this code.
      return /content-length/i.test(error.message)
        ? { status: 400, code: 'bad_request', message: 'content-length and transfer-encoding must not both be sent' }
        : { status: 400, code: 'bad_request', message: 'transfer-encoding must end in chunked' };
    case 'HPE_INVALID_URL':
      return { status: 400, code: 'bad_request', message: 'the request target must be an ASCII path (percent-encode other bytes)' };
    case 'HPE_INVALID_METHOD':
      return { status: 400, code: 'bad_request', message: 'the method must be an HTTP token' };
    default:
      return { status: 400, code: 'bad_request', message: `malformed HTTP/1.1 request${error.code === undefined ? '' : ` (${error.code})`}` };
  }
}

/** A complete HTTP/1.1 response with the API's JSON error body; the connection closes after it. */
export function rawErrorResponse(status: number, code: ErrorCode, message: string): string {
  const body: ErrorBody = { error: { code, message } };
  const json = JSON.stringify(body);
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(json)}`,
    'Cache-Control: no-store',
    'Connection: close',
    '',
    json,
  ].join('\r\n');
}

function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  const answer = clientErrorAnswer(error);
  // A response already under way on this socket cannot be replaced: only close (as Node does).
  const pending = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (answer === null || !socket.writable || pending?.headersSent === true) {
    socket.destroy();
    return;
  }
  socket.end(rawErrorResponse(answer.status, answer.code, answer.message));
}
