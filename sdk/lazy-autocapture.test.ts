import { describe, expect, it } from 'vitest';
import type { CaptureSink } from './client.js';
import { lazyAutocapture } from './lazy-autocapture.js';
import { resolveOptions } from './options.js';

/** A sink that records what autocapture reports (the plugin's own loading is proven in Chromium, test/e2e/sdk-smoke). */
function recordingSink(): CaptureSink & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, track: () => {}, page: () => {}, warn: (field, rule) => warnings.push(`${field} ${rule}`) };
}

function options(autocapture: unknown) {
  const resolved = resolveOptions({ site: 's', autocapture });
  if (!resolved) throw new Error('the test options must resolve');
  return resolved;
}

describe('lazyAutocapture', () => {
  it('fetches nothing and is ready at once when every capture is off', async () => {
    const sink = recordingSink();
    // No base URL: fetching the plugin would fail and warn, so a silent ready proves nothing was fetched.
    const capture = lazyAutocapture(undefined, '')(sink, options(false));
    await capture.ready;
    expect(sink.warnings).toEqual([]);
  });

  it('reports (never rejects) when the plugin cannot be found, and stays silent once detached', async () => {
    const sink = recordingSink();
    const capture = lazyAutocapture(undefined, '')(sink, options(true));
    await expect(capture.ready).resolves.toBeUndefined();
    expect(sink.warnings).toEqual(['autocapture available']);

    const detachedFirst = recordingSink();
    const early = lazyAutocapture(undefined, '')(detachedFirst, options({ search: true }));
    early.detach();
    await early.ready;
    expect(detachedFirst.warnings).toEqual([]);
  });
});
