/**
 * The "Predictions" panel of "Your data" (issue 11 §4): what the profile predicts about this
 * visitor, in plain words, and why: what each prediction is made from, with the steps it read.
 * Everything comes from `inkling.profile()` on this device. The wording functions are pure (tested
 * in Node, predictions.test.ts); `predictionsPanel` builds the DOM.
 */
import { h } from '../ui/dom.js';
import type { Predictions, SequenceStep } from '../inkling.js';

/** Categories named in "Likely next": the rest are small and only crowd the line. */
const LIKELY_NEXT_SHOWN = 3;
/** Categories listed under "If you open a film of…". */
const BUY_GIVEN_CLICK_SHOWN = 4;

/** "34 %", "< 1 %" (a rounded 0 would read as "impossible"). */
export function percent(p: number): string {
  const rounded = Math.round(p * 100);
  return rounded === 0 && p > 0 ? '< 1 %' : `${rounded} %`;
}

/** "Sci-Fi 34 %, Drama 21 %", or null when there is nothing to say yet. */
export function likelyNext(next: Predictions['nextCategories']): string | null {
  if (next === undefined || next.length === 0) return null;
  return next.slice(0, LIKELY_NEXT_SHOWN).map((c) => `${c.category} ${percent(c.probability)}`).join(', ');
}

/** One step, as the visitor would say it: "viewed a film (Comedy)". */
export function stepInWords(step: SequenceStep): string {
  const categories = step.categories.length === 0 ? '' : ` (${step.categories.join(', ')})`;
  switch (step.action) {
    case 'view':
      return `viewed a film${categories}`;
    case 'cart':
      return `added a film to the cart${categories}`;
    case 'wishlist':
      return `saved a film for later${categories}`;
    case 'buy':
      return `bought${categories || ' films'}`;
    case 'search':
      return 'searched';
    case 'other':
      // A list (a genre page), a filter, a share or the checkout: a list is by far the most common.
      return categories ? `browsed a list${categories}` : 'browsed a list or the checkout';
    default: {
      const unknown: never = step.action;
      return String(unknown);
    }
  }
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function ago(at: number, now: number): string {
  const minutes = Math.floor(Math.max(0, now - at) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return days === 1 ? '1 day ago' : `${days} days ago`;
}

/** The "why" lines: what each prediction shown is made from. */
export function whyLines(predictions: Predictions): string[] {
  const lines: string[] = [];
  if (predictions.nextCategories !== undefined) {
    lines.push('“Likely next” reads the order of your latest steps on this shop (below), which are kept only in this browser.');
    lines.push(predictions.nextAction
      ? 'It reads them through the shop’s shared model. Every visitor’s browser trains that model a little and sends only a clipped, noised update (listed under “What left this browser”); the model never saw your steps.'
      : 'The shop has no trained model yet, so there is no guess about your next action; “likely next” comes from your own categories alone, recent ones weighing most.');
  }
  lines.push('“Next visit” comes from your recent visits, carts and orders, through a small model on this device.');
  if (predictions.buyGivenClick !== undefined) {
    lines.push('“If you open a film of…” starts from what is typical for all the shop’s visitors (learned privately, from noised totals) and moves with what you did; the range narrows as you browse more.');
  }
  return lines;
}

export function predictionsPanel(predictions: Predictions, now: number): HTMLElement {
  const fact = (label: string, value: string, testId: string): HTMLElement =>
    h('div', { class: 'fact', 'data-testid': testId }, h('span', { class: 'fact__label' }, label), h('strong', { class: 'fact__value' }, value));
  const steps = predictions.recentSteps ?? [];
  const buyGivenClick = predictions.buyGivenClick;
  return h('section', { class: 'panel panel--wide', 'data-testid': 'predictions' },
    h('h2', {}, 'Predictions'),
    predictions.nextCategories === undefined ? null : fact('Likely next', likelyNext(predictions.nextCategories) ?? 'nothing yet: view a film or two', 'next-categories'),
    predictions.nextAction === undefined ? null : fact('Chance your next step this visit is a purchase',
      predictions.nextAction === null ? 'no guess yet: the shop has no trained model' : percent(predictions.nextAction.buy), 'next-buy'),
    fact('Likelihood to buy next visit', percent(predictions.purchasePropensity), 'propensity'),
    h('div', { class: 'meter' }, h('span', { style: `width:${predictions.purchasePropensity * 100}%` })),
    buyGivenClick === undefined || buyGivenClick.length === 0 ? null : h('div', { 'data-testid': 'buy-given-click' },
      h('h3', {}, 'If you open a film of…'),
      buyGivenClick.slice(0, BUY_GIVEN_CLICK_SHOWN).map((c) =>
        fact(c.category, `${percent(c.probability)} chance you buy it (likely ${percent(c.low)} to ${percent(c.high)})`, 'buy-given-click-row')),
    ),
    h('h3', {}, 'Why'),
    h('ul', { class: 'note', 'data-testid': 'predictions-why' }, whyLines(predictions).map((line) => h('li', {}, line))),
    steps.length === 0 ? null : h('p', { class: 'note' }, 'Your latest steps, newest first: the last ones the predictions read.'),
    steps.length === 0 ? null : h('ol', { class: 'note', 'data-testid': 'recent-steps', reversed: true },
      // Newest first: the step the prediction continues from leads.
      [...steps].reverse().map((step) => h('li', {}, `${stepInWords(step)} · ${ago(step.at, now)}`))),
  );
}
