/**
 * Buy prediction on held-out data (issue 11, part 2): the Bayesian purchase intent
 * (worker/features/intent.ts, prior from the 'buy-intent' DP aggregate) against the engine's
 * logistic purchase propensity (worker/features/propensity.ts) and a constant base rate.
 *
 *   node --import tsx sim/experiments/buy-intent.ts            # both datasets (≈ 15 s)
 *   node --import tsx sim/experiments/buy-intent.ts --sweep    # + the evidence half-life sweep (≈ 1 min)
 *   flags: --dataset ml|mt|both, --seed n (which users send, and the noise)
 *
 * Neither dataset has purchases. The proxy: an engagement "ends in a purchase" when its rating is
 * a top one — ≥ 4.5 of 5 on ml-latest-small (22.8 % of ratings), ≥ 9 of 10 on MovieTweetings
 * (26.1 %). Each rating is replayed through the engine's own profile code (applyBatch) as one batch:
 * a 'Product Viewed' of the film with its genres, plus an 'Order Completed' of it when it passes
 * the threshold. So the propensity model sees exactly its features and its SGD (one step per batch,
 * label = the batch held an order), and intent sees engagements and purchases per genre.
 *
 * Protocol: per user in time order, the last 20 % held out (sim/data.ts heldOutCount); every
 * event is predicted from everything before it (held-out events too, once they happened). What is
 * fitted (the prior, the global logistic weights, thresholds, the blend) sees the training parts
 * only. Rows:
 * - base rate: the training parts' buy rate, for every event.
 * - logistic, as shipped: the engine's weights from its initial bias (logit 3 %) plus its
 *   on-device SGD — what a device has without a federated model.
 * - logistic, global fit + device SGD: weights fitted to convergence on every training example
 *   (Newton, the engine's L2), then the engine's SGD per user. No DP: an upper bound for what the
 *   federated 'propensity' task (FedAvg of the same SGD, with DP) can reach.
 * - intent, default prior: before a device has received any release.
 * - intent, EB prior without noise / with DP: the prior fitted (core/models/buy-intent.ts) from
 *   the sum of BUY_INTENT_DEVICES randomly chosen training users' contributions, each their
 *   evidence at the end of their training part — noiseless, and with the noise the shipped task's
 *   round carries at ε 8, δ 1e−6 (server defaults; secure aggregation's per-device σ for
 *   min = max = the round size, summed: a Gaussian of the same variance).
 * - blend: σ(λ·logit(intent, DP) + (1 − λ)·logit(best logistic)), λ on the training parts.
 * Metrics on the held-out events: log loss, Brier, F1 at the threshold that maximised F1 on the
 * training parts, ECE (10 equal-width bins).
 */
import type { ValidEvent } from '../../core/events/event.js';
import { validateEvent } from '../../core/events/validate.js';
import type { RawEvent } from '../../core/protocol/engine-api.js';
import { encodeBuyIntentUpdate, defaultBuyIntentPriors, fitBuyIntentPriors, priorFor, type BuyIntentPriors } from '../../core/models/buy-intent.js';
import { secureNoisePlan } from '../../server/strategies/distributed-dp.js';
import { BUY_INTENT_DEVICES, createBuyIntentTask, MOVIELENS_GENRES } from '../../server/tasks.js';
import { DEFAULT_HALF_LIVES } from '../../worker/features/tuning.js';
import { intentEvidence, INTENT_HALF_LIFE_MS } from '../../worker/features/intent-evidence.js';
import { applyBatch, emptyProfile, ItemDrafts } from '../../worker/features/profile-state.js';
import { initialPropensity, predictPropensity, propensityFeatures, PROPENSITY_FEATURE_COUNT, PROPENSITY_L2, sgdStep } from '../../worker/features/propensity.js';
import type { ItemRecord } from '../../worker/features/items.js';
import { heldOutCount } from '../data.js';
import { seededRandom, shuffled } from '../random.js';
import { flags, gaussian } from './common.js';
import { ML_DIR, MT_DIR, ratingsByUser, readMovieLensRatings, readMovieTweetingsRatings, type RatingFile } from './sequences.js';

export interface BuyIntentEvent {
  readonly productId: string;
  readonly categories: readonly string[];
  /** ms since the epoch. */
  readonly at: number;
  /** The proxy label: this engagement ended in a purchase. */
  readonly bought: boolean;
}

