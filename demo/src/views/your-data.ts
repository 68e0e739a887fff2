/**
 * "Your data": everything Inkling keeps about this visitor, read from `inkling.profile()` on
 * this device (its predictions in words, and why: predictions.ts; its segment from
 * `inkling.segment()` and what left for it), with Export (a JSON download
 * of everything stored) and Forget (erase it all).
 * Nothing on this page comes from a server.
 */
import { h, formatPrice } from '../ui/dom.js';
import { genreColour } from '../ui/poster.js';
import { inkling, withInkling, type PrivacyBudgetView, type ProfileView, type SegmentView } from '../inkling.js';
import { consentChoice, setConsent } from '../consent.js';
import type { ShopContext } from '../context.js';
import { predictionsPanel } from './predictions.js';

const TOP_INTERESTS = 8;

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function interestBars(profile: ProfileView): HTMLElement {
  const top = [...profile.interests].sort((a, b) => b.shortTerm + b.longTerm - (a.shortTerm + a.longTerm)).slice(0, TOP_INTERESTS);
  if (top.length === 0) return h('p', { class: 'empty', 'data-testid': 'interests-empty' }, 'No interests yet: browse a few films.');
  const maxShort = Math.max(...top.map((i) => i.shortTerm), 1e-9);
  const maxLong = Math.max(...top.map((i) => i.longTerm), 1e-9);
  return h('div', { class: 'interests', 'data-testid': 'interests' },
    h('div', { class: 'legend' }, h('span', { class: 'legend__short' }, 'this session (short term)'), h('span', { class: 'legend__long' }, 'over time (long term)'), h('span', {}, 'share of your attention, session · over time')),
    top.map((interest) =>
      h('div', { class: 'interest', 'data-category': interest.category, 'data-testid': 'interest-row' },
        h('span', { class: 'interest__name' }, interest.category,
          h('small', { class: 'interest__value' }, `${Math.round(interest.shortTerm * 100)} % · ${Math.round(interest.longTerm * 100)} %`)),
        h('div', { class: 'interest__bars', style: `--accent:${genreColour(interest.category)}` },
          h('span', { class: 'bar bar--short', style: `width:${(interest.shortTerm / maxShort) * 100}%`, title: `short-term ${interest.shortTerm.toFixed(3)}` }),
          h('span', { class: 'bar bar--long', style: `width:${(interest.longTerm / maxLong) * 100}%`, title: `long-term ${interest.longTerm.toFixed(3)}` }),
        ),
      ),
    ),
  );
}

function fact(label: string, value: string, testId?: string): HTMLElement {
  return h('div', { class: 'fact', 'data-testid': testId ?? null }, h('span', { class: 'fact__label' }, label), h('strong', { class: 'fact__value' }, value));
}

/** What a receipt's size column adds about its delivery (a charge is written before its upload). */
const DELIVERY_NOTE: Record<ProfileView['privacy']['receipts'][number]['status'], string> = {
  sent: '',
  pending: ', not sent yet',
  expired: ', never sent: its round closed first',
};

function receipts(profile: ProfileView): HTMLElement {
  const list = profile.privacy.receipts;
  if (list.length === 0) return h('p', { class: 'empty', 'data-testid': 'receipts-empty' }, 'Nothing has left this browser. When it helps train the shared model, each noised contribution is listed here.');
  return h('div', {},
    h('table', { class: 'table', 'data-testid': 'receipts' },
      h('thead', {}, h('tr', {}, ['When', 'Task', 'Round', 'How it was protected', 'ε charged', 'ε if both servers collude', 'Size'].map((c) => h('th', {}, c)))),
      h('tbody', {}, [...list].reverse().map((r) =>
        h('tr', { 'data-protection': r.protection },
          h('td', {}, new Date(r.at).toLocaleString()),
          h('td', {}, r.task),
          h('td', {}, r.round),
          h('td', {}, r.protection === 'secure-aggregation' ? 'split between two servers' : 'noised on this device'),
          h('td', {}, r.epsilon.toFixed(3)),
          h('td', {}, r.collusionEpsilon.toFixed(r.collusionEpsilon >= 100 ? 0 : 3)),
          h('td', {}, formatBytes(r.bytes) + DELIVERY_NOTE[r.status]),
        ))),
    ),
    protectionExplained(list),
  );
}

