/**
 * Central noise for the DP wrapper, from the DP core's exact discrete Gaussian sampler over
 * crypto.getRandomValues (core/dp/samplers/discrete-gaussian.ts).
 *
 * Sampling 60k–150k exact discrete Gaussians takes longer than the 100 ms a round close may
 * take, and the noise does not depend on the data, so the vector of a round is drawn in the
 * background while the round is open (`prepare`, in slices between I/O callbacks) and finished
 * synchronously at close if it is not ready. A vector is handed out once (`take` deletes it) and
 * lives only in memory: after a restart the round's noise is drawn afresh, never reused.
 */
import { createDiscreteGaussianSampler } from '../../core/dp/samplers/discrete-gaussian.js';
import type { RandomSource } from '../../core/dp/random.js';
import type { CentralNoiseSource } from '../strategies/dp.js';

/** Samples drawn per background slice (≈ 5–10 ms at ~600k samples/s): keeps request latency low. */
const SLICE = 4096;

interface Preparation {
  readonly sigma: number;
  readonly values: Float64Array;
  filled: number;
}

export class PreparedDiscreteGaussianNoise implements CentralNoiseSource {
  private readonly prepared = new Map<string, Preparation>();
  private scheduled = false;

  /** `random` only for deterministic tests (core/dp's seeded source); the default is the CSPRNG. */
  constructor(private readonly random?: RandomSource) {}

  /** Starts drawing the round's noise in the background (idempotent). */
  prepare(roundId: string, sigma: number, length: number): void {
    if (sigma <= 0 || this.prepared.has(roundId)) return;
    this.prepared.set(roundId, { sigma, values: new Float64Array(length), filled: 0 });
    this.schedule();
  }

  take(roundId: string, sigma: number, length: number): Float64Array {
    let prep = this.prepared.get(roundId);
    if (prep === undefined || prep.sigma !== sigma || prep.values.length !== length) {
      prep = { sigma, values: new Float64Array(length), filled: 0 };
    }
    this.prepared.delete(roundId);
    this.fill(prep, length);
    return prep.values;
  }

  /** Number of rounds whose noise is being or has been prepared (tests, stats). */
  get pendingRounds(): number {
    return this.prepared.size;
  }

  private fill(prep: Preparation, upTo: number): void {
    if (prep.filled >= upTo) return;
    const sampler = createDiscreteGaussianSampler({ sigma: prep.sigma }, this.random);
    const target = prep.values.subarray(prep.filled, upTo);
    sampler.fill(target);
    prep.filled = upTo;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const prep of this.prepared.values()) {
        if (prep.filled < prep.values.length) {
          this.fill(prep, Math.min(prep.values.length, prep.filled + SLICE));
          this.schedule();
          return;
        }
      }
    }).unref();
  }
}
