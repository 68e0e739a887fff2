/**
 * Launching Debian's Chromium with playwright-core, the way ../shared/BROWSER.md measured it to
 * work on these machines. Every browser test and benchmark launches through here.
 */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type LaunchOptions } from 'playwright-core';

export const CHROMIUM_PATH = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => existsSync(p)) ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchedContext {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * A persistent context on a fresh user-data-dir (so IndexedDB is real and on disk), removed on
 * close. Pass `extraArgs` for e.g. a GPC header test.
 */
export async function launchContext(options: { extraArgs?: string[]; launch?: LaunchOptions } = {}): Promise<LaunchedContext> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'inkling-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.extraArgs ?? [])],
    ...options.launch,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