/** The two guarantees in words: what each receipt's two ε mean for this visitor. */
function protectionExplained(list: ProfileView['privacy']['receipts']): HTMLElement | null {
  if (!list.some((r) => r.protection === 'secure-aggregation')) return null;
  return h('p', { class: 'note', 'data-testid': 'protection-explained' },
    'Each contribution was split into two random-looking halves: one went to the shop’s server, the other sealed so only a second, independent server can open it. ',
    'Neither server alone learns anything about your contribution, and the models only ever see the sum over many visitors, with noise that every visitor adds a share of. ',
    '“ε charged” is your protection against anyone who sees the models or one server. ',
    'If both servers worked together against you, they could rebuild your contribution and only the noise this browser added would remain: that weaker protection is the last ε column.');
}

function budgets(profile: ProfileView): HTMLElement | null {
  if (profile.privacy.budgets.length === 0) return null;
  return h('div', { class: 'budgets' }, profile.privacy.budgets.map((b) => {
    const share = b.rhoLimit > 0 ? Math.min(1, b.rhoSpent / b.rhoLimit) : 0;
    return h('div', { class: 'budget' },
      h('span', {}, `${b.task}: ${(share * 100).toFixed(0)} % of this ${b.windowDays}-day privacy budget used`),
      h('div', { class: 'meter' }, h('span', { style: `width:${share * 100}%` })),
      b.period === undefined ? null : periodInWords(b.task, b.period),
    );
  }));
}

/**
 * A fixed-schedule report in words: one report a period whatever the visitor did, ε per period
 * that renews, and the honest total: the periods' costs add up (they compose), which the
 * rolling budget above also counts.
 */
function periodInWords(task: string, p: NonNullable<PrivacyBudgetView['period']>): HTMLElement {
  const per = p.days === 1 ? 'day' : `${p.days} days`;
  const renews = new Date(p.renewsAt).toLocaleString();
  return h('p', { class: 'note', 'data-testid': `period-budget-${task}` },
    `${task} sends one report per ${per} whether or not you did anything here (the same size every time, zeros when you did nothing), so taking part says nothing about your visits. `,
    `Its privacy budget is per ${per} and renews: at most ε ${p.epsilonPerPeriod.toFixed(2)} per ${per} (ε ${p.epsilonThisPeriod.toFixed(3)} used in this one; it renews ${renews}). `,
    `Over several ${p.days === 1 ? 'days' : 'periods'} the costs add up: the ${p.periodsReported} report${p.periodsReported === 1 ? '' : 's'} this browser sent compose to ε ${p.epsilonComposed.toFixed(3)} in all.`);
}

