/**
 * The population prior of purchase intent, P(buy | engaged with category c) (issue 11), as a DP
 * aggregate: the layout shared by the device (worker/federated/buy-intent-task.ts builds its
 * contribution, worker/features/intent.ts reads the prior) and the aggregator (server/tasks.ts
 * 'buy-intent', a plain histogram sum), and the empirical-Bayes fit that turns a released sum into
 * one Beta prior per category. Isomorphic; measured in sim/experiments/buy-intent.ts.
 *
 * Model. Visitor u's chance to buy a product of category c once engaged with it is p_u ~
 * Beta(α_c, β_c); of n_u engagements, y_u end in a purchase, y_u | p_u ~ Binomial(n_u, p_u). With
 * μ = α/(α + β) and φ = 1/(α + β + 1), the visitor's rate r_u = y_u/n_u has
 *   E[r_u] = μ,   E[r_u²] = μ² + μ(1 − μ)(φ + (1 − φ)/n_u)                       (method of moments)
 * whatever n_u, so sums over devices of w_u, w_u·r_u, w_u·r_u² and w_u/n_u (any weights w_u that do
 * not depend on r_u) give μ and φ — i.e. α and β — by two linear equations.
 *
 * Layout ('buy-intent' model and upload): one tensor per category, NAMED BY THE CATEGORY (so a
 * released model says which bins are whose without the task's descriptor), shape [4]:
 *   [ Σ w,  Σ w·r,  Σ w·r²,  Σ w/n ]   over the devices with ≥ 1 engagement in the category,
 * w = 1/(2√k) for a device reporting k categories: each category's four values are in [0, 1], so
 * its block has L2 ≤ 2·w and the whole vector L2 ≤ 1 = the task's clip bound, whatever the
 * history (nothing is scaled by the clip, which would weigh rates unevenly). n is the device's
 * decayed engagement count (not an integer: Var[r | n] = μ(1 − μ)/n is then an approximation).
 */

/** What one device knows about one category (worker/features/intent.ts intentEvidence). */
export interface CategoryEvidence {
  readonly category: string;
  /** Decayed engagements with products of the category (each product counts once). */
  readonly engagements: number;
  /** Decayed purchases among them (≤ engagements). */
  readonly buys: number;
}

export interface BetaPrior {
  readonly alpha: number;
  readonly beta: number;
}

export interface BuyIntentPriors {
  /** 'population': fitted from a released aggregate; 'default': nothing released reached this device yet. */
  readonly source: 'default' | 'population';
  /** The 'buy-intent' model version it was fitted from (null for the default). */
  readonly version: number | null;
  readonly categories: ReadonlyMap<string, BetaPrior>;
  /** For categories the release does not name (or names with too little weight). */
  readonly pooled: BetaPrior;
}

export const BUY_INTENT_TASK = 'buy-intent';
/** The four values of each category's tensor, in order. */
export const BUY_INTENT_STATS = ['weight', 'rate', 'rateSquared', 'inverseEngagements'] as const;
const STATS = BUY_INTENT_STATS.length;

/** A device reports a category only from one engagement's worth of evidence (n ≥ 1 keeps 1/n ≤ 1). */
export const MIN_REPORTED_ENGAGEMENTS = 1;

/**
 * The prior before any release: mean 5 % (a product page's typical view-to-order conversion in
 * e-commerce is a few per cent) at strength α + β = 2, worth two engagements, so a visitor's own
 * evidence dominates after a handful of them. Deliberately weak: it is a guess, not a measurement.
 */
export const DEFAULT_BUY_INTENT_PRIOR: BetaPrior = { alpha: 0.1, beta: 1.9 };

/**
 * Bounds on the fitted strength α + β (sim/experiments/README.md). Fitted without noise from 200
 * devices it was 4.5–5.0 on ml-latest-small and 1.1–1.8 on MovieTweetings (seeds 1–5; most of its
 * visitors rate all or nothing); below 1 a prior carries less than one engagement's worth. Errors cost
 * unevenly: a prior too strong swamps every visitor's evidence (a DP release that said 53 where the
 * noiseless fit said 4.9 lost 0.036 in log loss), one too weak costs little (the default prior,
 * strength 2, lost 0.003 to the fitted one). Hence the cap at 20, ~4× the largest strength
 * measured, and a φ that the noise made ≤ 0 (no measurable spread) gets the weakest prior, not the
 * strongest: the data did not measure the heterogeneity.
 */
