/**
 * The next-event model: a small GRU over the visitor's event sequence that predicts the category
 * and the action of their next event. Plain typed-array math, forward and backward by hand:
 * at ~2k parameters a step is a few thousand multiply-adds (bench/next-event.bench.ts prints
 * inference and training times against their budgets), and the same code runs in the Worker, in
 * the simulator and in the server without loading tfjs, which the SDK loads only for the tasks
 * that need tensors.
 *
 * One step's input x_t = [mean embedding of the event's known categories (E), action one-hot (6),
 * log time gap (1), "no known category" flag (1)]. The GRU (Cho et al. 2014):
 *   z = σ(x Wxz + h Whz + bz),  r = σ(x Wxr + h Whr + br),
 *   n = tanh(x Wxn + (r ⊙ h) Whn + bn),  h' = (1 − z) ⊙ n + z ⊙ h.
 * Heads on h': next category  logits_c = h' Wc + bc + Σ_j β_j log(share_j,c + ε)
 *              next action    logits_a = h' Wa + ba   (view / cart / buy / leave)
 * share_j is the visitor's category share under the j-th fixed decay (PERSONAL_DECAYS): the GRU
 * learns the population's transitions, β learns how much to trust the visitor's own repetition
 * at each time scale. β is the part that survives DP noise best (a handful of coordinates every
 * device pushes the same way), so the model starts as a blend of decays and the GRU adds to it.
 *
 * PARAMETER LAYOUT (flat Float32Array, the federated task averages it; a change is a new version):
 *   catEmbed [C, E] | Wx [I, 3H] (z, r, n) | Wh [H, 3H] (z, r, n) | b [3H] | Wc [H, C] | bc [C]
 *   | beta [D] | Wa [H, 4] | ba [4]        with I = E + 8, D = PERSONAL_DECAYS.length.
 * Matrices are row-major [in, out]: y_o = Σ_i x_i W[i·out + o].
 */

/** The actions a step records (what the visitor did). */
export const SEQUENCE_ACTIONS = ['view', 'cart', 'wishlist', 'buy', 'search', 'other'] as const;
export type SequenceAction = (typeof SEQUENCE_ACTIONS)[number];
/** The actions the model predicts for the next step; 'leave' = no further event this session. */
export const NEXT_ACTIONS = ['view', 'cart', 'buy', 'leave'] as const;
export type NextAction = (typeof NEXT_ACTIONS)[number];

/** A gap longer than this ends a session (the common web-analytics convention). */
export const SESSION_GAP_MS = 30 * 60_000;
/** Gaps are fed as log1p(seconds) / log1p(30 days), clipped to [0, 1]; a clock going backwards is a gap of 0. */
const GAP_SCALE = Math.log1p(30 * 86_400);
/**
 * The visitor's own category shares the heads see: half-lives in events (1 = the last event
 * dominates; Infinity = all-time counts) and one in time (a week), chosen by the sweep in
 * sim/experiments/next-event.ts (each alone is a "fixed decay" baseline there).
 */
export const PERSONAL_DECAYS: readonly PersonalDecay[] = [
  { kind: 'events', halfLife: 1 },
  { kind: 'events', halfLife: 4 },
  { kind: 'events', halfLife: 16 },
  { kind: 'events', halfLife: Infinity },
  { kind: 'time', halfLife: 7 * 86_400_000 },
];
export type PersonalDecay = { readonly kind: 'events' | 'time'; readonly halfLife: number };
/** Floor under a share inside the log: an unseen category is ~4.6 nats below a certain one. */
const SHARE_FLOOR = 0.01;

export interface NextEventShape {
  /** Categories the model knows (the task's vocabulary); others are "unknown". */
  readonly categories: number;
  readonly embed: number;
  readonly hidden: number;
}

/** One event as the model sees it. */
export interface SequenceStep {
  /** Indices into the vocabulary of the event's known categories (may be empty). */
  readonly categories: readonly number[];
  readonly action: SequenceAction;
  /** Milliseconds since the epoch. */
  readonly at: number;
}

/**
 * Hidden 16: the central ceiling in sim/experiments/next-event.ts is the same as at 32 (MovieTweetings
 * hit@1 0.4959 vs 0.4953) at 2,132 instead of 5,620 floats over 19 genres: a 8.6 KB upload.
 */
