/**
 * Keyword interests from searches. Two views of the same signal:
 * - a fixed-size signed feature-hashing vector (Weinberger et al. 2009) that models can consume
 *   without a vocabulary, each bucket decayed lazily (value + time per bucket, O(1) per term);
 * - the strongest terms in clear text, kept only on the device so the visitor can see them.
 */
import { addDecayed, readDecayed, type Decayed } from './decay.js';

/** Buckets of the hashed keyword vector. A power of two so that `hash & (DIM - 1)` is the bucket. */
export const KEYWORD_HASH_DIM = 256;
/** Clear-text terms kept for the visitor; the weakest is evicted beyond this. */
export const KEYWORD_TERMS_KEPT = 50;

export interface KeywordState {
  /** Hashed vector: values as of `hashedAt[i]`. */
  hashed: Float64Array;
  hashedAt: Float64Array;
  terms: Record<string, Decayed>;
}

export function emptyKeywords(): KeywordState {
  return { hashed: new Float64Array(KEYWORD_HASH_DIM), hashedAt: new Float64Array(KEYWORD_HASH_DIM), terms: {} };
}

/** FNV-1a, 32 bits, over UTF-16 code units: fast, stable across runtimes, good enough spread. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Bucket and sign of a term: the sign comes from a bit the bucket does not use, so collisions cancel on average. */
export function hashTerm(term: string): { bucket: number; sign: 1 | -1 } {
  const hash = fnv1a(term);
  return { bucket: hash & (KEYWORD_HASH_DIM - 1), sign: (hash >>> 31) === 1 ? -1 : 1 };
}

export function addKeywords(state: KeywordState, terms: readonly string[], weight: number, at: number, halfLifeMs: number): void {
  for (const term of terms) {
    const { bucket, sign } = hashTerm(term);
    const updated = addDecayed({ v: state.hashed[bucket]!, at: state.hashedAt[bucket]! }, sign * weight, at, halfLifeMs);
    state.hashed[bucket] = updated.v;
    state.hashedAt[bucket] = updated.at;
    state.terms[term] = addDecayed(state.terms[term], weight, at, halfLifeMs);
  }
  const kept = Object.keys(state.terms);
  if (kept.length > KEYWORD_TERMS_KEPT) {
    // Evict the weakest terms as of now; runs only when a new term pushes the list over the cap.
    kept
      .map((term) => ({ term, value: readDecayed(state.terms[term], at, halfLifeMs) }))
      .sort((a, b) => a.value - b.value)
      .slice(0, kept.length - KEYWORD_TERMS_KEPT)
      .forEach(({ term }) => delete state.terms[term]);
  }
}

/** The hashed vector decayed to `now`, for models. */
export function keywordVector(state: KeywordState, now: number, halfLifeMs: number): Float32Array {
  const out = new Float32Array(KEYWORD_HASH_DIM);
  for (let i = 0; i < KEYWORD_HASH_DIM; i++) out[i] = readDecayed({ v: state.hashed[i]!, at: state.hashedAt[i]! }, now, halfLifeMs);
  return out;
}

/** The strongest clear-text terms at `now`, strongest first. */
export function topKeywords(state: KeywordState, now: number, halfLifeMs: number, limit: number): { term: string; weight: number }[] {
  return Object.keys(state.terms)
    .map((term) => ({ term, weight: readDecayed(state.terms[term], now, halfLifeMs) }))
    .filter((t) => t.weight > 1e-6)
    .sort((a, b) => b.weight - a.weight || a.term.localeCompare(b.term))
    .slice(0, limit);
}