export const MIN_PRIOR_STRENGTH = 1;
export const MAX_PRIOR_STRENGTH = 20;
/** Means stay inside (0, 1) so that α, β > 0. */
const MEAN_FLOOR = 1e-3;
/**
 * Pseudo-weight of the pooled mean in each category's mean, (Σw·r + m·μ_pooled)/(Σw + m): a category
 * few devices reported (whose noisy Σw is a few noise standard deviations at most) gets about the
 * pooled mean, a common one its own. m = 2 ≈ three times the sum's noise σ at the task's ε
 * (0.69 for the one round of server/tasks.ts at ε 8), about 15 typical devices' weight.
 */
export const CATEGORY_SHRINK_WEIGHT = 2;

/** The model's tensors for these categories (server/tasks.ts). */
export function buyIntentTensors(categories: readonly string[]): { readonly name: string; readonly shape: readonly number[] }[] {
  checkCategories(categories, 'categories');
  return categories.map((name) => ({ name, shape: [STATS] }));
}

/** The categories a 'buy-intent' model describes, from its tensors; a RangeError names what is wrong. */
export function buyIntentCategories(tensors: readonly { readonly name: string; readonly shape: readonly number[] }[]): string[] {
  tensors.forEach((t, i) => {
    if (t.shape.length !== 1 || t.shape[0] !== STATS) throw new RangeError(`tensors[${i}] (${t.name}): a buy-intent category holds [${BUY_INTENT_STATS.join(', ')}], shape [${STATS}]; got [${t.shape.join(', ')}]`);
  });
  const categories = tensors.map((t) => t.name);
  checkCategories(categories, 'tensors');
  return categories;
}

function checkCategories(categories: readonly string[], field: string): void {
  if (categories.length === 0) throw new RangeError(`${field}: a buy-intent model needs at least one category`);
  if (new Set(categories).size !== categories.length) throw new RangeError(`${field}: categories must be distinct`);
  categories.forEach((c, i) => {
    if (typeof c !== 'string' || c.length === 0) throw new RangeError(`${field}[${i}]: a category must be a non-empty string`);
  });
}

/**
 * One device's upload over `categories` (the model's, in order), or null when it has nothing to
 * report. Evidence for a category outside the list counts towards its top-level category ('A/B' →
 * 'A') when that one is listed, else is left out.
 * @example encodeBuyIntentUpdate(['Drama', 'Comedy'], [{ category: 'Drama', engagements: 4, buys: 1 }]);
 */
export function encodeBuyIntentUpdate(categories: readonly string[], evidence: readonly CategoryEvidence[]): Float32Array | null {
  const index = new Map(categories.map((c, i) => [c, i]));
  const totals = new Map<number, { engagements: number; buys: number }>();
  for (const e of evidence) {
    if (!(e.engagements >= 0) || !(e.buys >= 0) || !Number.isFinite(e.engagements)) throw new RangeError(`evidence ${JSON.stringify(e.category)}: engagements and buys must be finite numbers ≥ 0`);
    const i = index.get(e.category) ?? index.get(e.category.split('/')[0] ?? '');
    if (i === undefined) continue;
    const total = totals.get(i) ?? { engagements: 0, buys: 0 };
    total.engagements += e.engagements;
    total.buys += e.buys;
    totals.set(i, total);
  }
  const reported = [...totals].filter(([, t]) => t.engagements >= MIN_REPORTED_ENGAGEMENTS);
  if (reported.length === 0) return null;
  const w = 1 / (2 * Math.sqrt(reported.length));
  const update = new Float32Array(categories.length * STATS);
  for (const [i, t] of reported) {
    const rate = Math.min(1, t.buys / t.engagements);
    update.set([w, w * rate, w * rate * rate, w / t.engagements], i * STATS);
  }
  return update;
}

function priorOf(mean: number, strength: number): BetaPrior {
  const m = Math.min(1 - MEAN_FLOOR, Math.max(MEAN_FLOOR, mean));
  return { alpha: m * strength, beta: (1 - m) * strength };
}

