/**
 * Bayesian purchase intent (issue 11): P(buy | engaged with category c) for this visitor, as the
 * Beta posterior
 *   Beta(α0_c + buys_c, β0_c + engagements_c − buys_c)
 * whose prior Beta(α0_c, β0_c) describes the population (empirical Bayes from the 'buy-intent' DP
 * aggregate, core/models/buy-intent.ts; a weak default until this device has received one), and
 * whose evidence is the visitor's own (intent-evidence.ts keeps it in the profile).
 */
import { priorFor, type BetaPrior, type BuyIntentPriors, type CategoryEvidence } from '../../core/models/buy-intent.js';
import { betaQuantile } from './beta.js';
import { readDecayed } from './decay.js';
import { intentEvidence, INTENT_HALF_LIFE_MS, type IntentState } from './intent-evidence.js';

/** The credible interval shown: equal-tailed 90 %, from the 5 % to the 95 % quantile. */
export const INTENT_INTERVAL = 0.9;

export interface BuyGivenClick {
  readonly category: string;
  /** Posterior mean. */
  readonly probability: number;
  /** The equal-tailed 90 % credible interval. */
  readonly low: number;
  readonly high: number;
}

/** Beta(α0 + buys, β0 + engagements − buys). */
export function posterior(prior: BetaPrior, evidence: Pick<CategoryEvidence, 'engagements' | 'buys'>): BetaPrior {
  return { alpha: prior.alpha + evidence.buys, beta: prior.beta + Math.max(0, evidence.engagements - evidence.buys) };
}

/** Posterior mean and equal-tailed credible interval. */
export function summarise(category: string, belief: BetaPrior): BuyGivenClick {
  const tail = (1 - INTENT_INTERVAL) / 2;
  return {
    category,
    probability: belief.alpha / (belief.alpha + belief.beta),
    low: betaQuantile(tail, belief.alpha, belief.beta),
    high: betaQuantile(1 - tail, belief.alpha, belief.beta),
  };
}

/**
 * profile().predictions.buyGivenClick: every category the visitor has evidence in, most likely
 * purchase first (ties by name).
 * @example buyGivenClick(profile.intent, Date.now(), defaultBuyIntentPriors());
 */
export function buyGivenClick(state: IntentState, now: number, priors: BuyIntentPriors, halfLifeMs = INTENT_HALF_LIFE_MS): BuyGivenClick[] {
  return intentEvidence(state, now, halfLifeMs)
    .map((e) => summarise(e.category, posterior(priorFor(priors, e.category), e)))
    .sort((a, b) => b.probability - a.probability || a.category.localeCompare(b.category));
}

/**
 * P(buy) of an engagement with a product of `categories`: the mean of its categories' posterior
 * means (a film in Drama and Crime is as likely bought as the two say on average); the pooled
 * prior's mean for a product without categories.
 */
export function predictBuy(state: IntentState, categories: readonly string[], now: number, priors: BuyIntentPriors, halfLifeMs = INTENT_HALF_LIFE_MS): number {
  if (categories.length === 0) return priors.pooled.alpha / (priors.pooled.alpha + priors.pooled.beta);
  let sum = 0;
  for (const category of categories) {
    const entry = state.find((e) => e.category === category);
    const buys = readDecayed(entry?.bought, now, halfLifeMs);
    const belief = posterior(priorFor(priors, category), { buys, engagements: buys + readDecayed(entry?.notBought, now, halfLifeMs) });
    sum += belief.alpha / (belief.alpha + belief.beta);
  }
  return sum / categories.length;
}
