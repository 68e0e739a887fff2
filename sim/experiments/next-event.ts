/**
 * Next-category prediction, side by side (issue 11): on ml-latest-small and MovieTweetings 2013,
 * each user's last 20 % held out, every held-out event predicted from everything before it,
 * hit@1 and hit@5 (a hit: one of the event's genres is among the top k) for
 *   popularity        the training events' genre shares (one ranking for everyone)
 *   all-time counts   the visitor's own genre counts so far
 *   best fixed decay  the visitor's genre shares under one exponential decay, the half-life swept
 *                     in events and in time; the best per k, chosen on the held-out events
 *                     themselves (so the baseline is, if anything, flattered)
 *   engine interests  worker/features/interests.ts as the engine runs it (1-minute and 365-day
 *                     half-lives, blended 50/50), read at the moment of the predicted event
 *   decay blend       the model with every GRU weight zero: its personal decays at their initial β
 *                     (what profile() answers before a trained model arrives)
 *   GRU (federated)   core/models/next-event.ts trained by FedAvg on the devices' training parts
 *                     (each device its last 128 events, as the engine keeps them), the sum of
 *                     clipped updates noised for ε per task (zCDP over the planned rounds, the
 *                     Gaussian the devices' discrete-Gaussian shares add up to), and without noise.
 * Popularity breaks ties in every personal ranking.
 *
 * The defaults are the 'next-event' task's (server/tasks.ts): 20 rounds, one local epoch at learning
 * rate 0.1 over 32-step windows, updates clipped to L2 0.3, server learning rate 3, ε 8 per task.
 *
 *   node --import tsx sim/experiments/next-event.ts [--dataset ml|mt|both] [--rounds 5] [--epsilon 8] [--seed 1] [--json] [--central 3]
 *     [--lr 0.1] [--epochs 1] [--window 32] [--clip 0.3] [--server-lr 3] [--hidden 16] [--cohort N] [--history 128] [--dp-only]
 */
import {
  initialNextEventWeights,
  nextEventLayout,
  lossAndGradient,
  predictSequence,
  trainOnSequence,
  DEFAULT_NEXT_EVENT_SHAPE,
  type NextEventShape,
  type SequenceStep,
} from '../../core/models/next-event.js';
import { NEXT_CATEGORY_BLEND } from '../../worker/recommend.js';
import { addInterest, interestShares, type InterestTable } from '../../worker/features/interests.js';
import { DEFAULT_HALF_LIVES, DEFAULT_SHORT_TERM_WEIGHT } from '../../worker/features/tuning.js';
import { flags, gaussian, num, rhoForEpsilon, seeded, sumSigma, type Rng } from './common.js';
import { loadMovieLensSequences, loadMovieTweetingsSequences, type SequenceDataset, type SequenceUser } from './sequences.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Scores over the vocabulary for the event at index t of a user, from steps[0, t). */
type Ranker = (user: SequenceUser) => (t: number) => ArrayLike<number>;

export interface HitRates {
  readonly hit1: number;
  readonly hit5: number;
  readonly events: number;
  /**
   * For rankers that give a distribution: expected calibration error of the top-1 probability
   * (10 equal-width bins) against the share of the event that category is, 1/|genres| or 0 (what
   * a probability over "the next step's category" means for a film in several genres).
   */
  readonly ece: number | null;
}

const CALIBRATION_BINS = 10;

export function evaluateRanker(data: SequenceDataset, ranker: Ranker): HitRates {
  let hit1 = 0;
  let hit5 = 0;
  let events = 0;
  let distribution = true;
  const binPredicted = new Float64Array(CALIBRATION_BINS);
  const binObserved = new Float64Array(CALIBRATION_BINS);
  const binCount = new Float64Array(CALIBRATION_BINS);
  for (const user of data.users) {
    if (user.cut >= user.steps.length || user.cut < 1) continue;
    const scoresAt = ranker(user);
    for (let t = user.cut; t < user.steps.length; t++) {
      const truth = user.steps[t]!.categories;
      if (truth.length === 0) continue;
      const scores = scoresAt(t);
      const top = topK(scores, 5);
      events++;
      if (truth.includes(top[0]!)) hit1++;
      if (top.some((c) => truth.includes(c))) hit5++;
      let total = 0;
      for (let c = 0; c < scores.length; c++) total += scores[c]!;
      if (Math.abs(total - 1) > 1e-3) distribution = false;
      const p = scores[top[0]!]!;
      const bin = Math.min(CALIBRATION_BINS - 1, Math.floor(p * CALIBRATION_BINS));
      binPredicted[bin]! += p;
      binObserved[bin]! += truth.includes(top[0]!) ? 1 / truth.length : 0;
      binCount[bin]!++;
    }
  }
  let ece = 0;
  for (let b = 0; b < CALIBRATION_BINS; b++) ece += Math.abs(binPredicted[b]! - binObserved[b]!) / events;
  return { hit1: hit1 / events, hit5: hit5 / events, events, ece: distribution ? ece : null };
}

