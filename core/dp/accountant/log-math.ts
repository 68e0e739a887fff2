/**
 * Arithmetic in log space for the accountant. Privacy losses of composed mechanisms are sums
 * of terms like e^{i²/2σ²} that overflow float64 long before the answer does, so every
 * series is accumulated as logarithms. JavaScript has no erfc; ours is accurate to about
 * 1e-14 relative on the whole line, including far tails (log erfc(30) ≈ −904).
 */

/** log(e^a + e^b), exact for −∞ operands. */
export function logAdd(a: number, b: number): number {
  const low = Math.min(a, b);
  const high = Math.max(a, b);
  if (low === -Infinity) return high;
  return high + Math.log1p(Math.exp(low - high));
}

/** log(e^a − e^b) for a ≥ b; −∞ when equal. Throws if a < b (the caller's sum went negative). */
export function logSub(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (a < b) throw new RangeError(`logSub: log-difference of a smaller term (${a}) minus a larger one (${b})`);
  if (a === b) return -Infinity;
  return a + Math.log1p(-Math.exp(b - a));
}

/** log(1 + e^x) without overflow (softplus). */
export function log1pExp(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erf(x)·e^{x²} for 0 ≤ x < 2 by the all-positive series
 * erf(x) = (2/√π) e^{−x²} Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)) (Abramowitz & Stegun 7.1.6);
 * no cancellation, so the relative error stays near machine precision.
 */
function erfTimesExpSquare(x: number): number {
  let term = x;
  let sum = x;
  const twoXSquared = 2 * x * x;
  for (let n = 1; n < 200; n += 1) {
    term *= twoXSquared / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * sum;
}

/**
 * log(erfc(x)·e^{x²}·√π) for x ≥ 2: the reciprocal of the continued fraction
 * x + (1/2)/(x + 1/(x + (3/2)/(x + …))) (A&S 7.1.14), evaluated by the modified Lentz method.
 */
function logScaledErfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 5000; n += 1) {
    const a = n / 2;
    d = x + a * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = c * d;
    f *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return -Math.log(f);
}

/** log(erfc(x)) for every real x, accurate in the far right tail where erfc underflows. */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Infinity) return -Infinity;
  if (x === -Infinity) return Math.LN2;
  if (x >= 2) return -x * x - LOG_SQRT_PI + logScaledErfcContinuedFraction(x);
  if (x >= 0) return Math.log1p(-erfTimesExpSquare(x) * Math.exp(-x * x));
  // erfc(x) = 2 − erfc(−x) for x < 0.
  return Math.log(2 - Math.exp(logErfc(-x)));
}