export const DEFAULT_NEXT_EVENT_SHAPE = { embed: 8, hidden: 16 } as const;

const ACTIONS = SEQUENCE_ACTIONS.length;
const NEXT = NEXT_ACTIONS.length;

/** Offsets of each tensor in the flat parameter vector. */
export interface NextEventLayout {
  readonly shape: NextEventShape;
  readonly inputs: number;
  readonly decays: number;
  readonly catEmbed: number;
  readonly wx: number;
  readonly wh: number;
  readonly b: number;
  readonly wc: number;
  readonly bc: number;
  readonly beta: number;
  readonly wa: number;
  readonly ba: number;
  readonly size: number;
}

export function nextEventLayout(shape: NextEventShape): NextEventLayout {
  for (const [field, value, max] of [['categories', shape.categories, 4096], ['embed', shape.embed, 256], ['hidden', shape.hidden, 512]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > max) throw new RangeError(`next-event shape: ${field} must be an integer in [1, ${max}]; got ${value}`);
  }
  const { categories: C, embed: E, hidden: H } = shape;
  const I = E + ACTIONS + 2;
  const D = PERSONAL_DECAYS.length;
  let at = 0;
  const take = (n: number): number => {
    const start = at;
    at += n;
    return start;
  };
  return {
    shape,
    inputs: I,
    decays: D,
    catEmbed: take(C * E),
    wx: take(I * 3 * H),
    wh: take(H * 3 * H),
    b: take(3 * H),
    wc: take(H * C),
    bc: take(C),
    beta: take(D),
    wa: take(H * NEXT),
    ba: take(NEXT),
    size: at,
  };
}

/** The tensors of the layout, in order, as the federated task's model header names them. */
export function nextEventTensors(shape: NextEventShape): { name: string; shape: number[] }[] {
  const { categories: C, embed: E, hidden: H } = shape;
  const I = E + ACTIONS + 2;
  return [
    { name: 'category_embedding', shape: [C, E] },
    { name: 'gru_input_weights', shape: [I, 3 * H] },
    { name: 'gru_recurrent_weights', shape: [H, 3 * H] },
    { name: 'gru_bias', shape: [3 * H] },
    { name: 'category_weights', shape: [H, C] },
    { name: 'category_bias', shape: [C] },
    { name: 'personal_decay_weights', shape: [PERSONAL_DECAYS.length] },
    { name: 'action_weights', shape: [H, NEXT] },
    { name: 'action_bias', shape: [NEXT] },
  ];
}

/**
 * A fresh model: small seeded-uniform weights (Glorot-scaled), β on the medium decays so an
 * untrained model already ranks like a blend of fixed decays, and the action bias at the
 * population's rough rates. `uniform` must return values in [0, 1) (a seeded generator; this is
 * initialisation, not privacy noise).
 */
export function initialNextEventWeights(shape: NextEventShape, uniform: () => number): Float32Array {
  const L = nextEventLayout(shape);
  const w = new Float32Array(L.size);
  const fill = (offset: number, n: number, fanIn: number, fanOut: number): void => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < n; i++) w[offset + i] = (2 * uniform() - 1) * limit;
  };
  const { categories: C, embed: E, hidden: H } = shape;
  fill(L.catEmbed, C * E, C, E);
  fill(L.wx, L.inputs * 3 * H, L.inputs, H);
  fill(L.wh, H * 3 * H, H, H);
  fill(L.wc, H * C, H, C);
  fill(L.wa, H * NEXT, H, NEXT);
  INITIAL_BETA.forEach((value, j) => (w[L.beta + j] = value));
  return w;
}

/** β before any training: mostly the 16-event and all-time shares (the best fixed decays in the sweep). */
const INITIAL_BETA = [0.1, 0.2, 0.4, 0.3, 0.1];

/** The personal category shares after each step, per decay: what the heads add to the GRU's logits. */
class PersonalShares {
  private readonly mass: Float64Array[];
  private readonly totals: Float64Array;
  private lastAt: number | null = null;

  constructor(private readonly categories: number) {
    this.mass = PERSONAL_DECAYS.map(() => new Float64Array(categories));
    this.totals = new Float64Array(PERSONAL_DECAYS.length);
  }