export interface BuyIntentUser {
  /** Oldest first. */
  readonly events: readonly BuyIntentEvent[];
  /** events[0, cut) train; events[cut, end) are held out. */
  readonly cut: number;
}

export interface BuyIntentDataset {
  readonly name: string;
  /** What stands for a purchase, in words (printed with the table). */
  readonly proxy: string;
  /** The categories of the 'buy-intent' task (the model's tensors). */
  readonly categories: readonly string[];
  readonly users: readonly BuyIntentUser[];
}

export interface BuyIntentOptions {
  /** ε of the task's one round (default 8, the server's) at δ (default 1e−6). */
  readonly epsilon?: number;
  readonly delta?: number;
  /** Devices in the prior's round (default the task's, BUY_INTENT_DEVICES). */
  readonly devices?: number;
  /** Seeds which users contribute and the simulated noise. */
  readonly seed?: number;
  /** Half-life of the intent evidence (default the engine's). */
  readonly intentHalfLifeMs?: number;
}

export interface BuyIntentRow {
  readonly model: string;
  /** Mean negative log-likelihood (nats), probabilities clipped to [1e−6, 1 − 1e−6]. */
  readonly logLoss: number;
  readonly brier: number;
  /** F1 of "will buy" at `threshold`, the one best on the training parts. */
  readonly f1: number;
  readonly threshold: number;
  /** Calibration: expected calibration error over 10 equal-width bins. */
  readonly ece: number;
  /** Held-out events scored. */
  readonly events: number;
}

/** The server's defaults (server/config.ts: --epsilon 8, --delta 1e-6): the task's one round spends them. */
const SERVER_EPSILON = 8;
const SERVER_DELTA = 1e-6;

function toDataset(name: string, proxy: string, categories: readonly string[], { rows, genres }: RatingFile, bought: (rating: number) => boolean): BuyIntentDataset {
  const users: BuyIntentUser[] = ratingsByUser(rows).map((list) => {
    const events = list.map((r) => ({ productId: r.item, categories: genres.get(r.item) ?? [], at: r.at, bought: bought(r.rating) }));
    return { events, cut: events.length - heldOutCount(events.length) };
  });
  return { name, proxy, categories, users };
}

/** ml-latest-small: 671 users, 100,004 ratings; a purchase = a rating ≥ 4.5 of 5. */
export function loadMovieLensBuys(dir = ML_DIR): BuyIntentDataset {
  return toDataset('ml-latest-small', 'a rating ≥ 4.5 of 5 counts as a purchase', MOVIELENS_GENRES, readMovieLensRatings(dir), (r) => r >= 4.5);
}

/** MovieTweetings 2013: 21,081 users, 141,695 ratings, genres from items.csv; a purchase = a rating ≥ 9 of 10. */
export function loadMovieTweetingsBuys(dir = MT_DIR): BuyIntentDataset {
  const file = readMovieTweetingsRatings(dir);
  const rated = new Set(file.rows.map((r) => r.item));
  const categories = [...new Set([...file.genres].filter(([id]) => rated.has(id)).flatMap(([, g]) => g))].sort();
  return toDataset('movietweetings-2013', 'a rating ≥ 9 of 10 counts as a purchase', categories, file, (r) => r >= 9);
}

/** Everything the replay records per event, flat. */
interface Replay {
  readonly labels: Uint8Array;
  readonly heldOut: Uint8Array;
  readonly user: Int32Array;
  /** The engine's propensity features before the event, PROPENSITY_FEATURE_COUNT per event. */
  readonly features: Float32Array;
  /** The engine's own propensity prediction (its weights, as shipped, after its SGD so far). */
  readonly shipped: Float64Array;
  /** Intent evidence for each of the event's categories, before it: catStart[e]..catStart[e+1). */
  readonly catStart: Int32Array;
  readonly catName: string[];
  readonly catBuys: Float64Array;
  readonly catEngagements: Float64Array;
  /** Each user's upload at the end of its training part (null: nothing to report). */
  readonly contributions: (Float32Array | null)[];
}

