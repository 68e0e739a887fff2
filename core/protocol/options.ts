/**
 * The SDK's options (the script tag's `data-` attributes, `init()`, `createInkling()`): their
 * rules, in one place for both sides of the Worker boundary.
 *
 * The page's loader (sdk/options.ts) reads the options with these rules and nothing more: a
 * value that breaks one falls back to its default, silently, so the loader stays within its
 * size budget. The Worker's `configure` (worker/entry.worker.ts) receives the same options and
 * runs `checkOptions`, which reports each broken rule in words; those reports reach the page's
 * `on('error')` like every other start-up problem. Only the site is checked on the page itself
 * (without a site no Worker starts).
 */
import type { BootProblem } from './worker-boot.js';

/** The captures of `autocapture`, each switchable. */
export const CAPTURES = ['pageviews', 'products', 'cart', 'search', 'engagement'] as const;
export type CaptureName = (typeof CAPTURES)[number];

/** A site id is a short token: it names the visitor's IndexedDB database. */
export const SITE_PATTERN = /^[\w.-]{1,64}$/;

/** Options whose value is a URL or a name: a non-empty string of at most MAX_TEXT_LENGTH. */
/** `helper`: the origin of the second aggregator the site trusts (secure aggregation); the device refuses any other. */
export const TEXT_OPTIONS = ['endpoint', 'helper', 'catalog', 'searchParam', 'workerUrl'] as const;
/** Generous for a URL; a longer value is a mistake (or an attack), not a configuration. */
export const MAX_TEXT_LENGTH = 2048;

export const FLAG_OPTIONS = ['respectGpc', 'allowAutomation', 'debug'] as const;

/** The first choice is the default. `idle` batching measured cheaper (bench/sdk-batching.bench.ts, sdk/README.md). */
export const CHOICES = { consent: ['pending', 'granted', 'denied'], batch: ['idle', 'microtask'] } as const;

/** Every option's name (any other key is reported as unknown: a typo such as `allowAutomaton`). */
export const OPTION_NAMES = ['site', 'autocapture', ...TEXT_OPTIONS, ...FLAG_OPTIONS, 'consent', 'batch'] as const;

export function isTextOption(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && value.length <= MAX_TEXT_LENGTH;
}

/**
 * Every rule but the site's (the page checks that one before any Worker exists), one problem per
 * broken rule, each naming the field (`options.<name>`) and the rule; a key that is no option
 * breaks `known-option`. Pure; never throws.
 *
 * @example
 * checkOptions({ site: 'shop-1', consent: 'yes' });
 * // → [{ field: 'options.consent', rule: 'one-of', message: 'init: options.consent must be one of pending, granted, denied' }]
 */
export function checkOptions(options: unknown): BootProblem[] {
  const problems: BootProblem[] = [];
  const report = (field: string, rule: string, expected: string) =>
    problems.push({ field: `options.${field}`, rule, message: `init: options.${field} must be ${expected}` });
  const given = (field: string): unknown => (typeof options === 'object' && options !== null ? Reflect.get(options, field) : undefined);

  for (const key of typeof options === 'object' && options !== null ? Object.keys(options) : []) {
    if (!(OPTION_NAMES as readonly string[]).includes(key)) report(key, 'known-option', `one of ${OPTION_NAMES.join(', ')} (an unknown option is ignored)`);
  }

  for (const field of TEXT_OPTIONS) {
    const value = given(field);
    if (value !== undefined && !isTextOption(value)) report(field, 'type:string', `a non-empty string of at most ${MAX_TEXT_LENGTH} characters`);
  }
  const helper = given('helper');
  if (isTextOption(helper) && !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?$/.test(helper)) {
    report('helper', 'origin', 'an http(s) origin such as https://helper.example (no path): the device refuses any other helper');
  }
  for (const field of FLAG_OPTIONS) {
    const value = given(field);
    if (value !== undefined && typeof value !== 'boolean') report(field, 'type:boolean', 'true or false');
  }
  for (const field of ['consent', 'batch'] as const) {
    const value = given(field);
    const allowed: readonly unknown[] = CHOICES[field];
    if (value !== undefined && !allowed.includes(value)) report(field, 'one-of', `one of ${allowed.join(', ')}`);
  }
  const capture = given('autocapture');
  if (typeof capture === 'object' && capture !== null && !Array.isArray(capture)) {
    for (const key of Object.keys(capture)) {
      if (!(CAPTURES as readonly string[]).includes(key)) report(`autocapture.${key}`, 'one-of', `one of ${CAPTURES.join(', ')}`);
    }
  } else if (capture !== undefined && typeof capture !== 'boolean') {
    report('autocapture', 'type:boolean|object', `true, false or { ${CAPTURES.join('?, ')}? }`);
  }
  return problems;
}