  add(step: SequenceStep): void {
    const gap = this.lastAt === null ? 0 : Math.max(0, step.at - this.lastAt);
    this.lastAt = this.lastAt === null ? step.at : Math.max(this.lastAt, step.at);
    PERSONAL_DECAYS.forEach((decay, j) => {
      const keep = decay.halfLife === Infinity ? 1 : Math.pow(2, -(decay.kind === 'events' ? 1 : gap) / decay.halfLife);
      const mass = this.mass[j]!;
      // The newest event always weighs 1 and older mass shrinks, so no value grows without
      // bound; mass too small to matter beside the newest event is dropped rather than left to
      // underflow into denormals.
      let total = 0;
      for (let c = 0; c < this.categories; c++) total += (mass[c]! *= keep);
      if (total < 1e-200) {
        mass.fill(0);
        total = 0;
      }
      const share = step.categories.length === 0 ? 0 : 1 / step.categories.length;
      for (const c of step.categories) mass[c]! += share;
      this.totals[j] = total + (step.categories.length === 0 ? 0 : 1);
    });
  }

  /** log(share + floor) for decay j, category c, into `out` [D × C]. */
  features(out: Float32Array): void {
    PERSONAL_DECAYS.forEach((_, j) => {
      const mass = this.mass[j]!;
      const total = this.totals[j]!;
      for (let c = 0; c < this.categories; c++) out[j * this.categories + c] = Math.log((total > 0 ? mass[c]! / total : 0) + SHARE_FLOOR);
    });
  }
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function softmaxInPlace(v: Float32Array): void {
  let max = -Infinity;
  for (const x of v) if (x > max) max = x;
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] = Math.exp(v[i]! - max);
  for (let i = 0; i < v.length; i++) v[i]! /= sum;
}

/** Encodes a step's input vector x (length I) into `out`. */
function encodeStep(L: NextEventLayout, w: Float32Array, step: SequenceStep, previousAt: number | null, out: Float32Array): void {
  const E = L.shape.embed;
  out.fill(0);
  const known = step.categories;
  for (const c of known) for (let e = 0; e < E; e++) out[e]! += w[L.catEmbed + c * E + e]! / known.length;
  out[E + SEQUENCE_ACTIONS.indexOf(step.action)] = 1;
  const gapSeconds = previousAt === null ? 0 : Math.max(0, step.at - previousAt) / 1000;
  out[E + ACTIONS] = Math.min(1, Math.log1p(gapSeconds) / GAP_SCALE);
  out[E + ACTIONS + 1] = known.length === 0 ? 1 : 0;
}

/** Everything one forward step keeps for the backward pass. */
interface StepCache {
  x: Float32Array;
  hPrev: Float32Array;
  z: Float32Array;
  r: Float32Array;
  n: Float32Array;
  h: Float32Array;
  personal: Float32Array;
  pCategory: Float32Array;
  pAction: Float32Array;
}

