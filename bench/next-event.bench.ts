/**
 * The next-event model's costs against issue 11's targets, printed as ratios (measured ÷ target):
 * inference p95 ≤ 5 ms (one prediction = the whole kept sequence, 128 steps, run through the GRU,
 * as profile() does), one local training pass ≤ 1 s (the task's one epoch of 32-step windows over
 * those 128 steps), model ≤ 200 KB (float32 upload/download). Measured in Node's V8, the engine
 * Chromium's Worker runs; the model is plain typed-array code, so no backend enters into it.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_NEXT_EVENT_SHAPE, initialNextEventWeights, nextEventLayout, predictNext, trainOnSequence, type SequenceStep } from '../core/models/next-event.js';
import { SEQUENCE_KEPT } from '../worker/features/sequence.js';
import { NEXT_EVENT_WINDOW } from '../worker/federated/next-event-task.js';
import { MOVIELENS_GENRES } from '../server/tasks.js';

const shape = { categories: MOVIELENS_GENRES.length, ...DEFAULT_NEXT_EVENT_SHAPE };
let seed = 42;
const uniform = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
const weights = initialNextEventWeights(shape, uniform);
const actions = ['view', 'view', 'view', 'cart', 'search', 'wishlist', 'buy'] as const;
const steps: SequenceStep[] = Array.from({ length: SEQUENCE_KEPT }, (_, i) => ({
  categories: [Math.floor(uniform() * shape.categories), Math.floor(uniform() * shape.categories)],
  action: actions[i % actions.length]!,
  at: Date.UTC(2026, 11, 1) + i * 45_000,
}));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

for (let i = 0; i < 50; i++) predictNext(shape, weights, steps); // warm-up (JIT)
const inference: number[] = [];
for (let i = 0; i < 1000; i++) {
  const t0 = performance.now();
  predictNext(shape, weights, steps);
  inference.push(performance.now() - t0);
}
inference.sort((a, b) => a - b);

const training: number[] = [];
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  trainOnSequence(shape, weights, steps, { learningRate: 1, epochs: 1, window: NEXT_EVENT_WINDOW });
  training.push(performance.now() - t0);
}
training.sort((a, b) => a - b);

const bytes = nextEventLayout(shape).size * 4;
const rows: [string, number, number, string][] = [
  ['inference p95 (128 steps)', percentile(inference, 0.95), 5, 'ms'],
  ['local training pass (128 steps, 1 epoch)', percentile(training, 0.5), 1000, 'ms'],
  ['model size (float32)', bytes / 1024, 200, 'KB'],
];
console.log(`next-event model: ${shape.categories} categories, embed ${shape.embed}, hidden ${shape.hidden}; ${nextEventLayout(shape).size} parameters`);
console.log('| measure | value | target | ratio (value ÷ target) |');
console.log('|---|---|---|---|');
for (const [name, value, target, unit] of rows) {
  console.log(`| ${name} | ${value.toFixed(2)} ${unit} | ≤ ${target} ${unit} | ${(value / target).toFixed(3)} ${value <= target ? '(pass)' : '(SHORT)'} |`);
}
console.log(`inference p50 ${percentile(inference, 0.5).toFixed(2)} ms, p99 ${percentile(inference, 0.99).toFixed(2)} ms over 1,000 calls; training p50 of 20 passes`);