function topK(scores: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: scores.length }, (_, i) => i)
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, k);
}

/** Genre shares of all training events (each event's genres share one unit). */
export function popularityScores(data: SequenceDataset): Float64Array {
  const counts = new Float64Array(data.vocabulary.length);
  for (const user of data.users) {
    for (const step of user.steps.slice(0, user.cut)) for (const c of step.categories) counts[c]! += 1 / step.categories.length;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
}

/** Adds a popularity tie-break far below any personal share's resolution. */
function withTieBreak(shares: Float64Array, popularity: Float64Array): Float64Array {
  return shares.map((s, c) => s + 1e-6 * popularity[c]!);
}

export type Decay = { readonly kind: 'events' | 'time'; readonly halfLife: number };

/** The visitor's decayed genre shares (events: per event; time: per millisecond). */
export function decayRanker(decay: Decay, popularity: Float64Array): Ranker {
  return (user) => {
    const C = popularity.length;
    const before: Float64Array[] = [];
    const mass = new Float64Array(C);
    let previousAt: number | null = null;
    for (const step of user.steps) {
      before.push(withTieBreak(normalised(mass), popularity));
      const elapsed = decay.kind === 'events' ? 1 : Math.max(0, step.at - (previousAt ?? step.at));
      const keep = decay.halfLife === Infinity ? 1 : Math.pow(2, -elapsed / decay.halfLife);
      let total = 0;
      for (let c = 0; c < C; c++) total += mass[c]! *= keep;
      if (total < 1e-250) mass.fill(0);
      for (const c of step.categories) mass[c]! += 1 / step.categories.length;
      previousAt = Math.max(previousAt ?? step.at, step.at);
    }
    return (t) => before[t]!;
  };
}

function normalised(v: Float64Array): Float64Array {
  const total = v.reduce((a, b) => a + b, 0);
  return total > 0 ? v.map((x) => x / total) : new Float64Array(v.length);
}

/** The engine's interest table, fed one weight-1 view per event, read when the predicted event happens. */
export function engineRanker(vocabulary: readonly string[], popularity: Float64Array): Ranker {
  return (user) => {
    const table: InterestTable = {};
    const before: Float64Array[] = [];
    for (const step of user.steps) {
      const scores = new Float64Array(vocabulary.length);
      for (const share of interestShares(table, step.at, DEFAULT_HALF_LIVES, DEFAULT_SHORT_TERM_WEIGHT)) {
        const c = vocabulary.indexOf(share.category);
        scores[c] = DEFAULT_SHORT_TERM_WEIGHT * share.shortTerm + (1 - DEFAULT_SHORT_TERM_WEIGHT) * share.longTerm;
      }
      before.push(withTieBreak(scores, popularity));
      addInterest(table, step.categories.map((c) => vocabulary[c]!), 1, step.at, DEFAULT_HALF_LIVES);
    }
    return (t) => before[t]!;
  };
}

/** The model's distribution over the vocabulary after steps[0, t). */
export function modelRanker(shape: NextEventShape, weights: Float32Array, popularity: Float64Array): Ranker {
  return (user) => {
    const predictions = predictSequence(shape, weights, user.steps);
    return (t) => (t === 0 ? popularity : predictions[t - 1]!.categories);
  };
}

/** (1 − w) · a + w · b, per category. */
export function blendRanker(a: Ranker, b: Ranker, w: number): Ranker {
  return (user) => {
    const [sa, sb] = [a(user), b(user)];
    return (t) => {
      const [x, y] = [sa(t), sb(t)];
      return Float64Array.from({ length: x.length }, (_, c) => (1 - w) * x[c]! + w * y[c]!);
    };
  };
}

export interface FederatedOptions {
  readonly rounds: number;
  /** ε per task over all rounds (δ 1e-5); null trains without noise. */
  readonly epsilon: number | null;
  readonly seed: number;
  /** Devices per round (all with training data when larger than that). */
  readonly cohort: number;
  readonly clip: number;
  readonly learningRate: number;
  readonly epochs: number;
  readonly window: number;
  readonly serverLearningRate: number;
  /**
   * How the server applies the round's mean update Δ: 'sgd' (FedAvg: w += η Δ) or 'adam'
   * (FedAdam, Reddi et al. 2021, "Adaptive Federated Optimization": Δ as a pseudo-gradient into
   * Adam moments, w += η m / (√v + τ)).
   */
  readonly serverOptimizer: 'sgd' | 'adam';
  /** Events a device keeps and trains on (the engine's ring). */
  readonly history: number;
}

/** FedAdam's adaptivity τ (Reddi et al. 2021 sweep 10⁻⁵…10⁻¹; small τ = more adaptive). */
const ADAM_TAU = 1e-3;

export const FEDERATED_DEFAULTS: Omit<FederatedOptions, 'epsilon' | 'seed'> = {
  rounds: 20,
  cohort: 100_000,
  clip: 0.3,
  learningRate: 0.1,
  epochs: 1,
  window: 32,
  serverLearningRate: 3,
  serverOptimizer: 'sgd',
  history: 128,
};

/** FedAvg with the devices' clipped deltas summed and, under DP, the round sum's Gaussian noise. */
export function trainFederated(data: SequenceDataset, shape: NextEventShape, options: FederatedOptions, log: (line: string) => void = () => {}): Float32Array {
  const rng: Rng = seeded(options.seed);
  let weights = initialNextEventWeights(shape, rng);
  const size = nextEventLayout(shape).size;
  const devices = data.users.filter((u) => u.cut >= 2).map((u) => u.steps.slice(Math.max(0, u.cut - options.history), u.cut));
  const sigma = options.epsilon === null ? 0 : sumSigma(options.clip, options.rounds, rhoForEpsilon(options.epsilon, 1e-5));
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  for (let round = 0; round < options.rounds; round++) {
    const cohort = sample(devices, options.cohort, rng);
    const sum = new Float64Array(size);
    let clipped = 0;
    const norms: number[] = [];
    for (const steps of cohort) {
      const local = trainOnSequence(shape, weights, steps as SequenceStep[], {
        learningRate: options.learningRate,
        epochs: options.epochs,
        window: options.window,
      }).weights;
      let norm = 0;
      for (let i = 0; i < size; i++) norm += (local[i]! - weights[i]!) ** 2;
      norm = Math.sqrt(norm);
      norms.push(norm);
      const scale = norm > options.clip ? options.clip / norm : 1;
      if (scale < 1) clipped++;
      for (let i = 0; i < size; i++) sum[i]! += (local[i]! - weights[i]!) * scale;
    }
    const next = Float32Array.from(weights);
    for (let i = 0; i < size; i++) {
      const delta = (sum[i]! + sigma * gaussian(rng)) / cohort.length;
      if (options.serverOptimizer === 'sgd') next[i]! += options.serverLearningRate * delta;
      else {
        m[i] = 0.9 * m[i]! + 0.1 * delta;
        v[i] = 0.99 * v[i]! + 0.01 * delta * delta;
        next[i]! += (options.serverLearningRate * m[i]!) / (Math.sqrt(v[i]!) + ADAM_TAU);
      }
    }
    weights = next;
    norms.sort((a, b) => a - b);
    const median = norms[norms.length >> 1] ?? 0;
    log(`round ${round + 1}/${options.rounds}: ${cohort.length} devices, update L2 median ${median.toFixed(3)}, ${clipped} clipped at ${options.clip}, σ_sum ${sigma.toFixed(2)}`);
  }
  return weights;
}

/**
 * The ceiling: the same model trained centrally (every device's training windows pooled, Adam,
 * no clipping, no noise). Not something Inkling may do; it says how much the federated, private
 * training leaves on the table.
 */
export function trainCentral(data: SequenceDataset, shape: NextEventShape, options: { epochs: number; window: number; learningRate: number; seed: number; history: number }, log: (line: string) => void = () => {}): Float32Array {
  const rng: Rng = seeded(options.seed);
  const weights = initialNextEventWeights(shape, rng);
  const size = weights.length;
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  let step = 0;
  const windows: SequenceStep[][] = [];
  for (const u of data.users) {
    const steps = u.steps.slice(Math.max(0, u.cut - options.history), u.cut);
    for (let end = steps.length; end > 1; end -= options.window) windows.push(steps.slice(Math.max(0, end - options.window - 1), end) as SequenceStep[]);
  }
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = sample(windows, windows.length, rng);
    let loss = 0;
    for (const window of order) {
      const g = lossAndGradient(shape, weights, window);
      if (g.targets === 0) continue;
      loss += g.loss;
      step++;
      const [b1, b2] = [0.9, 0.999];
      for (let i = 0; i < size; i++) {
        const gi = g.gradient[i]!;
        m[i] = b1 * m[i]! + (1 - b1) * gi;
        v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
        weights[i]! -= (options.learningRate * (m[i]! / (1 - b1 ** step))) / (Math.sqrt(v[i]! / (1 - b2 ** step)) + 1e-8);
      }
    }
    log(`central epoch ${epoch + 1}/${options.epochs}: ${order.length} windows, mean loss ${(loss / order.length).toFixed(4)}`);
  }
  return weights;
}