/** One GRU step (cache.z/r/n/h from cache.x/hPrev), then both heads unless `heads` is false. */
function forwardStep(L: NextEventLayout, w: Float32Array, s: StepCache, heads = true): void {
  const { hidden: H, categories: C } = L.shape;
  const I = L.inputs;
  const H3 = 3 * H;
  const pre = new Float32Array(H3);
  for (let o = 0; o < H3; o++) pre[o] = w[L.b + o]!;
  for (let i = 0; i < I; i++) {
    const xi = s.x[i]!;
    if (xi === 0) continue;
    const row = L.wx + i * H3;
    for (let o = 0; o < H3; o++) pre[o]! += xi * w[row + o]!;
  }
  // z and r see h; n sees r ⊙ h.
  for (let i = 0; i < H; i++) {
    const hi = s.hPrev[i]!;
    if (hi === 0) continue;
    const row = L.wh + i * H3;
    for (let o = 0; o < 2 * H; o++) pre[o]! += hi * w[row + o]!;
  }
  for (let k = 0; k < H; k++) {
    s.z[k] = sigmoid(pre[k]!);
    s.r[k] = sigmoid(pre[H + k]!);
  }
  for (let i = 0; i < H; i++) {
    const rh = s.r[i]! * s.hPrev[i]!;
    if (rh === 0) continue;
    const row = L.wh + i * H3 + 2 * H;
    for (let k = 0; k < H; k++) pre[2 * H + k]! += rh * w[row + k]!;
  }
  for (let k = 0; k < H; k++) {
    s.n[k] = Math.tanh(pre[2 * H + k]!);
    s.h[k] = (1 - s.z[k]!) * s.n[k]! + s.z[k]! * s.hPrev[k]!;
  }
  if (!heads) return;
  for (let c = 0; c < C; c++) {
    let v = w[L.bc + c]!;
    for (let j = 0; j < L.decays; j++) v += w[L.beta + j]! * s.personal[j * C + c]!;
    s.pCategory[c] = v;
  }
  for (let k = 0; k < H; k++) {
    const hk = s.h[k]!;
    const row = L.wc + k * C;
    for (let c = 0; c < C; c++) s.pCategory[c]! += hk * w[row + c]!;
  }
  softmaxInPlace(s.pCategory);
  for (let a = 0; a < NEXT; a++) {
    let v = w[L.ba + a]!;
    for (let k = 0; k < H; k++) v += s.h[k]! * w[L.wa + k * NEXT + a]!;
    s.pAction[a] = v;
  }
  softmaxInPlace(s.pAction);
}

function newCache(L: NextEventLayout, hPrev: Float32Array): StepCache {
  const H = L.shape.hidden;
  return {
    x: new Float32Array(L.inputs),
    hPrev,
    z: new Float32Array(H),
    r: new Float32Array(H),
    n: new Float32Array(H),
    h: new Float32Array(H),
    personal: new Float32Array(L.decays * L.shape.categories),
    pCategory: new Float32Array(L.shape.categories),
    pAction: new Float32Array(NEXT),
  };
}

/** What the model says after the last step of a sequence. */
export interface NextEventPrediction {
  /** P(next event's category = c), over the vocabulary (sums to 1). */
  readonly categories: Float32Array;
  /** P(next action), in NEXT_ACTIONS order (sums to 1). */
  readonly actions: Float32Array;
}

/**
 * Runs the model over a sequence (oldest first) and returns the prediction after each step:
 * predictions[t] is about the event that follows steps[t]. Steps with a timestamp before the
 * previous one are treated as simultaneous (a clock that went backwards).
 */
export function predictSequence(shape: NextEventShape, weights: Float32Array, steps: readonly SequenceStep[]): NextEventPrediction[] {
  return run(shape, weights, steps, true);
}

/** The prediction after the whole sequence, or null for an empty one (the heads run once, at the end). */
export function predictNext(shape: NextEventShape, weights: Float32Array, steps: readonly SequenceStep[]): NextEventPrediction | null {
  return run(shape, weights, steps, false)[0] ?? null;
}

/** The recurrence over `steps`; the heads after every step, or only after the last. */
function run(shape: NextEventShape, weights: Float32Array, steps: readonly SequenceStep[], everyStep: boolean): NextEventPrediction[] {
  const L = checkedLayout(shape, weights);
  const shares = new PersonalShares(shape.categories);
  let h: Float32Array = new Float32Array(shape.hidden);
  let previousAt: number | null = null;
  const out: NextEventPrediction[] = [];
  steps.forEach((step, t) => {
    const heads = everyStep || t === steps.length - 1;
    const s = newCache(L, h);
    checkStep(step, shape.categories);
    encodeStep(L, weights, step, previousAt, s.x);
    shares.add(step);
    if (heads) shares.features(s.personal);
    forwardStep(L, weights, s, heads);
    if (heads) out.push({ categories: s.pCategory, actions: s.pAction });
    h = s.h;
    previousAt = previousAt === null ? step.at : Math.max(previousAt, step.at);
  });
  return out;
}

/** The action that followed step t, as the action head's target. */
export function nextActionTarget(step: SequenceStep, next: SequenceStep | undefined): NextAction | null {
  if (next === undefined) return null;
  if (next.at - step.at > SESSION_GAP_MS) return 'leave';
  switch (next.action) {
    case 'cart':
      return 'cart';
    case 'buy':
      return 'buy';
    case 'view':
    case 'wishlist':
    case 'search':
    case 'other':
      return 'view';
    default: {
      const unhandled: never = next.action;
      throw new TypeError(`unhandled action ${String(unhandled)}`);
    }
  }
}

