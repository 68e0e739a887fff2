/**
 * Configuration: from the script tag's `data-` attributes or from `init()` / `createInkling()`,
 * checked once here. Pure: the caller passes an attribute reader, so Node tests need no DOM.
 */
import type { AutocaptureOptions, BatchScheduling, ConsentState, ErrorReport } from './api.js';

/** Everything resolved: no optional knobs left. */
export interface ResolvedOptions {
  readonly site: string;
  readonly endpoint: string | undefined;
  readonly catalog: string | undefined;
  readonly consent: ConsentState;
  readonly autocapture: AutocaptureOptions;
  readonly searchParam: string;
  readonly workerUrl: string | undefined;
  readonly respectGpc: boolean;
  readonly allowAutomation: boolean;
  readonly debug: boolean;
  readonly batch: BatchScheduling;
}

const CAPTURES = ['pageviews', 'products', 'cart', 'search', 'engagement'] as const;
/** A site id is a short token: it names the IndexedDB database. */
const SITE_PATTERN = /^[\w.-]{1,64}$/;
const TEXT_OPTIONS = ['endpoint', 'catalog', 'searchParam', 'workerUrl'] as const;
const FLAG_OPTIONS = ['respectGpc', 'allowAutomation', 'debug'] as const;
/** The first choice is the default. `idle` batching measured cheaper (bench/sdk-batching.bench.ts, sdk/README.md). */
const CHOICES = { consent: ['pending', 'granted', 'denied'], batch: ['idle', 'microtask'] } as const;

/** Reads one `data-` attribute by its name without the prefix (`site`, `allow-automation`); null when absent. */
export type AttributeReader = (name: string) => string | null;

/** `searchParam` → `search-param` */
const attributeName = (option: string) => option.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/** Present with no value, `"true"` or `"1"` mean on; `"false"`, `"0"`, `"off"`, `"no"` mean off. */
function flag(value: string): boolean {
  return !/^(false|0|off|no)$/i.test(value.trim());
}

function captureSet(on: (name: (typeof CAPTURES)[number]) => boolean): AutocaptureOptions {
  const set = { pageviews: false, products: false, cart: false, search: false, engagement: false };
  for (const name of CAPTURES) set[name] = on(name);
  return set;
}

/**
 * `data-autocapture`: `"false"` → none; a comma list (`"pageviews,products"`) → those only; a
 * list of `-name` entries (`"-engagement"`) → all but those; anything else → all.
 */
export function parseAutocapture(value: string): boolean | AutocaptureOptions {
  const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0 || /^(true|1|on|yes|all)$/i.test(value.trim())) return true;
  if (!flag(value)) return false;
  const listed = (name: string) => entries.some((entry) => entry.replace(/^-/, '') === name);
  return entries.every((entry) => entry.startsWith('-')) ? captureSet((name) => !listed(name)) : captureSet(listed);
}

/** The options a script tag carries, unchecked (`resolveOptions` checks them, as it checks `init()`'s). */
export function optionsFromAttributes(read: AttributeReader): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const option of ['site', 'consent', 'batch', ...TEXT_OPTIONS]) {
    // `data-endpoint=""` means "none", as if the attribute were absent.
    const value = read(attributeName(option))?.trim();
    if (value) options[option] = value;
  }
  for (const option of FLAG_OPTIONS) {
    const value = read(attributeName(option));
    if (value !== null) options[option] = flag(value);
  }
  const capture = read('autocapture');
  if (capture !== null) options.autocapture = parseAutocapture(capture);
  return options;
}

/**
 * Fills defaults and checks every field. Without a usable site there are no options (`null`);
 * any other bad field falls back to its default. Each problem names the field and the rule.
 */
export function resolveOptions(input: unknown): { options: ResolvedOptions | null; problems: ErrorReport[] } {
  const problems: ErrorReport[] = [];
  const report = (field: string, rule: string, expected: string) =>
    problems.push({ field: `options.${field}`, rule, message: `init: options.${field} must be ${expected}` });
  if (typeof input !== 'object' || input === null) {
    report('', 'type:object', 'an object such as { site: "shop-1" }');
    return { options: null, problems };
  }
  const given = (field: string): unknown => Reflect.get(input, field);
  const site = given('site');
  if (typeof site !== 'string' || !SITE_PATTERN.test(site)) {
    report('site', 'pattern', '1-64 letters, digits, ".", "_" or "-" (data-site)');
    return { options: null, problems };
  }

  const text: Record<string, string | undefined> = {};
  for (const field of TEXT_OPTIONS) {
    const value = given(field);
    if (typeof value === 'string' && value && value.length <= 2048) text[field] = value;
    else if (value !== undefined) report(field, 'type:string', 'a non-empty string of at most 2048 characters');
  }
  const flags: Record<string, boolean> = { respectGpc: true, allowAutomation: false, debug: false };
  for (const field of FLAG_OPTIONS) {
    const value = given(field);
    if (typeof value === 'boolean') flags[field] = value;
    else if (value !== undefined) report(field, 'type:boolean', 'true or false');
  }
  const choose = <K extends keyof typeof CHOICES>(field: K): (typeof CHOICES)[K][number] => {
    const value = given(field);
    const allowed: readonly unknown[] = CHOICES[field];
    const found = CHOICES[field].find((choice) => choice === value);
    if (found === undefined && value !== undefined) report(field, 'one-of', `one of ${allowed.join(', ')}`);
    return found ?? CHOICES[field][0];
  };

  const capture = given('autocapture');
  let autocapture = captureSet(() => capture !== false);
  if (typeof capture === 'object' && capture !== null) {
    for (const key of Object.keys(capture)) {
      if (!(CAPTURES as readonly string[]).includes(key)) report(`autocapture.${key}`, 'one-of', `one of ${CAPTURES.join(', ')}`);
    }
    autocapture = captureSet((name) => Reflect.get(capture, name) !== false);
  } else if (typeof capture !== 'boolean' && capture !== undefined) report('autocapture', 'type:boolean|object', 'true, false or { pageviews?, products?, cart?, search?, engagement? }');

  return {
    options: {
      site,
      endpoint: text.endpoint,
      catalog: text.catalog,
      searchParam: text.searchParam ?? 'q',
      workerUrl: text.workerUrl,
      consent: choose('consent'),
      batch: choose('batch'),
      autocapture,
      respectGpc: flags.respectGpc,
      allowAutomation: flags.allowAutomation,
      debug: flags.debug,
    },
    problems,
  };
}