/** Replays every user through the engine's applyBatch, recording what each prediction needs. */
function replay(dataset: BuyIntentDataset, intentHalfLifeMs: number): Replay {
  const total = dataset.users.reduce((n, u) => n + u.events.length, 0);
  const labels = new Uint8Array(total);
  const heldOut = new Uint8Array(total);
  const user = new Int32Array(total);
  const features = new Float32Array(total * PROPENSITY_FEATURE_COUNT);
  const shipped = new Float64Array(total);
  const catStart = new Int32Array(total + 1);
  const catName: string[] = [];
  const catBuys: number[] = [];
  const catEngagements: number[] = [];
  const contributions: (Float32Array | null)[] = [];
  const halfLives = DEFAULT_HALF_LIVES;
  let e = 0;
  dataset.users.forEach((u, ui) => {
    const state = emptyProfile();
    const items = new Map<string, ItemRecord>();
    let contribution: Float32Array | null = null;
    u.events.forEach((event, i) => {
      if (i === u.cut && i > 0) contribution = encodeBuyIntentUpdate(dataset.categories, intentEvidence(state.intent, u.events[i - 1]!.at, intentHalfLifeMs));
      const x = propensityFeatures(state.activity, event.at, halfLives);
      features.set(x, e * PROPENSITY_FEATURE_COUNT);
      shipped[e] = predictPropensity(state.propensity.weights, x);
      const evidence = intentEvidence(state.intent, event.at, intentHalfLifeMs);
      catStart[e] = catName.length;
      for (const category of event.categories) {
        const own = evidence.find((c) => c.category === category);
        catName.push(category);
        catBuys.push(own?.buys ?? 0);
        catEngagements.push(own?.engagements ?? 0);
      }
      labels[e] = event.bought ? 1 : 0;
      heldOut[e] = i >= u.cut ? 1 : 0;
      user[e] = ui;
      const drafts = new ItemDrafts((id) => items.get(id));
      applyBatch(state, engineEvents(event, `${ui}-${i}`), { halfLives, catalogCategories: () => undefined, item: drafts.get, intentHalfLifeMs });
      for (const [id, item] of drafts.touched) items.set(id, item);
      e++;
    });
    if (u.cut === u.events.length && u.cut > 0) contribution = encodeBuyIntentUpdate(dataset.categories, intentEvidence(state.intent, u.events[u.cut - 1]!.at, intentHalfLifeMs));
    contributions.push(contribution);
  });
  catStart[total] = catName.length;
  return { labels, heldOut, user, features, shipped, catStart, catName, catBuys: Float64Array.from(catBuys), catEngagements: Float64Array.from(catEngagements), contributions };
}

/** One rating as the storefront would send it: a view of the film, and its order when "bought". */
function engineEvents(event: BuyIntentEvent, id: string): ValidEvent[] {
  const product = { product_id: event.productId, category: [...event.categories] };
  const raws: RawEvent[] = [{ id: `${id}v`, name: 'Product Viewed', timestamp: event.at, properties: product }];
  if (event.bought) raws.push({ id: `${id}o`, name: 'Order Completed', timestamp: event.at, properties: { order_id: `${id}o`, products: [product], revenue: 0 } });
  return raws.map((raw) => {
    const result = validateEvent(raw, { now: event.at + 1 });
    if (!result.ok) throw new Error(`replay event ${raw.id}: ${result.errors.map((f) => f.message).join('; ')}`);
    return result.event;
  });
}

/** The task's round as released: the sum of `devices` random contributors, with the task's noise or none. */
function releasedSums(dataset: BuyIntentDataset, contributions: readonly (Float32Array | null)[], devices: number, epsilon: number, delta: number, seed: number): { noiseless: Float64Array; noised: Float64Array; sigma: number; n: number } {
  const task = createBuyIntentTask(dataset.categories);
  const length = dataset.categories.length * 4;
  const random = seededRandom(seed);
  const senders = shuffled(contributions.filter((c): c is Float32Array => c !== null), random).slice(0, devices);
  const noiseless = new Float64Array(length);
  for (const c of senders) for (let i = 0; i < length; i++) noiseless[i]! += c[i]!;
  // Each device's discrete Gaussian share (grid units) is sized for the round's minimum (= its size here).
  const plan = secureNoisePlan(task.task, { clipNorm: task.clipNorm, granularity: task.granularity, vectorLength: length, minContributions: senders.length, epsilonBudget: epsilon, delta, plannedRounds: task.plannedRounds ?? 1 });
  const sigma = Math.sqrt(senders.length) * plan.sigma * task.granularity;
  const noised = noiseless.map((v) => v + sigma * gaussian(random));
  return { noiseless, noised, sigma, n: senders.length };
}

