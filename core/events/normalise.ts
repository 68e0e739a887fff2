/**
 * Normalisation of the free-form values sites send: category paths, prices and search text.
 * Pure functions, no runtime globals, so the SDK and the engine agree on one spelling.
 */

/** Caps that keep one hostile value from bloating the profile. */
export const CATEGORY_LIMITS = {
  /** Characters in one path segment ("Sci-Fi"). */
  segmentLength: 64,
  /** Segments in one path ("Movies/Sci-Fi" has two). */
  depth: 6,
  /** Categories on one product ("Action|Sci-Fi" has two). */
  perProduct: 12,
} as const;

export const QUERY_LIMITS = {
  /** Characters of a normalised query that are kept. */
  length: 256,
  /** Terms taken from one query for keyword interests. */
  terms: 16,
} as const;

/** Largest price accepted (a guard against typos and hostile values, not a business rule). */
export const MAX_PRICE = 1_000_000_000;

/** Control characters and line or paragraph separators: read as a space. */
const CONTROL_CHARS = /[\p{Cc}\p{Zl}\p{Zp}]/gu;
/**
 * Characters that draw nothing but can change what is drawn around them: format characters
 * (bidi overrides such as U+202E, which would turn "Your data" round; zero-width spaces and
 * joiners, which make two equal-looking categories differ), lone surrogates and private-use
 * code points. Removed.
 */
const INVISIBLE_CHARS = /[\p{Cf}\p{Cs}\p{Co}]/gu;
/** Combining marks past the second on one character ("Zalgo" text that draws over other lines): dropped. */
const STACKED_MARKS = /(\p{M}{2})\p{M}+/gu;
/**
 * One segment that normalisation leaves as it is: printable ASCII (NFKC-stable, no control
 * characters), no separator ("/" or ">"), no space at either end. Double spaces are checked apart.
 */
const CLEAN_SEGMENT = /^[!-.0-=?-~](?:[ -.0-=?-~]*[!-.0-=?-~])?$/u;
const WHITESPACE = /\s+/gu;

function cleanText(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE_CHARS, '').replace(CONTROL_CHARS, ' ').replace(STACKED_MARKS, '$1').replace(WHITESPACE, ' ').trim();
}

/** The first `length` code points (never half of a surrogate pair). */
function codePoints(text: string, length: number): string {
  return text.length <= length ? text : Array.from(text).slice(0, length).join('');
}

/**
 * One category path: segments separated by "/" or ">" (both are common on shops), trimmed,
 * empty segments dropped, each segment capped, joined with "/". Returns null when nothing is left.
 *
 * @example normaliseCategoryPath(' Movies > Sci-Fi ') === 'Movies/Sci-Fi'
 */
export function normaliseCategoryPath(path: string): string | null {
  // Most category text is already clean ("Drama", "Sci-Fi"): then the full pipeline below returns
  // it unchanged, and checking that is ~10x cheaper than running it (NFKC, three regexes, split).
  if (path.length <= CATEGORY_LIMITS.segmentLength && CLEAN_SEGMENT.test(path) && !path.includes('  ')) return path;
  const segments = cleanText(path)
    .split(/[/>]/u)
    .map((segment) => codePoints(segment.trim(), CATEGORY_LIMITS.segmentLength).trim())
    .filter((segment) => segment.length > 0)
    .slice(0, CATEGORY_LIMITS.depth);
  return segments.length === 0 ? null : segments.join('/');
}

/**
 * A product's categories: "|" or "," separates several (MovieLens writes "Action|Sci-Fi"),
 * each is a path. Duplicates removed, order kept.
 *
 * @example normaliseCategories('Action|Sci-Fi') → ['Action', 'Sci-Fi']
 */
export function normaliseCategories(value: string | readonly string[]): string[] {
  const parts = typeof value === 'string' ? value.split(/[|,]/u) : value.flatMap((v) => v.split(/[|,]/u));
  const out: string[] = [];
  for (const part of parts) {
    const path = normaliseCategoryPath(part);
    if (path !== null && !out.includes(path)) out.push(path);
    if (out.length >= CATEGORY_LIMITS.perProduct) break;
  }
  return out;
}

/** True when `path` is `prefix` or lies below it ("Movies/Sci-Fi" is under "Movies"). */
export function isUnderCategory(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(prefix + '/');
}

/**
 * A price rounded to cents. The caller has already checked it is a finite number in range;
 * rounding keeps float noise (19.990000000000002) out of stored figures.
 */
export function normalisePrice(price: number): number {
  return Math.round(price * 100) / 100;
}

/** Search text as it is kept: NFKC, lower case, control and invisible characters and repeated spaces removed, capped. */
export function normaliseQuery(query: string): string {
  return codePoints(cleanText(query).toLowerCase(), QUERY_LIMITS.length).trim();
}

/** Words too common to say anything about a visitor's interests. */
const STOP_WORDS = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'by', 'de', 'der', 'die', 'for', 'from', 'in', 'is', 'it',
  'la', 'le', 'of', 'on', 'or', 'the', 'to', 'with',
]);

/**
 * The terms of a normalised query used for keyword interests: letters and digits only, at least
 * two characters, no stop words, no repeats, at most QUERY_LIMITS.terms.
 *
 * @example queryTerms('the matrix reloaded') → ['matrix', 'reloaded']
 */
export function queryTerms(normalisedQuery: string): string[] {
  const terms: string[] = [];
  for (const term of normalisedQuery.split(/[^\p{L}\p{N}]+/u)) {
    if (term.length < 2 || STOP_WORDS.has(term) || terms.includes(term)) continue;
    terms.push(term);
    if (terms.length >= QUERY_LIMITS.terms) break;
  }
  return terms;
}
