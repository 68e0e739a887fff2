/** What the prepared exact samplers return: parameters validated and converted once, sampling hot. */
export interface IntegerSampler {
  /** One sample. */
  sample(): number;
  /** Overwrites every element of `target` with an independent sample. */
  fill(target: { length: number; [index: number]: number }): void;
}

/** Largest accepted noise scale (Laplace scale, Gaussian σ): keeps every sample a safe integer
 * except with probability below e^(−2^20), so samples can be plain numbers. */
export const MAX_NOISE_SCALE = 2 ** 32;
