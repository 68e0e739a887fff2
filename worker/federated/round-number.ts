/**
 * The ledger (core/dp/ledger.ts) keys a charge by (site, task, round) with an integer round; the
 * aggregator names rounds with strings (TaskDescriptor.roundId). A decimal roundId is used as is;
 * any other is hashed (FNV-1a, 64-bit, cut to 53 bits) so that one round always gets the same number.
 * A collision between two rounds of one task (≈ 2^−53 per pair) could only make the ledger refuse a
 * charge as "already charged": it fails towards sending less, never towards paying less.
 */
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = (1n << 64n) - 1n;

export function ledgerRound(roundId: string): number {
  if (/^\d{1,15}$/.test(roundId)) return Number(roundId);
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(roundId)) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK_64;
  return Number(hash >> 11n);
}