function intentPredictions(r: Replay, priors: BuyIntentPriors): Float64Array {
  const out = new Float64Array(r.labels.length);
  for (let e = 0; e < out.length; e++) {
    const from = r.catStart[e]!;
    const to = r.catStart[e + 1]!;
    if (from === to) {
      out[e] = priors.pooled.alpha / (priors.pooled.alpha + priors.pooled.beta);
      continue;
    }
    let sum = 0;
    for (let k = from; k < to; k++) {
      const prior = priorFor(priors, r.catName[k]!);
      sum += (prior.alpha + r.catBuys[k]!) / (prior.alpha + prior.beta + r.catEngagements[k]!);
    }
    out[e] = sum / (to - from);
  }
  return out;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
const clip = (p: number) => Math.min(1 - 1e-6, Math.max(1e-6, p));
const logit = (p: number) => Math.log(clip(p) / (1 - clip(p)));

/** Logistic regression on the training events, to convergence (damped Newton, L2 as the engine's, bias free). */
function globalLogistic(r: Replay): Float32Array {
  const d = PROPENSITY_FEATURE_COUNT;
  const n = r.labels.length;
  const objective = (w: Float64Array): number => {
    let loss = 0;
    for (let e = 0; e < n; e++) {
      if (r.heldOut[e]) continue;
      let z = 0;
      for (let i = 0; i < d; i++) z += w[i]! * r.features[e * d + i]!;
      // log(1 + e^z) − y·z, computed without overflow.
      loss += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - r.labels[e]! * z;
    }
    for (let i = 1; i < d; i++) loss += 0.5 * n * PROPENSITY_L2 * w[i]! ** 2;
    return loss;
  };
  let w = new Float64Array(initialPropensity().weights);
  let current = objective(w);
  for (let iteration = 0; iteration < 100; iteration++) {
    const grad = new Float64Array(d);
    const hess = new Float64Array(d * d);
    for (let e = 0; e < n; e++) {
      if (r.heldOut[e]) continue;
      const x = r.features.subarray(e * d, e * d + d);
      let z = 0;
      for (let i = 0; i < d; i++) z += w[i]! * x[i]!;
      const p = sigmoid(z);
      const g = p - r.labels[e]!;
      const h = p * (1 - p);
      for (let i = 0; i < d; i++) {
        grad[i]! += g * x[i]!;
        for (let j = 0; j < d; j++) hess[i * d + j]! += h * x[i]! * x[j]!;
      }
    }
    for (let i = 1; i < d; i++) {
      grad[i]! += n * PROPENSITY_L2 * w[i]!;
      hess[i * d + i]! += n * PROPENSITY_L2;
    }
    // Features that never vary here (cart, searches, checkouts: 0 on these data) would make H singular.
    for (let i = 0; i < d; i++) hess[i * d + i]! += 1e-9 * n;
    const step = solve(hess, grad, d);
    // Full Newton steps overshoot from the engine's 3 % start: halve until the loss goes down.
    let scale = 1;
    let next = w;
    let value = current;
    for (; scale > 1e-6; scale /= 2) {
      next = w.map((v, i) => v - scale * step[i]!);
      value = objective(next);
      if (value < current) break;
    }
    if (!(value < current)) break;
    const converged = current - value < 1e-10 * Math.abs(current);
    w = next;
    current = value;
    if (converged) break;
  }
  return Float32Array.from(w);
}

/** Gaussian elimination with partial pivoting (d ≤ 9). */
function solve(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r * d + c]!) > Math.abs(m[p * d + c]!)) p = r;
    for (let k = 0; k < d; k++) [m[c * d + k], m[p * d + k]] = [m[p * d + k]!, m[c * d + k]!];
    [x[c], x[p]] = [x[p]!, x[c]!];
    for (let r = c + 1; r < d; r++) {
      const f = m[r * d + c]! / m[c * d + c]!;
      for (let k = c; k < d; k++) m[r * d + k]! -= f * m[c * d + k]!;
      x[r]! -= f * x[c]!;
    }
  }
  for (let c = d - 1; c >= 0; c--) {
    let s = x[c]!;
    for (let k = c + 1; k < d; k++) s -= m[c * d + k]! * x[k]!;
    x[c] = s / m[c * d + c]!;
  }
  return x;
}