export interface LossAndGradient {
  /** Mean cross-entropy per target (category + actionWeight × action). */
  readonly loss: number;
  /** d loss / d weights, same layout; all zero when the sequence has no target. */
  readonly gradient: Float32Array;
  readonly targets: number;
}

/** Weight of the action head's loss beside the category head's. */
export const ACTION_LOSS_WEIGHT = 0.5;

/**
 * Loss and gradient over one sequence by backpropagation through time: each step predicts the
 * next one (the category target is uniform over its known categories; steps whose successor has
 * none are skipped for the category head).
 */
export function lossAndGradient(shape: NextEventShape, weights: Float32Array, steps: readonly SequenceStep[]): LossAndGradient {
  const L = checkedLayout(shape, weights);
  const { hidden: H, categories: C, embed: E } = shape;
  const I = L.inputs;
  const H3 = 3 * H;
  const grad = new Float32Array(L.size);
  const caches: StepCache[] = [];
  const shares = new PersonalShares(C);
  let h: Float32Array = new Float32Array(H);
  let previousAt: number | null = null;
  for (const step of steps) {
    checkStep(step, C);
    const s = newCache(L, h);
    encodeStep(L, weights, step, previousAt, s.x);
    shares.add(step);
    shares.features(s.personal);
    forwardStep(L, weights, s);
    caches.push(s);
    h = s.h;
    previousAt = previousAt === null ? step.at : Math.max(previousAt, step.at);
  }
  let loss = 0;
  let targets = 0;
  const dLogitsC: (Float32Array | null)[] = [];
  const dLogitsA: (Float32Array | null)[] = [];
  for (let t = 0; t < steps.length; t++) {
    const next = steps[t + 1];
    const s = caches[t]!;
    let dc: Float32Array | null = null;
    if (next !== undefined && next.categories.length > 0) {
      dc = Float32Array.from(s.pCategory);
      for (const c of next.categories) {
        const y = 1 / next.categories.length;
        dc[c]! -= y;
        loss -= y * Math.log(Math.max(s.pCategory[c]!, 1e-12));
      }
      targets++;
    }
    dLogitsC.push(dc);
    const action = nextActionTarget(steps[t]!, next);
    let da: Float32Array | null = null;
    if (action !== null) {
      const a = NEXT_ACTIONS.indexOf(action);
      da = Float32Array.from(s.pAction, (p) => p * ACTION_LOSS_WEIGHT);
      da[a]! -= ACTION_LOSS_WEIGHT;
      loss -= ACTION_LOSS_WEIGHT * Math.log(Math.max(s.pAction[a]!, 1e-12));
    }
    dLogitsA.push(da);
  }
  const norm = targets === 0 ? 0 : 1 / targets;
  let dhNext: Float32Array = new Float32Array(H);
  for (let t = steps.length - 1; t >= 0; t--) {
    const s = caches[t]!;
    const dh = dhNext;
    const dc = dLogitsC[t];
    if (dc) {
      for (let c = 0; c < C; c++) {
        const g = dc[c]! * norm;
        if (g === 0) continue;
        grad[L.bc + c]! += g;
        for (let j = 0; j < L.decays; j++) grad[L.beta + j]! += g * s.personal[j * C + c]!;
      }
      for (let k = 0; k < H; k++) {
        const row = L.wc + k * C;
        let acc = 0;
        for (let c = 0; c < C; c++) {
          const g = dc[c]! * norm;
          grad[row + c]! += s.h[k]! * g;
          acc += weights[row + c]! * g;
        }
        dh[k]! += acc;
      }
    }
    const da = dLogitsA[t];
    if (da) {
      for (let a = 0; a < NEXT; a++) grad[L.ba + a]! += da[a]! * norm;
      for (let k = 0; k < H; k++) {
        let acc = 0;
        for (let a = 0; a < NEXT; a++) {
          const g = da[a]! * norm;
          grad[L.wa + k * NEXT + a]! += s.h[k]! * g;
          acc += weights[L.wa + k * NEXT + a]! * g;
        }
        dh[k]! += acc;
      }
    }
    // Through h' = (1 − z) n + z h.
    const dPre = new Float32Array(H3);
    const dhPrev = new Float32Array(H);
    for (let k = 0; k < H; k++) {
      const z = s.z[k]!;
      const n = s.n[k]!;
      const dn = dh[k]! * (1 - z);
      const dz = dh[k]! * (s.hPrev[k]! - n);
      dhPrev[k] = dh[k]! * z;
      dPre[k] = dz * z * (1 - z);
      dPre[2 * H + k] = dn * (1 - n * n);
    }
    // n's pre-activation saw (r ⊙ h) Whn.
    for (let i = 0; i < H; i++) {
      const row = L.wh + i * H3 + 2 * H;
      const rh = s.r[i]! * s.hPrev[i]!;
      let dRh = 0;
      for (let k = 0; k < H; k++) {
        grad[row + k]! += rh * dPre[2 * H + k]!;
        dRh += weights[row + k]! * dPre[2 * H + k]!;
      }
      const r = s.r[i]!;
      dPre[H + i] = dRh * s.hPrev[i]! * r * (1 - r);
      dhPrev[i]! += dRh * r;
    }
    // z and r saw h Whz, h Whr.
    for (let i = 0; i < H; i++) {
      const row = L.wh + i * H3;
      const hi = s.hPrev[i]!;
      let acc = 0;
      for (let o = 0; o < 2 * H; o++) {
        grad[row + o]! += hi * dPre[o]!;
        acc += weights[row + o]! * dPre[o]!;
      }
      dhPrev[i]! += acc;
    }
    for (let o = 0; o < H3; o++) grad[L.b + o]! += dPre[o]!;
    const dx = new Float32Array(E);
    for (let i = 0; i < I; i++) {
      const xi = s.x[i]!;
      const row = L.wx + i * H3;
      let acc = 0;
      for (let o = 0; o < H3; o++) {
        if (xi !== 0) grad[row + o]! += xi * dPre[o]!;
        if (i < E) acc += weights[row + o]! * dPre[o]!;
      }
      if (i < E) dx[i] = acc;
    }
    const known = steps[t]!.categories;
    for (const c of known) for (let e = 0; e < E; e++) grad[L.catEmbed + c * E + e]! += dx[e]! / known.length;
    dhNext = dhPrev;
  }
  return { loss: loss * norm, gradient: grad, targets };
}

