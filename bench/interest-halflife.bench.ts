/**
 * How well does the decayed interest profile predict the category of a visitor's next event?
 * Replays the ml-latest-small users with long histories in time order through the engine's own
 * interest code (worker/features/interests.ts): each rating is one event on the film's genres.
 * Before each event (after a warm-up) the profile's blended ranking of genres is scored against
 * the genres of the film actually rated next: top-1 and top-3 hit rate, and the mean reciprocal
 * rank of the first matching genre. A grid of short/long half-lives, short-term blend weights and
 * rating-to-weight rules is measured side by side; worker/features/README.md documents the choice.
 *
 * Run: `npm run bench -- interest` or `node --import tsx bench/interest-halflife.bench.ts`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addInterest, interestShares, type InterestTable } from '../worker/features/interests.js';
import { DEFAULT_HALF_LIVES, DEFAULT_SHORT_TERM_WEIGHT } from '../worker/features/tuning.js';

const MIN_RATINGS = 200;
const WARM_UP = 20;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const dataDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'demo', 'data', 'ml-latest-small');

function loadGenres(): Map<number, string[]> {
  const genres = new Map<number, string[]>();
  const lines = readFileSync(join(dataDir, 'movies.csv'), 'utf8').split('\n').slice(1);
  for (const line of lines) {
    if (!line.trim()) continue;
    const id = Number(line.slice(0, line.indexOf(',')));
    const list = line.slice(line.lastIndexOf(',') + 1).trim();
    genres.set(id, list === '(no genres listed)' ? [] : list.split('|'));
  }
  return genres;
}

interface Rating { movie: number; rating: number; at: number }

function loadUsers(): Rating[][] {
  const byUser = new Map<number, Rating[]>();
  const lines = readFileSync(join(dataDir, 'ratings.csv'), 'utf8').split('\n').slice(1);
  for (const line of lines) {
    if (!line.trim()) continue;
    const [user, movie, rating, ts] = line.split(',').map(Number) as [number, number, number, number];
    let list = byUser.get(user);
    if (!list) byUser.set(user, (list = []));
    list.push({ movie, rating, at: ts * 1000 });
  }
  const users = [...byUser.values()].filter((r) => r.length >= MIN_RATINGS);
  // Stable sort keeps the file's order for ratings made in the same second.
  for (const list of users) list.sort((a, b) => a.at - b.at);
  return users;
}

/** How a star rating becomes interest weight. */
const RATING_RULES = {
  'each rating = 1 view': (_r: number) => 1,
  'rating / 5': (r: number) => r / 5,
  'liked only: max(0, r − 2.5)': (r: number) => Math.max(0, r - 2.5),
  'centred: r − 3 (dislikes subtract)': (r: number) => r - 3,
} as const;
type RatingRule = keyof typeof RATING_RULES;

interface Score { hit1: number; hit3: number; mrr: number; n: number }

function replay(
  users: Rating[][],
  genres: Map<number, string[]>,
  shortMs: number,
  longMs: number,
  mixes: readonly number[],
  rule: RatingRule,
): Score[] {
  const halfLives = { shortMs, longMs };
  const weightOf = RATING_RULES[rule];
  const scores = mixes.map(() => ({ hit1: 0, hit3: 0, mrr: 0, n: 0 }));
  const blended: { category: string; value: number }[] = [];
  for (const ratings of users) {
    const table: InterestTable = {};
    for (let i = 0; i < ratings.length; i++) {
      const event = ratings[i]!;
      const truth = genres.get(event.movie) ?? [];
      if (i >= WARM_UP && truth.length > 0) {
        const shares = interestShares(table, event.at, halfLives, 0.5);
        mixes.forEach((mix, m) => {
          blended.length = 0;
          for (const s of shares) blended.push({ category: s.category, value: mix * s.shortTerm + (1 - mix) * s.longTerm });
          blended.sort((a, b) => b.value - a.value || a.category.localeCompare(b.category));
          const rank = blended.findIndex((b) => truth.includes(b.category));
          const score = scores[m]!;
          score.n++;
          if (rank === 0) score.hit1++;
          if (rank >= 0 && rank < 3) score.hit3++;
          if (rank >= 0) score.mrr += 1 / (rank + 1);
        });
      }
      addInterest(table, truth, weightOf(event.rating), event.at, halfLives);
    }
  }
  return scores.map((s) => ({ hit1: s.hit1 / s.n, hit3: s.hit3 / s.n, mrr: s.mrr / s.n, n: s.n }));
}

/** Always predicts the genres most often rated overall (a strong, profile-free baseline). */
function popularityBaseline(users: Rating[][], genres: Map<number, string[]>): Score {
  const counts = new Map<string, number>();
  for (const ratings of users) for (const r of ratings) for (const g of genres.get(r.movie) ?? []) counts.set(g, (counts.get(g) ?? 0) + 1);
  const ranking = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([g]) => g);
  const s = { hit1: 0, hit3: 0, mrr: 0, n: 0 };
  for (const ratings of users) {
    for (let i = WARM_UP; i < ratings.length; i++) {
      const truth = genres.get(ratings[i]!.movie) ?? [];
      if (truth.length === 0) continue;
      const rank = ranking.findIndex((g) => truth.includes(g));
      s.n++;
      if (rank === 0) s.hit1++;
      if (rank >= 0 && rank < 3) s.hit3++;
      if (rank >= 0) s.mrr += 1 / (rank + 1);
    }
  }
  return { hit1: s.hit1 / s.n, hit3: s.hit3 / s.n, mrr: s.mrr / s.n, n: s.n };
}