/**
 * The empirical-Bayes priors from a released (noised) sum in the layout above. Post-processing of
 * the release only, so free under DP; every output is a valid Beta (α, β > 0, strength within
 * [MIN_PRIOR_STRENGTH, MAX_PRIOR_STRENGTH]) whatever the noise did:
 * - negative weights count as 0 and Σw·r is clamped into [0, Σw];
 * - means: the pooled Σw·r/Σw, and per category shrunk towards it (CATEGORY_SHRINK_WEIGHT);
 * - strength: ONE for all categories, from the second-moment equation summed over the categories
 *   with Σw ≥ CATEGORY_SHRINK_WEIGHT (each with its own mean). Per-category strengths measured no
 *   better and less stable (200 devices, seeds 1–5, held-out log loss: ml-latest-small without
 *   noise 0.4287–0.4297 against 0.4281–0.4289 pooled; MovieTweetings with DP 0.4860–0.4992
 *   against 0.4857–0.4878);
 * - a release with less total weight than CATEGORY_SHRINK_WEIGHT is no information: the default.
 * @example fitBuyIntentPriors(['Drama'], [30, 6, 2.1, 9], 2);
 */
export function fitBuyIntentPriors(categories: readonly string[], sums: ArrayLike<number>, version: number | null): BuyIntentPriors {
  checkCategories(categories, 'categories');
  if (sums.length !== categories.length * STATS) throw new RangeError(`sums: expected ${categories.length * STATS} values (${STATS} per category); got ${sums.length}`);
  for (let i = 0; i < sums.length; i++) if (!Number.isFinite(sums[i]!)) throw new RangeError(`sums[${i}]: must be finite; got ${sums[i]}`);
  const stat = (c: number, s: number) => sums[c * STATS + s]!;
  const weights = categories.map((_, c) => Math.max(0, stat(c, 0)));
  const rated = categories.map((_, c) => Math.min(weights[c]!, Math.max(0, stat(c, 1))));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  if (!(totalWeight >= CATEGORY_SHRINK_WEIGHT)) return defaultBuyIntentPriors();
  const pooledMean = rated.reduce((a, b) => a + b, 0) / totalWeight;
  const means = categories.map((_, c) => (rated[c]! + CATEGORY_SHRINK_WEIGHT * pooledMean) / (weights[c]! + CATEGORY_SHRINK_WEIGHT));

  // Σ_c [S2 − μ²W − μ(1 − μ)V] = φ · Σ_c μ(1 − μ)(W − V), over categories with enough weight.
  let excess = 0;
  let spread = 0;
  categories.forEach((_, c) => {
    if (weights[c]! < CATEGORY_SHRINK_WEIGHT) return;
    const mu = means[c]!;
    const w = stat(c, 0);
    const v = stat(c, 3);
    excess += stat(c, 2) - mu * mu * w - mu * (1 - mu) * v;
    spread += mu * (1 - mu) * (w - v);
  });
  const phi = spread > 0 ? excess / spread : Number.NaN;
  // φ = 1/(α + β + 1): strength = 1/φ − 1. No usable spread (every device with one engagement) or
  // none measured (φ ≤ 0): the weakest prior (see MIN_PRIOR_STRENGTH).
  const strength = !(phi > 0) ? MIN_PRIOR_STRENGTH : Math.min(MAX_PRIOR_STRENGTH, Math.max(MIN_PRIOR_STRENGTH, 1 / phi - 1));
  const perCategory = new Map(categories.map((category, c) => [category, priorOf(means[c]!, strength)]));
  return { source: 'population', version, categories: perCategory, pooled: priorOf(pooledMean, strength) };
}

export function defaultBuyIntentPriors(): BuyIntentPriors {
  return { source: 'default', version: null, categories: new Map(), pooled: DEFAULT_BUY_INTENT_PRIOR };
}

/** The prior of `category`: its own, else its top-level category's ('A/B' → 'A'), else the pooled one. */
export function priorFor(priors: BuyIntentPriors, category: string): BetaPrior {
  return priors.categories.get(category) ?? priors.categories.get(category.split('/')[0] ?? '') ?? priors.pooled;
}
