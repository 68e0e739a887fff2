import { describe, expect, it } from 'vitest';
import { listenAggregator } from './listen.js';
import { fedavgTask, TEST_CONFIG } from './testkit.js';

describe('listenAggregator', () => {
  it('serves the API on a loopback port and closes cleanly', async () => {
    const server = await listenAggregator(TEST_CONFIG, { tasks: [fedavgTask('tiny', 4)], timer: false });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ ok: true });
      const tasks = (await (await fetch(`${server.url}/v1/tasks`)).json()) as { tasks: { task: string }[] };
      expect(tasks.tasks.map((t) => t.task)).toEqual(['tiny']);
    } finally {
      await server.close();
    }
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
