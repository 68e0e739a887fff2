/**
 * Starts an aggregator on a loopback port and resolves once it listens: for the simulator, the
 * browser end-to-end tests and anyone embedding the aggregator in a process of their own.
 *
 * @example
 * const server = await listenAggregator({ ...TEST_CONFIG, dbPath: '/tmp/agg.sqlite', staticDir: 'dist' });
 * console.log(server.url); // http://127.0.0.1:41234
 * await server.close();
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createAggregator, type Aggregator, type AggregatorConfig, type AggregatorExtras } from './aggregator.js';
import { DEFAULT_HTTP_LIMITS, hardenServer, nodeServerOptions } from './http/node-server.js';

export interface ListeningAggregator {
  readonly url: string;
  readonly port: number;
  readonly aggregator: Aggregator;
  close(): Promise<void>;
}

export async function listenAggregator(config: AggregatorConfig, extras: AggregatorExtras = {}, port = 0, host = '127.0.0.1'): Promise<ListeningAggregator> {
  const aggregator = await createAggregator(config, extras);
  const limits = config.http ?? DEFAULT_HTTP_LIMITS;
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: aggregator.app.fetch, port, hostname: host, serverOptions: nodeServerOptions(limits) }, (info: AddressInfo) => {
      const url = `http://${host}:${info.port}`;
      resolve({
        url,
        port: info.port,
        aggregator,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => void aggregator.close().then(done));
            // Keep-alive sockets would hold close() open; nobody else uses them once we stop.
            if ('closeAllConnections' in server) server.closeAllConnections();
          }),
      });
    });
    hardenServer(server as Server, limits);
    server.on('error', (error) => {
      void aggregator.close().finally(() => reject(error));
    });
  });
}
