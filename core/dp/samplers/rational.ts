/**
 * Exact non-negative rationals over BigInt: the only way a scale, a σ² or a probability enters a
 * sampler. Floats are converted exactly (every finite double is a dyadic rational m / 2^k), so a
 * sampler never rounds a parameter it was given.
 */
export interface Rational {
  readonly numerator: bigint;
  /** Always ≥ 1. */
  readonly denominator: bigint;
}

/** What public sampler entries accept: a float (converted exactly), an integer bigint, or a rational. */
export type RationalLike = number | bigint | Rational;

export function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** numerator / denominator in lowest terms (denominator must be > 0). */
export function reduced(numerator: bigint, denominator: bigint): Rational {
  const g = gcd(numerator, denominator);
  return g <= 1n ? { numerator, denominator } : { numerator: numerator / g, denominator: denominator / g };
}

/**
 * The exact value of a finite double as a reduced fraction. Doubling a double is exact (it only
 * bumps the exponent), so after k doublings x·2^k is an integer and x = (x·2^k) / 2^k exactly; the
 * first k at which that happens leaves an odd numerator, hence lowest terms.
 * Example: 0.1 → 3602879701896397 / 2^55 (the double nearest 0.1, not 1/10).
 */
export function rationalFromFiniteNumber(x: number): Rational {
  let scaled = x;
  let denominator = 1n;
  while (!Number.isInteger(scaled)) {
    scaled *= 2;
    denominator *= 2n;
  }
  return { numerator: BigInt(scaled), denominator };
}

/** ⌊√n⌋ for n ≥ 0, exactly (Newton's method on BigInt). */
export function integerSquareRoot(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n)))) + 1n;
  for (;;) {
    const next = (x + n / x) >> 1n;
    if (next >= x) break;
    x = next;
  }
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}