function download(data: unknown): void {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: `inkling-export-${new Date().toISOString().slice(0, 10)}.json` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function yourDataView(context: ShopContext): HTMLElement {
  if (!inkling()) return h('div', { class: 'page' }, h('h1', {}, 'Your data'), h('p', { class: 'empty' }, 'Inkling is not running on this page, so nothing is kept about you.'));
  return h('div', { class: 'page page--your-data' },
    h('header', { class: 'page__header' },
      h('h1', {}, 'Your data'),
      h('p', {}, 'What this shop’s recommender knows about you. It is computed and stored only in this browser; the shop’s servers never see it.'),
    ),
    context.defer(
      Promise.all([withInkling<ProfileView | null>(null, (a) => a.profile()), withInkling<SegmentView | null>(null, async (a) => (await a.segment?.()) ?? null)])
        .then(([profile, segment]) => profilePanels(context, profile, segment)),
    ),
  );
}

/** The segments task's name on the aggregator (server/tasks.ts createSegmentsTask). */
const SEGMENTS_TASK = 'segments';

/**
 * The visitor's segment (inkling.segment()) and what left this browser for it: its 'segments'
 * receipts, each a noised sum contribution in which only the position of its block depends on the
 * segment. Before the shop's first release: the browser's own rule-based segment, and why.
 */
function segmentPanel(profile: ProfileView, segment: SegmentView | null): HTMLElement {
  const sent = profile.privacy.receipts.filter((r) => r.task === SEGMENTS_TASK);
  const epsilon = sent.reduce((a, r) => a + r.epsilon, 0);
  const bytes = sent.reduce((a, r) => a + r.bytes, 0);
  const left = sent.length === 0
    ? 'Nothing has left this browser for it yet.'
    : `What left for it: ${sent.length} noised contribution${sent.length === 1 ? '' : 's'} to the shop’s “segments” task (${formatBytes(bytes)}, ε ${epsilon.toFixed(3)} charged in all; listed below). Each is a sum of everyone’s numbers in which only the place of yours depends on your segment; the segment itself never leaves this browser.`;
  return h('section', { class: 'panel', 'data-testid': 'segment' },
    h('h2', {}, 'Your segment'),
    segment === null
      ? h('p', { 'data-testid': 'segment-name' }, `No shared segment yet: the shop learns its segments with its visitors over four rounds. Until then this browser describes you by its own rule: ${profile.segment || '—'}.`)
      : h('p', { 'data-testid': 'segment-name' }, `You are in segment ${segment.id}: ${segment.description}. Worked out in this browser from the shop’s released segments.`),
    h('p', { class: 'note', 'data-testid': 'segment-left' }, left),
  );
}

function profilePanels(context: ShopContext, profile: ProfileView | null, segment: SegmentView | null): HTMLElement {
  const consent = consentChoice();

  const consentBox = h('section', { class: 'panel' },
    h('h2', {}, 'Consent'),
    h('p', { 'data-testid': 'consent-state' }, consent === 'granted'
      ? 'You allowed this shop to remember your taste on this device.'
      : consent === 'denied' ? 'You declined: nothing is kept on this device.' : 'You have not decided yet: nothing is kept until you do.'),
    h('div', { class: 'actions' },
      h('button', { class: 'button button--small', type: 'button', disabled: consent === 'granted', onclick: () => { setConsent('granted'); context.navigate('/your-data'); } }, 'Allow'),
      h('button', { class: 'button button--ghost button--small', type: 'button', disabled: consent === 'denied', onclick: () => { setConsent('denied'); context.navigate('/your-data'); } }, 'Decline'),
    ),
  );

  if (!profile) {
    return h('div', { class: 'your-data' }, consentBox, h('p', { class: 'empty' }, 'Nothing to show: Inkling is not keeping a profile on this device.'));
  }

  const exportButton = h('button', { class: 'button button--ghost', type: 'button', 'data-testid': 'export' }, 'Export (JSON)');
  exportButton.addEventListener('click', () => void withInkling(null, async (a) => download(await a.export())));
  const forgetButton = h('button', { class: 'button button--danger', type: 'button', 'data-testid': 'forget' }, 'Forget me');
  forgetButton.addEventListener('click', () => {
    void withInkling(null, async (a) => {
      await a.forget();
      context.toast('Everything Inkling kept on this device is erased.');
      context.navigate('/your-data');
    });
  });

  const { rfm } = profile;
  return h('div', { class: 'your-data', 'data-testid': 'your-data' },
    h('section', { class: 'panel panel--wide' }, h('h2', {}, 'Your interests'), interestBars(profile)),
    h('section', { class: 'panel' },
      h('h2', {}, 'Searches'),
      profile.keywords.length === 0
        ? h('p', { class: 'empty' }, 'No searches yet.')
        : h('div', { class: 'chips', 'data-testid': 'keywords' }, profile.keywords.slice(0, 12).map((k) => h('span', { class: 'chip chip--plain', title: k.weight.toFixed(2) }, k.term))),
    ),
    predictionsPanel(profile.predictions, Date.now()),
    segmentPanel(profile, segment),
    h('section', { class: 'panel' },
      h('h2', {}, 'Activity'),
      fact('Segment', profile.segment || '—'),
      fact('Price band', rfm.priceBand ?? '—'),
      fact('Last activity', rfm.recencyDays === null ? '—' : rfm.recencyDays < 1 ? 'today' : `${rfm.recencyDays.toFixed(0)} days ago`),
      fact('Orders (recent ones count most)', rfm.frequency.toFixed(1)),
      fact('Spent (recent spend counts most)', formatPrice(rfm.monetary)),
      fact('Time spent on films', `${Math.round(rfm.engagedSeconds)} s`),
    ),
    h('section', { class: 'panel' },
      h('h2', {}, 'Stored in this browser'),
      fact('Events', String(profile.storage.events), 'stored-events'),
      fact('Films', String(profile.storage.items), 'stored-items'),
      fact('Size', formatBytes(profile.storage.bytesEstimate)),
      h('div', { class: 'actions' }, exportButton, forgetButton),
    ),
    consentBox,
    h('section', { class: 'panel panel--wide' },
      h('h2', {}, 'What left this browser'),
      budgets(profile),
      receipts(profile),
    ),
  );
}
