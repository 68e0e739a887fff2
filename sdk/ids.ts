/**
 * Client event ids: 96 random bits as 24 hex characters, drawn from `crypto.getRandomValues` a
 * few hundred ids at a time so that one flush costs one call into the CSPRNG. The engine
 * deduplicates on them; they never leave the device. (Not privacy noise: core/dp has its own
 * random source.)
 */
const WORDS_PER_ID = 3;
const IDS_PER_REFILL = 256;

export type RandomFill = (words: Uint32Array) => void;

export function createIdSource(fill: RandomFill = (words) => crypto.getRandomValues(words)): () => string {
  const words = new Uint32Array(WORDS_PER_ID * IDS_PER_REFILL);
  let next = words.length;
  return () => {
    if (next >= words.length) {
      fill(words);
      next = 0;
    }
    let id = '';
    for (let i = 0; i < WORDS_PER_ID; i++) id += words[next++]!.toString(16).padStart(8, '0');
    return id;
  };
}