function sample<T>(items: readonly T[], n: number, rng: Rng): readonly T[] {
  if (n >= items.length) return items;
  const copy = items.slice();
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

export const EVENT_HALF_LIVES = [1, 2, 4, 8, 16, 32, 64, 128];
export const TIME_HALF_LIVES = [HOUR, DAY, 7 * DAY, 30 * DAY, 180 * DAY];

export interface NextEventRow {
  readonly model: string;
  readonly hit1: number;
  readonly hit5: number;
  readonly ece: number | null;
}

export interface NextEventReport {
  readonly dataset: string;
  readonly events: number;
  readonly rows: readonly NextEventRow[];
  /** The half-lives the best fixed decay used at k = 1 and k = 5. */
  readonly bestDecay: { readonly hit1: string; readonly hit5: string };
}

const describeDecay = (d: Decay): string =>
  d.kind === 'events' ? `${d.halfLife} events` : d.halfLife >= DAY ? `${d.halfLife / DAY} d` : `${d.halfLife / HOUR} h`;

export interface ReportOptions {
  readonly epsilon: number;
  readonly seed: number;
  readonly federated: Omit<FederatedOptions, 'epsilon' | 'seed'>;
  /** Overrides of the model's embed / hidden sizes (default: the task's). */
  readonly shape?: Partial<Pick<NextEventShape, 'embed' | 'hidden'>>;
  /** Epochs of the central reference training (0: skip it). */
  readonly centralEpochs?: number;
  /** Skip the no-DP training (halves the time). */
  readonly dpOnly?: boolean;
}

export function nextEventReport(data: SequenceDataset, options: ReportOptions, log: (line: string) => void): NextEventReport {
  const popularity = popularityScores(data);
  const shape: NextEventShape = { categories: data.vocabulary.length, ...DEFAULT_NEXT_EVENT_SHAPE, ...options.shape };
  const rows: NextEventRow[] = [];
  const add = (model: string, r: HitRates): HitRates => {
    rows.push({ model, hit1: r.hit1, hit5: r.hit5, ece: r.ece });
    log(`${data.name}: ${model} hit@1 ${r.hit1.toFixed(4)} hit@5 ${r.hit5.toFixed(4)}${r.ece === null ? '' : ` ECE ${r.ece.toFixed(4)}`} (${r.events} events)`);
    return r;
  };
  const pop = add('popularity', evaluateRanker(data, () => () => popularity));
  add('all-time counts', evaluateRanker(data, decayRanker({ kind: 'events', halfLife: Infinity }, popularity)));
  const sweep = [
    ...EVENT_HALF_LIVES.map((halfLife): Decay => ({ kind: 'events', halfLife })),
    ...TIME_HALF_LIVES.map((halfLife): Decay => ({ kind: 'time', halfLife })),
  ].map((decay) => ({ decay, rates: evaluateRanker(data, decayRanker(decay, popularity)) }));
  const best1 = sweep.reduce((a, b) => (b.rates.hit1 > a.rates.hit1 ? b : a));
  const best5 = sweep.reduce((a, b) => (b.rates.hit5 > a.rates.hit5 ? b : a));
  for (const s of sweep) log(`${data.name}:   decay ${describeDecay(s.decay)}: hit@1 ${s.rates.hit1.toFixed(4)} hit@5 ${s.rates.hit5.toFixed(4)}`);
  rows.push({ model: 'best fixed decay', hit1: best1.rates.hit1, hit5: best5.rates.hit5, ece: null });
  add('engine interests', evaluateRanker(data, engineRanker(data.vocabulary, popularity)));
  // What profile() answers before a trained model arrives (worker/features/next-event-prediction.ts).
  add('decay blend (the untrained model)', evaluateRanker(data, modelRanker(shape, initialNextEventWeights(shape, () => 0.5), popularity)));
  if (options.centralEpochs !== undefined && options.centralEpochs > 0) {
    const central = trainCentral(data, shape, { epochs: options.centralEpochs, window: options.federated.window, learningRate: 0.003, seed: options.seed, history: options.federated.history }, (l) => log(`${data.name}: ${l}`));
    add('GRU, central, no DP (ceiling)', evaluateRanker(data, modelRanker(shape, central, popularity)));
  }
  for (const epsilon of options.dpOnly === true ? [options.epsilon] : [null, options.epsilon]) {
    const weights = trainFederated(data, shape, { ...options.federated, epsilon, seed: options.seed }, (l) => log(`${data.name}: ${l}`));
    const name = epsilon === null ? 'GRU, federated, no DP' : `GRU, federated, ε ${epsilon}`;
    add(name, evaluateRanker(data, modelRanker(shape, weights, popularity)));
    // What recommend() ranks categories by once a model is adopted (worker/recommend.ts).
    add(`${name} + engine interests, 50/50`, evaluateRanker(data, blendRanker(engineRanker(data.vocabulary, popularity), modelRanker(shape, weights, popularity), NEXT_CATEGORY_BLEND)));
  }
  return { dataset: data.name, events: pop.events, rows, bestDecay: { hit1: describeDecay(best1.decay), hit5: describeDecay(best5.decay) } };
}

function printReport(report: NextEventReport): void {
  const best = report.rows.find((r) => r.model === 'best fixed decay')!;
  console.log(`\n${report.dataset}: ${report.events} held-out events (best fixed decay: ${report.bestDecay.hit1} at k=1, ${report.bestDecay.hit5} at k=5)`);
  console.log('| model | hit@1 | hit@5 | vs best decay @1 | @5 | calibration error (top-1) |');
  console.log('|---|---|---|---|---|---|');
  for (const r of report.rows) {
    const rel = (a: number, b: number): string => `${a >= b ? '+' : ''}${(100 * (a / b - 1)).toFixed(1)} %`;
    console.log(`| ${r.model} | ${r.hit1.toFixed(4)} | ${r.hit5.toFixed(4)} | ${rel(r.hit1, best.hit1)} | ${rel(r.hit5, best.hit5)} | ${r.ece === null ? '–' : r.ece.toFixed(3)} |`);
  }
}

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const which = f.dataset ?? 'both';
  const d = FEDERATED_DEFAULTS;
  const federated = {
    rounds: num(f, 'rounds', d.rounds),
    cohort: num(f, 'cohort', d.cohort),
    clip: num(f, 'clip', d.clip),
    learningRate: num(f, 'lr', d.learningRate),
    epochs: num(f, 'epochs', d.epochs),
    window: num(f, 'window', d.window),
    serverLearningRate: num(f, 'server-lr', d.serverLearningRate),
    serverOptimizer: f['server-optimizer'] === 'adam' ? ('adam' as const) : d.serverOptimizer,
    history: num(f, 'history', d.history),
  };
  const options: ReportOptions = { epsilon: num(f, 'epsilon', 8), seed: num(f, 'seed', 1), federated, dpOnly: f['dp-only'] === 'true', centralEpochs: num(f, 'central', 0),
    shape: { embed: num(f, 'embed', DEFAULT_NEXT_EVENT_SHAPE.embed), hidden: num(f, 'hidden', DEFAULT_NEXT_EVENT_SHAPE.hidden) } };
  const json = f.json === 'true';
  const log = json ? () => {} : (line: string) => console.error(line);
  const reports: NextEventReport[] = [];
  if (which === 'ml' || which === 'both') reports.push(nextEventReport(loadMovieLensSequences(), options, log));
  if (which === 'mt' || which === 'both') reports.push(nextEventReport(loadMovieTweetingsSequences(), options, log));
  if (json) console.log(JSON.stringify(reports, null, 2));
  else reports.forEach(printReport);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
