/**
 * Configuration: from the script tag's `data-` attributes or from `init()` / `createInkling()`.
 * The rules are core/protocol/options.ts's. The page only reads with them (a value that breaks a
 * rule falls back to its default) and checks the site; the Worker's `configure` checks the rest
 * and reports each broken rule in words (core/protocol/options.ts `checkOptions`), which keeps
 * the loader small. Pure: the caller passes an attribute reader, so Node tests need no DOM.
 */
import { CAPTURES, CHOICES, FLAG_OPTIONS, isTextOption, SITE_PATTERN, TEXT_OPTIONS, type CaptureName } from '../core/protocol/options.js';
import type { AutocaptureOptions, BatchScheduling, ConsentState } from './api.js';

/** Everything resolved: no optional knobs left. */
export interface ResolvedOptions {
  readonly site: string;
  readonly endpoint: string | undefined;
  readonly helper: string | undefined;
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

/** Reads one `data-` attribute by its name without the prefix (`site`, `allow-automation`); null when absent. */
export type AttributeReader = (name: string) => string | null;

/** `searchParam` → `search-param` */
const attributeName = (option: string) => option.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/** Present with no value, `"true"` or `"1"` mean on; `"false"`, `"0"`, `"off"`, `"no"` mean off. */
function flag(value: string): boolean {
  return !/^(false|0|off|no)$/i.test(value.trim());
}

function captureSet(on: (name: CaptureName) => boolean): AutocaptureOptions {
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

/** The options a script tag carries, unchecked (read by `resolveOptions` and checked by the Worker, as `init()`'s are). */
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
 * Fills the defaults. Without a usable site there are no options (`null`: the caller reports
 * it); any other field that breaks its rule is read as its default here and reported by the
 * Worker (see the file comment).
 */
export function resolveOptions(input: unknown): ResolvedOptions | null {
  const given = (field: string): unknown => Reflect.get(Object(input), field);
  const site = given('site');
  if (typeof site !== 'string' || !SITE_PATTERN.test(site)) return null;
  const text = (field: (typeof TEXT_OPTIONS)[number]) => {
    const value = given(field);
    return isTextOption(value) ? value : undefined;
  };
  const toggle = (field: (typeof FLAG_OPTIONS)[number], fallback: boolean) => {
    const value = given(field);
    return typeof value === 'boolean' ? value : fallback;
  };
  const choose = <K extends keyof typeof CHOICES>(field: K): (typeof CHOICES)[K][number] =>
    CHOICES[field].find((choice) => choice === given(field)) ?? CHOICES[field][0];
  const capture = given('autocapture');
  return {
    site,
    endpoint: text('endpoint'),
    helper: text('helper'),
    catalog: text('catalog'),
    searchParam: text('searchParam') ?? 'q',
    workerUrl: text('workerUrl'),
    consent: choose('consent'),
    batch: choose('batch'),
    // `false` switches all off; in an object, each capture not set to `false` is on.
    autocapture: captureSet((name) => capture !== false && Reflect.get(Object(capture), name) !== false),
    respectGpc: toggle('respectGpc', true),
    allowAutomation: toggle('allowAutomation', false),
    debug: toggle('debug', false),
  };
}