/** The engine's per-batch SGD from `start`, per user, predicting each event before its step (applyBatch skips a first batch). */
function onlineLogistic(r: Replay, start: Float32Array): Float64Array {
  const d = PROPENSITY_FEATURE_COUNT;
  const out = new Float64Array(r.labels.length);
  let weights = start;
  for (let e = 0; e < out.length; e++) {
    const first = e === 0 || r.user[e - 1] !== r.user[e];
    if (first) weights = start;
    const x = r.features.subarray(e * d, e * d + d);
    out[e] = predictPropensity(weights, x);
    if (!first) weights = sgdStep(weights, x, r.labels[e] === 1 ? 1 : 0);
  }
  return out;
}

/** The threshold with the best F1 on the training events (candidates: every distinct prediction, quantised). */
function bestThreshold(p: Float64Array, r: Replay): number {
  const bins = 1000;
  const pos = new Float64Array(bins + 1);
  const all = new Float64Array(bins + 1);
  let positives = 0;
  for (let e = 0; e < p.length; e++) {
    if (r.heldOut[e]) continue;
    const b = Math.min(bins, Math.floor(p[e]! * bins));
    all[b]! += 1;
    pos[b]! += r.labels[e]!;
    positives += r.labels[e]!;
  }
  let best = { f1: -1, threshold: 0 };
  let tp = 0;
  let predicted = 0;
  // Predict "buy" for p ≥ b/bins: accumulate from the top bin down.
  for (let b = bins; b >= 0; b--) {
    tp += pos[b]!;
    predicted += all[b]!;
    const f1 = predicted + positives === 0 ? 0 : (2 * tp) / (predicted + positives);
    if (f1 > best.f1) best = { f1, threshold: b / bins };
  }
  return best.threshold;
}

function score(model: string, p: Float64Array, r: Replay): BuyIntentRow {
  const threshold = bestThreshold(p, r);
  let n = 0;
  let logLoss = 0;
  let brier = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const binP = new Float64Array(10);
  const binY = new Float64Array(10);
  const binN = new Float64Array(10);
  for (let e = 0; e < p.length; e++) {
    if (!r.heldOut[e]) continue;
    const y = r.labels[e]!;
    const q = clip(p[e]!);
    n++;
    logLoss -= y === 1 ? Math.log(q) : Math.log(1 - q);
    brier += (p[e]! - y) ** 2;
    const yes = p[e]! >= threshold;
    if (yes && y === 1) tp++;
    else if (yes) fp++;
    else if (y === 1) fn++;
    const b = Math.min(9, Math.floor(p[e]! * 10));
    binP[b]! += p[e]!;
    binY[b]! += y;
    binN[b]! += 1;
  }
  let ece = 0;
  for (let b = 0; b < 10; b++) if (binN[b]! > 0) ece += Math.abs(binP[b]! - binY[b]!) / n;
  return { model, logLoss: logLoss / n, brier: brier / n, f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn), threshold, ece, events: n };
}

function trainingLogLoss(p: Float64Array, r: Replay): number {
  let sum = 0;
  let n = 0;
  for (let e = 0; e < p.length; e++) {
    if (r.heldOut[e]) continue;
    const q = clip(p[e]!);
    sum -= r.labels[e] ? Math.log(q) : Math.log(1 - q);
    n++;
  }
  return sum / n;
}

export interface BuyIntentReport {
  readonly rows: BuyIntentRow[];
  /** The fitted priors (no noise, DP) and the round's noise σ per value. */
  readonly priors: { readonly noiseless: BuyIntentPriors; readonly dp: BuyIntentPriors; readonly sigma: number; readonly devices: number; readonly epsilon: number };
  readonly blendWeight: number;
}

/**
 * The table: base rate, logistic propensity (as shipped; global fit), Bayesian intent (default
 * prior; EB prior without noise; with DP) and the blend, scored on the held-out events.
 * @example evaluateBuyIntent(loadMovieLensBuys()).forEach((row) => console.log(row.model, row.logLoss));
 */
export function evaluateBuyIntent(dataset: BuyIntentDataset, options: BuyIntentOptions = {}): BuyIntentRow[] {
  return buyIntentReport(dataset, options).rows;
}

