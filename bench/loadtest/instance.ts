/**
 * One aggregator instance of the load test (./run.ts), in a process of its own so that it can be
 * killed with SIGKILL: the same createAggregator / createHelper, Node HTTP server options and
 * hardening as server/main.ts, on PostgreSQL, with one task — the storefront's item-popularity
 * histogram (2,588 coordinates, the largest upload the shipped tasks take), its budget planned
 * over 100,000 rounds instead of one so a long load never exhausts it.
 *
 * Usage (run.ts spawns it; the peer token comes from INKLING_PEER_TOKEN, not argv):
 *   node --import tsx bench/loadtest/instance.ts helper PORT STORE_URL
 *   node --import tsx bench/loadtest/instance.ts leader PORT STORE_URL HELPER_URL
 * Prints one line `listening PORT` when it accepts connections.
 */
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createAggregator } from '../../server/aggregator.js';
import { DEFAULT_HTTP_LIMITS, hardenServer, nodeServerOptions } from '../../server/http/node-server.js';
import { createHelper } from '../../server/secagg/create-helper.js';
import { createPopularityTask, type TaskDefinition } from '../../server/tasks.js';
import { loadtestRound } from './settings.js';

/** The storefront catalogue's size (dist/demo/catalog.json), as the shipped item-popularity task has it. */
const ITEMS = 2588;

function loadtestTask(): TaskDefinition {
  const { budgetShare: _shared, ...popularity } = createPopularityTask(ITEMS);
  return { ...popularity, plannedRounds: 100_000 };
}

async function main(): Promise<void> {
  const [role, portRaw, store, helperUrl] = process.argv.slice(2);
  const port = Number(portRaw);
  const peerToken = process.env['INKLING_PEER_TOKEN'];
  if ((role !== 'leader' && role !== 'helper') || !Number.isInteger(port) || store === undefined || peerToken === undefined || (role === 'leader' && helperUrl === undefined)) {
    throw new Error('usage: instance.ts helper|leader PORT STORE_URL [HELPER_URL], with INKLING_PEER_TOKEN set');
  }
  const tasks = [loadtestTask()];
  const round = loadtestRound(process.env);
  let fetchApp: (request: Request) => Response | Promise<Response>;
  let close: () => Promise<void>;
  if (role === 'helper') {
    const helper = await createHelper({ dbPath: store, allowedOrigins: [], minContributions: round.minContributions, maxContributions: round.maxContributions, peerToken, rotateKey: false }, { tasks });
    fetchApp = helper.app.fetch;
    close = () => helper.close();
  } else {
    const aggregator = await createAggregator(
      {
        dbPath: store,
        allowedOrigins: [],
        ...round,
        epsilonBudget: 8,
        delta: 1e-6,
        centralNoiseMultiplier: 0,
        adminToken: null,
        staticDir: null,
        crossOriginIsolation: false,
        durability: 'process',
        plannedRounds: 100_000,
        role: { kind: 'leader', helperUrl: helperUrl!, helperPublicUrl: helperUrl!, peerToken },
      },
      { tasks, onEvent: (e) => e.kind === 'round_closed' && process.stdout.write(`closed ${e.roundId} ${e.contributions}\n`) },
    );
    fetchApp = aggregator.app.fetch;
    close = () => aggregator.close();
  }
  const server = serve({ fetch: fetchApp, port, hostname: '127.0.0.1', serverOptions: nodeServerOptions(DEFAULT_HTTP_LIMITS) }, () => process.stdout.write(`listening ${port}\n`));
  hardenServer(server as Server, DEFAULT_HTTP_LIMITS);
  // SIGTERM (the end of a phase) stops cleanly, and lets --cpu-prof write its profile; SIGKILL is the fault.
  process.on('SIGTERM', () => {
    server.close();
    void close().finally(() => process.exit(0));
  });
  // The driver's memory record: resident set, V8 heap in use, and buffers outside the heap.
  setInterval(() => {
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    process.stdout.write(`memory ${JSON.stringify({ rss, heapTotal, heapUsed, external, arrayBuffers })}\n`);
  }, 2000).unref();
}

main().catch((error: unknown) => {
  console.error(`loadtest instance: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