function checkedLayout(shape: NextEventShape, weights: Float32Array): NextEventLayout {
  const L = nextEventLayout(shape);
  if (weights.length !== L.size) throw new RangeError(`next-event weights: expected ${L.size} floats for ${JSON.stringify(shape)}, got ${weights.length}`);
  return L;
}

function checkStep(step: SequenceStep, categories: number): void {
  for (const c of step.categories) {
    if (!Number.isInteger(c) || c < 0 || c >= categories) throw new RangeError(`sequence step: category index must be an integer in [0, ${categories}); got ${c}`);
  }
  if (!Number.isFinite(step.at)) throw new RangeError(`sequence step: at must be a finite number; got ${step.at}`);
}

/**
 * Local training: `epochs` passes of plain SGD over the sequence (one gradient step per window of
 * `window` steps, newest window first), returning new weights. (The update as a whole is clipped
 * by the task's privatization, core/dp.)
 */
export function trainOnSequence(
  shape: NextEventShape,
  weights: Float32Array,
  steps: readonly SequenceStep[],
  options: { readonly learningRate: number; readonly epochs: number; readonly window: number },
): { weights: Float32Array; loss: number; windows: number } {
  const w = Float32Array.from(weights);
  let loss = 0;
  let windows = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let end = steps.length; end > 1; end -= options.window) {
      const start = Math.max(0, end - options.window - 1);
      const g = lossAndGradient(shape, w, steps.slice(start, end));
      if (g.targets === 0) continue;
      for (let i = 0; i < w.length; i++) w[i]! -= options.learningRate * g.gradient[i]!;
      loss += g.loss;
      windows++;
    }
  }
  return { weights: w, loss: windows === 0 ? 0 : loss / windows, windows };
}
