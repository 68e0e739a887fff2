/**
 * Shared by the secure-aggregation tests: a helper on a real loopback listener, a leader wired to
 * it, and devices' secret-shared uploads made with core's buildSharedUpload (what the SDK sends).
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { secureRandom } from '../../core/dp/random.js';
import type { TaskDescriptor } from '../../core/protocol/aggregator.js';
import { parseHpkeConfigList, type HpkeKeyConfig } from '../../core/secagg/hpke.js';
import { buildSharedUpload } from '../../core/secagg/upload.js';
import type { TaskDefinition } from '../tasks.js';
import { honestValues, randomId } from '../testkit.js';
import { createHelper, type Helper } from './create-helper.js';

export const PEER_TOKEN = 'peer-token-for-tests-0123456789';

/** A histogram of `n` bins on a grid of 1: its release is the exact integer sum (values × 1). */
export function exactHistogramTask(task: string, n: number): TaskDefinition {
  return {
    task,
    kind: 'histogram',
    model: { name: task, tensors: [{ name: 'counts', shape: [n] }] },
    init: { kind: 'zeros' },
    clipNorm: 100,
    granularity: 1,
    localNoiseMultiplier: 1,
    localSteps: 0,
    learningRate: 0,
    serverLearningRate: 1,
    labels: Array.from({ length: n }, (_, i) => `bin${i}`),
  };
}

export interface ListeningHelper {
  readonly url: string;
  readonly helper: Helper;
  close(): Promise<void>;
}

export async function listenHelper(tasks: readonly TaskDefinition[], options: { dbPath?: string; minContributions?: number; maxContributions?: number } = {}): Promise<ListeningHelper> {
  const helper = await createHelper(
    { dbPath: options.dbPath ?? ':memory:', allowedOrigins: ['https://shop.example'], minContributions: options.minContributions ?? 2, maxContributions: options.maxContributions ?? 5, peerToken: PEER_TOKEN, rotateKey: false },
    { tasks },
  );
  return new Promise((resolve) => {
    const server = serve({ fetch: helper.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        helper,
        close: () => new Promise<void>((done) => {
          server.close(() => void helper.close().then(done));
          if ('closeAllConnections' in server) server.closeAllConnections();
        }),
      });
    });
  });
}

export async function fetchHelperKey(helperUrl: string): Promise<HpkeKeyConfig> {
  const res = await fetch(`${helperUrl}/v1/hpke-config`);
  return parseHpkeConfigList(await res.json()).configs[0]!;
}

export interface Device {
  readonly values: Int32Array;
  readonly id: Uint8Array;
  readonly body: Uint8Array<ArrayBuffer>;
}

/** An honest device's privatized vector for `update`, as a secret-shared INK2 upload. */
export async function sharedDevice(descriptor: TaskDescriptor, update: ArrayLike<number>, helperKey: HpkeKeyConfig): Promise<Device> {
  const values = honestValues(descriptor, update);
  const id = randomId();
  const body = await buildSharedUpload({ values, id, modelVersion: descriptor.model.version, roundId: descriptor.roundId, helperKey, random: secureRandom() });
  return { values, id, body };
}

/** Σ of the devices' vectors, as a released histogram on a grid of 1 shows it. */
export function exactSum(devices: readonly Device[], n: number): number[] {
  const sum = new Float64Array(n);
  for (const d of devices) d.values.forEach((v, i) => (sum[i] = sum[i]! + v));
  return Array.from(sum);
}