const fmtMs = (ms: number) =>
  ms === Infinity ? '∞' : ms < MINUTE ? `${ms / 1000} s` : ms >= DAY ? `${ms / DAY} d` : ms >= HOUR ? `${ms / HOUR} h` : `${ms / MINUTE} min`;
const pct = (x: number) => (100 * x).toFixed(2);

const started = performance.now();
const genres = loadGenres();
const users = loadUsers();
const events = users.reduce((n, u) => n + u.length, 0);

const SHORTS = [MINUTE / 2, MINUTE, 3 * MINUTE, 10 * MINUTE, HOUR, 6 * HOUR, DAY];
const LONGS = [7 * DAY, 30 * DAY, 90 * DAY, 365 * DAY, Infinity];
const MIXES = [0, 0.25, 0.5, 0.75, 1];
const RULES = Object.keys(RATING_RULES) as RatingRule[];

console.log(`Users with ≥ ${MIN_RATINGS} ratings: ${users.length}, events replayed: ${events}, scored per config: events after a warm-up of ${WARM_UP} per user.`);
console.log('Metric: genres ranked by the blended profile (mix·short share + (1−mix)·long share) before each event, against the genres of the film rated next.\n');

// The pace of rating: median gap between consecutive ratings less than 30 minutes apart.
const gaps: number[] = [];
for (const ratings of users) for (let i = 1; i < ratings.length; i++) {
  const gap = ratings[i]!.at - ratings[i - 1]!.at;
  if (gap < 30 * MINUTE) gaps.push(gap);
}
gaps.sort((a, b) => a - b);
console.log(`Pace: median gap between consecutive ratings within a sitting (gap < 30 min): ${(gaps[gaps.length >> 1]! / 1000).toFixed(0)} s (${gaps.length} gaps).\n`);

const base = popularityBaseline(users, genres);
console.log(`Baseline (global genre popularity, no profile): top-1 ${pct(base.hit1)} %, top-3 ${pct(base.hit3)} %, MRR ${base.mrr.toFixed(4)} (n = ${base.n}).\n`);

// 1. Half-life grid with the default rule; each cell at its best blend weight.
console.log(`### Half-life grid (rule: "${RULES[0]}"; each row at its best short-term blend weight)\n`);
console.log('| short half-life | long half-life | best mix | top-1 % | top-3 % | MRR |');
console.log('|---|---|---|---|---|---|');
let best = { shortMs: 0, longMs: 0, mix: 0, score: { hit1: 0, hit3: 0, mrr: 0, n: 0 } };
for (const shortMs of SHORTS) {
  for (const longMs of LONGS) {
    const scores = replay(users, genres, shortMs, longMs, MIXES, RULES[0]!);
    let m = 0;
    scores.forEach((s, i) => { if (s.mrr > scores[m]!.mrr) m = i; });
    const s = scores[m]!;
    console.log(`| ${fmtMs(shortMs)} | ${fmtMs(longMs)} | ${MIXES[m]} | ${pct(s.hit1)} | ${pct(s.hit3)} | ${s.mrr.toFixed(4)} |`);
    if (s.mrr > best.score.mrr) best = { shortMs, longMs, mix: MIXES[m]!, score: s };
  }
}
console.log(`\nBest by MRR: short ${fmtMs(best.shortMs)}, long ${fmtMs(best.longMs)}, mix ${best.mix}.\n`);

// 2. The blend weight at the best half-lives.
console.log(`### Short-term blend weight at short ${fmtMs(best.shortMs)} / long ${fmtMs(best.longMs)}\n`);
console.log('| mix (weight of short term) | top-1 % | top-3 % | MRR |');
console.log('|---|---|---|---|');
replay(users, genres, best.shortMs, best.longMs, MIXES, RULES[0]!).forEach((s, i) =>
  console.log(`| ${MIXES[i]} | ${pct(s.hit1)} | ${pct(s.hit3)} | ${s.mrr.toFixed(4)} |`),
);

// 3. Rating rules at the best half-lives and blend.
console.log(`\n### Rating → weight rule at short ${fmtMs(best.shortMs)} / long ${fmtMs(best.longMs)} / mix ${best.mix}\n`);
console.log('| rule | top-1 % | top-3 % | MRR |');
console.log('|---|---|---|---|');
for (const rule of RULES) {
  const [s] = replay(users, genres, best.shortMs, best.longMs, [best.mix], rule);
  console.log(`| ${rule} | ${pct(s!.hit1)} | ${pct(s!.hit3)} | ${s!.mrr.toFixed(4)} |`);
}

// 4. The shipped defaults, for the record.
const [shipped] = replay(users, genres, DEFAULT_HALF_LIVES.shortMs, DEFAULT_HALF_LIVES.longMs, [DEFAULT_SHORT_TERM_WEIGHT], RULES[0]!);
console.log(
  `\nShipped defaults (worker/features/tuning.ts): short ${fmtMs(DEFAULT_HALF_LIVES.shortMs)}, long ${fmtMs(DEFAULT_HALF_LIVES.longMs)}, mix ${DEFAULT_SHORT_TERM_WEIGHT}: top-1 ${pct(shipped!.hit1)} %, top-3 ${pct(shipped!.hit3)} %, MRR ${shipped!.mrr.toFixed(4)}.`,
);
console.log(`\nWall time ${((performance.now() - started) / 1000).toFixed(1)} s.`);
