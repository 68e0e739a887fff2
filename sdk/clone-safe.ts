/**
 * Turns whatever a page passes as event properties into plain, bounded, structured-clone-safe
 * data, so that `postMessage` to the Worker can never throw a DataCloneError into the page and a
 * runaway value cannot eat the visitor's memory. Runs in the flush, not in `track()`.
 *
 * Dropped, each drop reported with the field and the rule: functions, symbols and bigints
 * (`serializable`), cycles (`acyclic`), DOM nodes, class instances, Maps and other non-plain
 * objects (`plain-data`), strings over the length limit (`max-length`), nesting past the depth
 * limit (`max-depth`), keys and array items past their limits (`max-keys`, `max-items`; the
 * first ones are kept) and getters or Proxy traps that throw (`readable`). Dates become epoch
 * milliseconds; `undefined` fields are left out. Numbers pass unchanged, NaN included: whether a
 * value makes sense is the engine's validation (core/events); this module makes it transportable.
 */
export interface CloneLimits {
  readonly maxDepth: number;
  readonly maxKeys: number;
  readonly maxItems: number;
  readonly maxStringLength: number;
}

/** Generous for e-commerce properties (an order of 500 products passes); tight enough to bound memory. */
export const DEFAULT_CLONE_LIMITS: CloneLimits = { maxDepth: 6, maxKeys: 100, maxItems: 500, maxStringLength: 4096 };

export type CloneRule = 'serializable' | 'acyclic' | 'plain-data' | 'max-length' | 'max-depth' | 'max-keys' | 'max-items' | 'readable';

export interface CloneIssue {
  readonly field: string;
  readonly rule: CloneRule;
  readonly message: string;
}

export type PlainValue = null | boolean | number | string | PlainValue[] | { [key: string]: PlainValue };

/** `{}` or `Object.create(null)`, from this realm or an iframe's (whose Object.prototype differs). */
function isPlainObject(value: object): boolean {
  const proto: object | null = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

const DROPPED = Symbol();

export function toCloneSafe(value: unknown, root: string, limits: CloneLimits = DEFAULT_CLONE_LIMITS): { value: PlainValue | undefined; issues: CloneIssue[] } {
  const issues: CloneIssue[] = [];
  const ancestors: object[] = [];
  const drop = (field: string, rule: CloneRule, limit?: number): typeof DROPPED => {
    // "properties.onClick: not serializable", "properties.name: over max-length 4096": the field and the rule.
    issues.push({ field, rule, message: `${field}: ${limit === undefined ? `not ${rule}` : `over ${rule} ${limit}`}` });
    return DROPPED;
  };

  const visit = (input: unknown, field: string, depth: number): PlainValue | undefined | typeof DROPPED => {
    if (input === undefined) return undefined;
    if (input === null || typeof input === 'boolean' || typeof input === 'number') return input;
    if (typeof input === 'string') return input.length <= limits.maxStringLength ? input : drop(field, 'max-length', limits.maxStringLength);
    if (typeof input !== 'object') return drop(field, 'serializable');
    if (ancestors.includes(input)) return drop(field, 'acyclic');
    if (depth >= limits.maxDepth) return drop(field, 'max-depth', limits.maxDepth);
    if (input instanceof Date) return Number.isFinite(input.getTime()) ? input.getTime() : drop(field, 'plain-data');
    const isArray = Array.isArray(input);
    if (!isArray && !isPlainObject(input)) return drop(field, 'plain-data');
    const keys = isArray ? input.map((_, i) => i) : Object.keys(input);
    ancestors.push(input);
    const limit = isArray ? limits.maxItems : limits.maxKeys;
    if (keys.length > limit) drop(field, isArray ? 'max-items' : 'max-keys', limit);
    const out: PlainValue[] | { [key: string]: PlainValue } = isArray ? [] : {};
    for (const key of keys.slice(0, limit)) {
      const path = isArray ? `${field}[${key}]` : `${field}.${key}`;
      let child: PlainValue | undefined | typeof DROPPED;
      try {
        child = visit(Reflect.get(input, key), path, depth + 1);
      } catch {
        child = drop(path, 'readable');
      }
      // An array keeps its positions (a dropped item becomes null); an object loses the key.
      if (Array.isArray(out)) out.push(child === DROPPED || child === undefined ? null : child);
      else if (child !== DROPPED && child !== undefined) out[key] = child;
    }
    ancestors.pop();
    return out;
  };

  let result: PlainValue | undefined | typeof DROPPED;
  try {
    result = visit(value, root, 0);
  } catch {
    // A revoked Proxy throws from Object.getPrototypeOf / Object.keys.
    result = drop(root, 'readable');
  }
  return { value: result === DROPPED ? undefined : result, issues };
}