/** evaluateBuyIntent with the priors and the blend weight it used. */
export function buyIntentReport(dataset: BuyIntentDataset, options: BuyIntentOptions = {}): BuyIntentReport {
  const r = replay(dataset, options.intentHalfLifeMs ?? INTENT_HALF_LIFE_MS);
  const task = createBuyIntentTask(dataset.categories);
  const epsilon = options.epsilon ?? SERVER_EPSILON;
  const round = releasedSums(dataset, r.contributions, options.devices ?? task.maxContributions ?? BUY_INTENT_DEVICES, epsilon, options.delta ?? SERVER_DELTA, options.seed ?? 1);
  // Version 2: the task's first release.
  const noiseless = fitBuyIntentPriors(dataset.categories, round.noiseless, 2);
  const dp = fitBuyIntentPriors(dataset.categories, round.noised, 2);

  let trainBuys = 0;
  let trainEvents = 0;
  for (let e = 0; e < r.labels.length; e++) {
    if (r.heldOut[e]) continue;
    trainBuys += r.labels[e]!;
    trainEvents++;
  }
  const base = new Float64Array(r.labels.length).fill(trainBuys / trainEvents);
  const global = onlineLogistic(r, globalLogistic(r));
  const intentDp = intentPredictions(r, dp);
  const logistic = trainingLogLoss(global, r) <= trainingLogLoss(r.shipped, r) ? global : r.shipped;
  let blendWeight = 0;
  let blend = logistic;
  for (let step = 0; step <= 10; step++) {
    const lambda = step / 10;
    const candidate = intentDp.map((q, e) => sigmoid(lambda * logit(q) + (1 - lambda) * logit(logistic[e]!)));
    if (trainingLogLoss(candidate, r) < trainingLogLoss(blend, r)) {
      blend = candidate;
      blendWeight = lambda;
    }
  }
  const rows = [
    score('base rate (training parts)', base, r),
    score('logistic propensity, as shipped (initial bias + device SGD)', r.shipped, r),
    score('logistic propensity, global fit + device SGD (no DP)', global, r),
    score('Bayesian intent, default prior', intentPredictions(r, defaultBuyIntentPriors()), r),
    score('Bayesian intent, EB prior without noise', intentPredictions(r, noiseless), r),
    score(`Bayesian intent, EB prior with DP (ε ${epsilon})`, intentDp, r),
    score(`blend: λ ${blendWeight.toFixed(1)} × intent (DP) + ${(1 - blendWeight).toFixed(1)} × logistic, in logits`, blend, r),
  ];
  return { rows, priors: { noiseless, dp, sigma: round.sigma, devices: round.n, epsilon }, blendWeight };
}

function describePrior(p: BuyIntentPriors): string {
  return `pooled mean ${(p.pooled.alpha / (p.pooled.alpha + p.pooled.beta)).toFixed(3)}, strength ${(p.pooled.alpha + p.pooled.beta).toFixed(1)}`;
}

function table(rows: readonly BuyIntentRow[]): string {
  const lines = ['| model | log loss | Brier | F1 (threshold) | ECE |', '|---|---:|---:|---:|---:|'];
  for (const row of rows) lines.push(`| ${row.model} | ${row.logLoss.toFixed(4)} | ${row.brier.toFixed(4)} | ${row.f1.toFixed(3)} (${row.threshold.toFixed(3)}) | ${row.ece.toFixed(4)} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const which = f.dataset ?? 'both';
  const datasets = [...(which !== 'mt' ? [loadMovieLensBuys] : []), ...(which !== 'ml' ? [loadMovieTweetingsBuys] : [])];
  const seed = Number(f.seed ?? 1);
  for (const load of datasets) {
    const started = Date.now();
    const dataset = load();
    const report = buyIntentReport(dataset, { seed });
    const held = report.rows[0]!.events;
    console.log(`\n### ${dataset.name}: ${dataset.users.length} users, ${held} held-out events; proxy: ${dataset.proxy}\n`);
    console.log(table(report.rows));
    const { noiseless, dp, devices, sigma, epsilon } = report.priors;
    console.log(`\nPrior from ${devices} devices' training parts: ${describePrior(noiseless)} without noise; ${describePrior(dp)} with DP (ε ${epsilon}, σ ${sigma.toFixed(3)} per value). ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (f.sweep) {
      console.log('\nEvidence half-life (intent, EB prior with DP; log loss / Brier):');
      for (const days of [7, 30, 90, 365, Infinity]) {
        const rows = evaluateBuyIntent(dataset, { seed, intentHalfLifeMs: days * 86_400_000 });
        const row = rows.find((x) => x.model.startsWith('Bayesian intent, EB prior with DP'))!;
        console.log(`  ${days === Infinity ? 'never' : `${days} d`}: ${row.logLoss.toFixed(4)} / ${row.brier.toFixed(4)}`);
      }
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
