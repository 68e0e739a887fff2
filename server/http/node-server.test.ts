/**
 * The HTTP server's limits against a real listening aggregator (issue 13), over raw sockets: what
 * Node's parser refuses answers with the API's JSON error, a trickled upload and a slow request
 * head are cut off at their timeouts, the connection cap holds, /healthz stays fast under a
 * slowloris, and a client that hangs up mid-upload is not a server error.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CONTRIBUTION_CONTENT_TYPE, type TasksResponse } from '../../core/protocol/aggregator.js';
import { listenAggregator, type ListeningAggregator } from '../listen.js';
import { fedavgTask, TEST_CONFIG } from '../testkit.js';
import type { HttpLimits } from './node-server.js';

/** Short timeouts so the test waits a second, not a minute. */
const LIMITS: HttpLimits = { headersTimeoutMs: 500, requestTimeoutMs: 1_000, keepAliveTimeoutMs: 500, maxConnections: 2_000 };
/** Slow connections in the slowloris case; INKLING_SLOWLORIS_N=1000 runs the size. */
const SLOWLORIS_N = Number(process.env['INKLING_SLOWLORIS_N'] ?? 300);

let server: ListeningAggregator;
let contributions: string;
beforeAll(async () => {
  server = await listenAggregator({ ...TEST_CONFIG, http: LIMITS }, { tasks: [fedavgTask('tiny', 8)], timer: false });
  const tasks = (await (await fetch(`${server.url}/v1/tasks`)).json()) as TasksResponse;
  contributions = `/v1/rounds/${tasks.tasks[0]!.roundId}/contributions`;
});
afterAll(() => server.close());

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Everything the server sends until it closes the connection, and when it closed (ms after `since`). */
function untilClosed(socket: Socket, since = performance.now()): Promise<{ text: string; afterMs: number }> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve({ text, afterMs: performance.now() - since }));
  });
}

/** Sends raw bytes, reads to close: status, headers, JSON body. */
async function raw(bytes: Buffer | string): Promise<{ status: number; head: string; body: { error?: { code: string; message: string } } }> {
  const socket = await open();
  const done = untilClosed(socket);
  socket.write(bytes);
  const { text } = await done;
  return parse(text);
}

function parse(text: string): { status: number; head: string; body: { error?: { code: string; message: string } } } {
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split);
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), head, body: JSON.parse(text.slice(split + 4)) as { error?: { code: string; message: string } } };
}

const post = (headers: string): string => `POST ${contributions} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: ${CONTRIBUTION_CONTENT_TYPE}\r\n${headers}\r\n`;

describe('malformed framing gets the JSON error shape', () => {
  // Thunks: the round's path is known only once the server listens (beforeAll).
  const cases: readonly [string, () => Buffer | string, number, string][] = [
    ['a non-numeric Content-Length', () => post('Content-Length: abc\r\n'), 400, 'bad_request'],
    ['Content-Length with Transfer-Encoding', () => post('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n') + '0\r\n\r\n', 400, 'bad_request'],
    ['a repeated Content-Length', () => post('Content-Length: 5\r\nContent-Length: 6\r\n'), 400, 'bad_request'],
    ['oversized headers', () => `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
    ['a non-ASCII path', () => Buffer.concat([Buffer.from('GET /caf'), Buffer.from([0xc3, 0xa9]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]), 400, 'bad_request'],
    ['a Content-Length over 2^64', () => post('Content-Length: 1180591620717411303424\r\n'), 413, 'body_too_large'],
    ['a Content-Length of 2^53', () => post('Content-Length: 9007199254740992\r\n'), 413, 'body_too_large'],
    ['a Content-Length just over the limit', () => post("Content-Length: 10000000\r\n"), 413, 'body_too_large'],
  ];
  for (const [name, bytes, status, code] of cases) {
    it(`${name} → ${status} ${code}`, async () => {
      const answer = await raw(bytes());
      expect(answer.status).toBe(status);
      expect(answer.head).toMatch(/\r\ncontent-type: application\/json/i);
      expect(answer.body.error?.code).toBe(code);
      expect(typeof answer.body.error?.message).toBe('string');
    });
  }
});

describe('405 for a known path with another method', () => {
  for (const [method, path, allow] of [['DELETE', '/healthz', 'GET, HEAD'], ['PUT', '/v1/tasks', 'GET, HEAD'], ['GET', '/v1/rounds/r1/contributions', 'POST'], ['PATCH', '/v1/admin/quality', 'POST']] as const) {
    it(`${method} ${path} → 405, Allow: ${allow}`, async () => {
      const res = await fetch(`${server.url}${path}`, { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe(allow);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    });
  }
  it('an unknown path is still 404', async () => {
    expect((await fetch(`${server.url}/v1/nothing`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('timeouts and the connection cap', () => {
  it('cuts off an upload whose body trickles, at the request timeout, with 408 JSON', async () => {
    const socket = await open();
    const started = performance.now();
    const done = untilClosed(socket, started);
    socket.write(post('Content-Length: 50\r\n'));
    const drip = setInterval(() => socket.writable && socket.write('x'), 100);
    const { text, afterMs } = await done;
    clearInterval(drip);
    expect(parse(text).status).toBe(408);
    expect(parse(text).body.error?.code).toBe('request_timeout');
    expect(afterMs).toBeGreaterThanOrEqual(LIMITS.requestTimeoutMs - 50);
    expect(afterMs).toBeLessThan(LIMITS.requestTimeoutMs + 1_500);
  });

  it('cuts off a request head that trickles, at the headers timeout', async () => {
    const socket = await open();
    const started = performance.now();
    const done = untilClosed(socket, started);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => socket.writable && socket.write('X-A: b\r\n'), 100);
    const { text, afterMs } = await done;
    clearInterval(drip);
    expect(parse(text).status).toBe(408);
    expect(afterMs).toBeLessThan(LIMITS.headersTimeoutMs + 1_500);
  });

  it(`keeps /healthz fast under a slowloris of ${SLOWLORIS_N} connections, and drops them at the headers timeout`, async () => {
    // Its own server with a 3 s head timeout, so every slow connection is still open while /healthz is measured.
    const headersTimeoutMs = 3_000;
    const target = await listenAggregator({ ...TEST_CONFIG, http: { ...LIMITS, headersTimeoutMs, requestTimeoutMs: headersTimeoutMs } }, { tasks: [fedavgTask('tiny', 8)], timer: false });
    try {
      const closes: Promise<unknown>[] = [];
      const sockets = await Promise.all(Array.from({ length: SLOWLORIS_N }, () => new Promise<Socket>((resolve, reject) => {
        const socket = connect(target.port, '127.0.0.1', () => {
          socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
          resolve(socket);
        });
        closes.push(new Promise((done) => socket.on('close', done)));
        socket.on('error', reject);
        socket.resume(); // read the server's 408 and FIN, else 'close' never comes
      })));
      sockets.forEach((s) => s.on('error', () => {}));
      const drip = setInterval(() => sockets.forEach((s) => s.writable && s.write('X-A: b\r\n')), 100);
      const latencies: number[] = [];
      // 100 requests: enough for a p99 (the second slowest), few enough to end inside the 3 s head timeout.
      for (let i = 0; i < 100; i++) {
        const t0 = performance.now();
        const res = await fetch(`${target.url}/healthz`);
        await res.json();
        latencies.push(performance.now() - t0);
        expect(res.status).toBe(200);
      }
      const stillOpen = sockets.filter((s) => !s.destroyed).length;
      latencies.sort((a, b) => a - b);
      const p50 = latencies[50]!;
      const p99 = latencies[98]!;
      const max = latencies[99]!;
      console.log(`[slowloris] ${SLOWLORIS_N} slow connections (${stillOpen} open during the measurement): /healthz p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms over 100 requests`);
      expect(stillOpen).toBe(SLOWLORIS_N);
      // Loose bound for a loaded 2-core CI machine (measured: a few ms).
      expect(p50).toBeLessThan(250);
      const cutAt = performance.now();
      await Promise.all(closes);
      clearInterval(drip);
      // All cut at the headers timeout, not at Node's 60 s default.
      expect(performance.now() - cutAt).toBeLessThan(headersTimeoutMs + 2_000);
    } finally {
      await target.close();
    }
  }, 30_000);

  it('closes connections over the cap as they arrive, and serves again once under it', async () => {
    const capped = await listenAggregator({ ...TEST_CONFIG, http: { ...LIMITS, maxConnections: 3 } }, { tasks: [fedavgTask('tiny', 8)], timer: false });
    try {
      const held = await Promise.all([0, 1, 2].map(() => new Promise<Socket>((resolve) => {
        const s = connect(capped.port, '127.0.0.1', () => resolve(s));
      })));
      await new Promise((r) => setTimeout(r, 50));
      const extra = connect(capped.port, '127.0.0.1');
      extra.on('connect', () => extra.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
      const { text } = await untilClosed(extra);
      expect(text).toBe('');
      held.forEach((s) => s.destroy());
      await new Promise((r) => setTimeout(r, 50));
      expect((await fetch(`${capped.url}/healthz`)).status).toBe(200);
    } finally {
      await capped.close();
    }
  });
});

describe('a client hanging up mid-upload', () => {
  it('is not logged as an error and is not a 500', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const socket = await open();
      const done = untilClosed(socket);
      socket.write(post('Content-Length: 50\r\n') + 'x'.repeat(10));
      await new Promise((r) => setTimeout(r, 100));
      socket.destroy();
      await done;
      await new Promise((r) => setTimeout(r, 200));
      expect(errors).not.toHaveBeenCalled();
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      errors.mockRestore();
    }
  });

  it('is answered 400, not 500, when the body stream fails in process', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new Uint8Array(8));
          controller.error(new Error('socket hang up'));
        },
      });
      const res = await server.aggregator.app.request(contributions, { method: 'POST', body, headers: { 'content-type': CONTRIBUTION_CONTENT_TYPE }, duplex: 'half' } as RequestInit);
      expect(res.status).toBe(400);
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });
});
