/**
 * Federated ALS light (the `als.ts --variant light` model, dim/top-K/pop prior as in the best DP row
 * of README.md) as a function, with the hooks issue 9 parts 3 and 5 need:
 *
 * - `noise`: where the round sum's Gaussian noise comes from.
 *     central      the trusted server adds N(0, σ_sum²) once to the sum (als.ts; same RNG order, so
 *                  with every device in every round and no hostiles it prints als.ts's numbers);
 *     distributed  this design: each of the round's n devices adds N(0, σ_l²), σ_l = σ_sum/√(n−1)
 *                  (the accountant never credits a device its own share), drawn per device and
 *                  summed; the realised std of the summed noise is reported (≈ σ_sum·√(n/(n−1)));
 *     local        each device adds σ_local = σ_sum itself (the guarantee holds against the server):
 *                  the sum carries √n·σ_sum (drawn at the sum: the same distribution).
 *   The top-K DP histogram gets the same treatment with its own σ_h.
 * - `perRound`: devices per round (a fresh uniform sample each round; default all).
 * - `hostile`: devices (user indices) that send, in each task they take part in, instead of their
 *   statistics: `random` every coordinate U[−B, B]; `targeted` +B·sign(d) on the target item's B rows
 *   (d = Σ_i count_i·v_i, the popularity-weighted item direction, public), −B on its S entry and +B_h
 *   on its histogram count, zeros elsewhere; `adaptive` the same with +B on S (passes the robust
 *   check's ‖B_i‖ ≤ κ·S_i); `sybil` a fake honest device that rated the target (and nothing else)
 *   with the largest weight: what a validity proof (‖x‖ ≤ C) leaves an attacker.
 * - `defence` on the decoded sum only (the leader never sees one device's vector):
 *     normclip  clip the round sum to n·C + σ_sum(√d + 8.5) (the largest honest sum + noise tail);
 *     clamp     clamp each coordinate of the sum at n·b, b = C + σ_l·√(2 ln(2d/β)) (the honest bound);
 *     robust    per item row: S_i ∈ [0, n·C], ‖B_i‖ ≤ κ·S_i + 3σ_sum(√dim + κ), κ = 1 + 1/(α·w_min)
 *               (honest: ‖s·c·u‖ ≤ s·c ≤ κ·s·(c−1) since ‖u‖ ≤ 1 and c − 1 ≥ α·w_min); histogram
 *               counts clamped at [0, n·C];
 *     vcap      after each item solve, cap every ‖v_i‖ at 2 × the median row norm.
 * - `confidenceGram`: the earlier layout (before the shipped one dropped it): each device also sends
 *   c − 1 per row and the item solve adds (Σ (c−1))_i·G/n to its Gram, as als.ts does; the robust
 *   defence needs it (it bounds ‖B_i‖ by S_i). Default off, as ships (core/models/als.ts).
 * - `coldFallback`: a device with no positives among the model rows ranks by the (DP) counts instead
 *   of the all-equal −1e9 of als.ts (MovieTweetings: half the users have one rating).
 */
import { evaluate, gaussian, rhoForEpsilon, seeded, type ExperimentData } from './common.js';
import { trainingRows } from '../metrics.js';
import type { RankingQuality } from '../metrics.js';
import { ridgeSolve } from '../../core/models/als.js';

export type NoiseModel = 'none' | 'central' | 'distributed' | 'local';
export type Attack = 'none' | 'random' | 'targeted' | 'adaptive' | 'sybil';
export type Defence = 'none' | 'normclip' | 'clamp' | 'robust' | 'vcap';

export interface FedAlsOptions {
  dim?: number;
  alpha?: number;
  lambda?: number;
  iters?: number;
  eps?: number;
  clip?: number;
  unorm?: number;
  lambdaDp?: number;
  topk?: number;
  histShare?: number;
  popw?: number;
  seed?: number;
  noise?: NoiseModel;
  perRound?: number;
  hostile?: ReadonlySet<number>;
  attack?: Attack;
  target?: number;
  defences?: readonly Defence[];
  coldFallback?: boolean;
  confidenceGram?: boolean;
  /** Which parts the random garbage hits (default all): G (Gram), S, B (item rows), H (histogram). */
  garbageParts?: string;
  /** Users to evaluate on (dataset order); default all. */
  evalMask?: readonly boolean[];
}

export interface FedAlsResult {
  quality: RankingQuality;
  /** The same model evaluated on evalMask's users only (quality when no mask). */
  masked: RankingQuality;
  sigmaSum: number;
  /** Realised std of the summed noise / the nominal σ_sum (distributed: per-device shares). */
  noiseRatio: number;
  bound: { B: number; Bh: number; sigmaLocal: number };
  targetHitRate: number;
  targetMeanRank: number;
  targetInModel: boolean;
  /** Max over rounds of ‖sum‖ / normclip bound. */
  maxSumNormRatio: number;
  vectorLength: number;
}

const TAIL = (d: number): number => Math.sqrt(2 * Math.log((2 * d) / 1e-12));

export function runFedAls(data: ExperimentData, o: FedAlsOptions = {}): FedAlsResult {
  const dim = o.dim ?? 8;
  const alpha = o.alpha ?? 0.5;
  const lambda = o.lambda ?? 1;
  const iters = o.iters ?? 3;
  const eps = o.eps ?? 0;
  const clip = o.clip ?? Infinity;
  const unorm = o.unorm ?? Infinity;
  const lambdaDp = o.lambdaDp ?? 0;
  const topk = o.topk ?? 200;
  const histShare = o.histShare ?? 0.05;
  const popw = o.popw ?? 0;
  const seed = o.seed ?? 1;
  const noise: NoiseModel = eps > 0 ? (o.noise ?? 'central') : 'none';
  const attack = o.attack ?? 'none';
  const hostile = attack === 'none' ? new Set<number>() : (o.hostile ?? new Set<number>());
  const defences = new Set(o.defences ?? []);
  const target = o.target ?? -1;
  const parts = o.garbageParts ?? 'GSBH';
  const confidenceGram = o.confidenceGram ?? false;
  if (defences.has('robust') && !confidenceGram) throw new RangeError('the robust defence bounds ‖B_i‖ by S_i: it needs confidenceGram');
  /** Values per item row: c·u, and c − 1 with the confidence Gram. */
  const perRow = confidenceGram ? dim + 1 : dim;
  const rng = seeded(seed);
  const noiseRng = seeded(seed * 31 + 7);
  const sampleRng = seeded(seed * 977 + 13);
  const attackRng = seeded(seed * 7919 + 3);
  const nAll = data.nItems;
  const nUsers = data.interactions.length;
  const T = (dim * (dim + 1)) / 2;
  const perRound = Math.min(o.perRound ?? nUsers, nUsers);

  const rhoTotal = eps > 0 ? rhoForEpsilon(eps, 1e-6) : Infinity;
  const rhoRounds = eps > 0 ? rhoTotal * (1 - histShare) : rhoTotal;
  const sigma = eps > 0 ? clip * Math.sqrt(iters / (2 * rhoRounds)) : 0;
  const sigmaH = eps > 0 ? Math.sqrt(1 / (2 * rhoTotal * histShare)) : 0;
  const n0 = perRound;
  const sigmaLocalShare = (s: number, n: number): number => (n > 1 ? s / Math.sqrt(n - 1) : s);
  const clipF = Number.isFinite(clip) ? clip : 1;
  // Largest honest coordinate (float units; the integer grid adds ≤ 2 steps): C + σ_l·√(2 ln(2d/β)).
  const vecLen0 = T + topk * perRow;
  const B = clipF + sigmaLocalShare(sigma, n0) * TAIL(vecLen0);
  const Bh = 1 + sigmaLocalShare(sigmaH, n0) * TAIL(nAll);

  // Noise of a sum of n contributions, per the model; returns the realised sum of squares.
  let noiseSq = 0;
  let noiseCount = 0;
  let nominalSq = 0;
  const addNoise = (arr: Float64Array, s: number, n: number): void => {
    if (noise === 'none' || s === 0) return;
    if (noise === 'central') {
      for (let k = 0; k < arr.length; k++) {
        const z = s * gaussian(noiseRng);
        arr[k] += z;
        noiseSq += z * z;
      }
      nominalSq += s * s * arr.length;
    } else if (noise === 'local') {
      const sl = s * Math.sqrt(n);
      for (let k = 0; k < arr.length; k++) {
        const z = sl * gaussian(noiseRng);
        arr[k] += z;
        noiseSq += z * z;
      }
      nominalSq += sl * sl * arr.length;
    } else {
      const sl = sigmaLocalShare(s, n);
      const acc = new Float64Array(arr.length);
      for (let dev = 0; dev < n; dev++) for (let k = 0; k < arr.length; k++) acc[k] += sl * gaussian(noiseRng);
      for (let k = 0; k < arr.length; k++) {
        arr[k] += acc[k]!;
        noiseSq += acc[k]! * acc[k]!;
      }
      nominalSq += s * s * arr.length;
    }
    noiseCount += arr.length;
  };

  // The DP count histogram (all devices; hostile ones send their attack instead).
  const counts = new Float64Array(nAll);
  const histDevices = n0 < nUsers ? sampleUsers(nUsers, n0, seeded(seed * 131 + 5)) : null;
  const inHist = (u: number): boolean => histDevices === null || histDevices.has(u);
  for (let u = 0; u < nUsers; u++) {
    if (!inHist(u)) continue;
    if (hostile.has(u)) {
      if (attack === 'random') for (let i = 0; i < nAll; i++) counts[i] += parts.includes('H') ? Bh * (2 * attackRng() - 1) : 0;
      else if ((attack === 'targeted' || attack === 'adaptive') && target >= 0) counts[target] += Bh;
      else if (attack === 'sybil' && target >= 0) counts[target] += 1; // one item: scale 1/√1
      continue;
    }
    const p = data.interactions[u]!;
    const scale = p.length > 0 ? 1 / Math.sqrt(p.length) : 0;
    for (const { item } of p) counts[item] += eps > 0 ? scale : 1;
  }
  const nHist = histDevices === null ? nUsers : histDevices.size;
  if (eps > 0) {
    const h = Float64Array.from(counts);
    h.fill(0);
    if (noise === 'central') for (let i = 0; i < nAll; i++) counts[i] += sigmaH * gaussian(noiseRng);
    else {
      addNoise(h, sigmaH, nHist);
      for (let i = 0; i < nAll; i++) counts[i] += h[i]!;
    }
    if (defences.has('robust')) for (let i = 0; i < nAll; i++) counts[i] = Math.min(Math.max(counts[i]!, 0), nHist);
  }
  let rows = Array.from({ length: nAll }, (_, i) => i);
  if (topk > 0) rows = rows.sort((a, b) => counts[b]! - counts[a]! || a - b).slice(0, topk).sort((a, b) => a - b);
  const rowOf = new Int32Array(nAll).fill(-1);
  rows.forEach((item, r) => (rowOf[item] = r));
  const nItems = rows.length;
  const vectorLength = T + nItems * perRow;
  const targetRow = target >= 0 ? rowOf[target]! : -1;

  const V = new Float32Array(nItems * dim);
  for (let i = 0; i < V.length; i++) V[i] = 0.1 * gaussian(rng);
  const users = data.interactions.map(() => new Float32Array(dim));
  const mine = data.interactions.map((p) => p.filter((x) => rowOf[x.item]! >= 0).map((x) => ({ row: rowOf[x.item]!, c: 1 + alpha * x.weight })));
  const wMin = Math.log2(3);
  const kappa = 1 + 1 / (alpha * wMin);

  const solveUser = (u: number, out: Float32Array, gram: Float64Array): void => {
    const a = Float64Array.from(gram);
    const b = new Float64Array(dim);
    for (const { row, c } of mine[u]!) {
      const v = V.subarray(row * dim, row * dim + dim);
      for (let x = 0; x < dim; x++) {
        b[x] += c * v[x]!;
        for (let y = 0; y < dim; y++) a[x * dim + y] += (c - 1) * v[x]! * v[y]!;
      }
    }
    ridgeSolve(a, dim, lambda, b, out, 0);
  };

  let maxSumNormRatio = 0;
  for (let it = 1; it <= iters; it++) {
    const gramV = new Float64Array(dim * dim);
    for (let i = 0; i < nItems; i++) for (let x = 0; x < dim; x++) for (let y = 0; y < dim; y++) gramV[x * dim + y] += V[i * dim + x]! * V[i * dim + y]!;
    // The attacker's public direction: popularity-weighted item factors.
    const dir = new Float64Array(dim);
    for (let i = 0; i < nItems; i++) for (let x = 0; x < dim; x++) dir[x] += Math.max(0, counts[rows[i]!]!) * V[i * dim + x]!;
    const G = new Float64Array(T);
    const S = new Float64Array(nItems);
    const Bv = new Float64Array(nItems * dim);
    const round = perRound < nUsers ? sampleUsers(nUsers, perRound, sampleRng) : null;
    let n = 0; // contributions with signal or from hostile devices (the light normaliser)
    let contributions = 0;
    for (let u = 0; u < nUsers; u++) {
      if (round !== null && !round.has(u)) continue;
      contributions++;
      if (hostile.has(u)) {
        n++;
        if (attack === 'random') {
          for (let k = 0; k < T; k++) G[k] += parts.includes('G') ? B * (2 * attackRng() - 1) : 0;
          if (confidenceGram) for (let k = 0; k < nItems; k++) S[k] += parts.includes('S') ? B * (2 * attackRng() - 1) : 0;
          for (let k = 0; k < Bv.length; k++) Bv[k] += parts.includes('B') ? B * (2 * attackRng() - 1) : 0;
        } else if ((attack === 'targeted' || attack === 'adaptive') && targetRow >= 0) {
          for (let x = 0; x < dim; x++) Bv[targetRow * dim + x] += B * Math.sign(dir[x]!);
          if (confidenceGram) S[targetRow] += attack === 'adaptive' ? B : -B;
        } else if (attack === 'sybil' && targetRow >= 0) {
          // An honest-looking device: u = d/‖d‖, one item with the top weight, clipped to C.
          const dn = Math.hypot(...dir) || 1;
          const c = 1 + alpha * Math.log2(1 + 2 + 2);
          const norm = Math.sqrt(1 + c * c + (confidenceGram ? (c - 1) ** 2 : 0));
          const s = norm > clip ? clip / norm : 1;
          let t = 0;
          for (let x = 0; x < dim; x++) for (let y = x; y < dim; y++) G[t++] += (s * dir[x]! * dir[y]!) / (dn * dn);
          for (let x = 0; x < dim; x++) Bv[targetRow * dim + x] += (s * c * dir[x]!) / dn;
          if (confidenceGram) S[targetRow] += s * (c - 1);
        }
        continue;
      }
      if (mine[u]!.length === 0) continue; // a cold device: all-zero statistics (+ its noise share)
      solveUser(u, users[u]!, gramV);
      const uu = users[u]!;
      let un = Math.hypot(...uu);
      if (un > unorm) {
        for (let x = 0; x < dim; x++) uu[x] *= unorm / un;
        un = unorm;
      }
      let tri2 = 0;
      for (let x = 0; x < dim; x++) for (let y = x; y < dim; y++) tri2 += (uu[x]! * uu[y]!) ** 2;
      let norm2 = tri2;
      for (const { c } of mine[u]!) norm2 += c * c * un * un + (confidenceGram ? (c - 1) ** 2 : 0);
      const norm = Math.sqrt(norm2);
      const s = norm > clip ? clip / norm : 1;
      n++;
      let t = 0;
      for (let x = 0; x < dim; x++) for (let y = x; y < dim; y++) G[t++] += s * uu[x]! * uu[y]!;
      for (const { row, c } of mine[u]!) {
        for (let x = 0; x < dim; x++) Bv[row * dim + x] += s * c * uu[x]!;
        if (confidenceGram) S[row] += s * (c - 1);
      }
    }
    // The round's noise (central: the same RNG order as als.ts: G, S, B; S only when sent).
    const sent = confidenceGram ? [G, S, Bv] : [G, Bv];
    for (const arr of sent) addNoise(arr, sigma, contributions);
    // Defences on the decoded sum.
    const sl = sigmaLocalShare(sigma, contributions);
    if (Number.isFinite(clip)) {
      const bound = contributions * clip + sigma * (Math.sqrt(vectorLength) + TAIL(vectorLength));
      let sq = 0;
      for (const arr of sent) for (const v of arr) sq += v * v;
      const ratio = Math.sqrt(sq) / bound;
      maxSumNormRatio = Math.max(maxSumNormRatio, ratio);
      if (defences.has('normclip') && ratio > 1) for (const arr of sent) for (let k = 0; k < arr.length; k++) arr[k] /= ratio;
      if (defences.has('clamp')) {
        const cb = contributions * (clip + sl * TAIL(vectorLength));
        for (const arr of sent) for (let k = 0; k < arr.length; k++) arr[k] = Math.min(cb, Math.max(-cb, arr[k]!));
      }
      if (defences.has('robust')) {
        for (let i = 0; i < nItems; i++) {
          S[i] = Math.min(Math.max(S[i]!, 0), contributions * clip);
          let bn = 0;
          for (let x = 0; x < dim; x++) bn += Bv[i * dim + x]! ** 2;
          bn = Math.sqrt(bn);
          const allowed = kappa * S[i]! + 3 * sigma * (Math.sqrt(dim) + kappa);
          if (bn > allowed) for (let x = 0; x < dim; x++) Bv[i * dim + x] *= allowed / bn;
        }
      }
    }
    const full = (tri: Float64Array, out: Float64Array): void => {
      let t2 = 0;
      for (let x = 0; x < dim; x++)
        for (let y = x; y < dim; y++) {
          out[x * dim + y] += tri[t2]!;
          if (y !== x) out[y * dim + x] += tri[t2]!;
          t2++;
        }
    };
    const gram = new Float64Array(dim * dim);
    full(G, gram);
    for (let i = 0; i < nItems; i++) {
      const a = Float64Array.from(gram);
      const si = Math.max(0, S[i]!);
      for (let k = 0; k < dim * dim; k++) a[k] += (si * gram[k]!) / n;
      ridgeSolve(a, dim, lambda + lambdaDp, Bv.subarray(i * dim, i * dim + dim), V, i * dim);
    }
    if (defences.has('vcap')) {
      const norms = Array.from({ length: nItems }, (_, i) => Math.hypot(...V.subarray(i * dim, i * dim + dim)));
      const sorted = [...norms].sort((a, b) => a - b);
      const cap = 2 * sorted[Math.floor(nItems / 2)]!;
      for (let i = 0; i < nItems; i++) if (norms[i]! > cap) for (let x = 0; x < dim; x++) V[i * dim + x] *= cap / norms[i]!;
    }
  }
  const gramV = new Float64Array(dim * dim);
  for (let i = 0; i < nItems; i++) for (let x = 0; x < dim; x++) for (let y = 0; y < dim; y++) gramV[x * dim + y] += V[i * dim + x]! * V[i * dim + y]!;
  let tHits = 0;
  let tRank = 0;
  let tUsers = 0;
  const mask = o.evalMask;
  const scoreOf = (u: number): Float32Array => {
    const out = new Float32Array(nAll).fill(-1e9);
    if (mine[u]!.length === 0) {
      if (o.coldFallback) for (let i = 0; i < nAll; i++) out[i] = counts[i]!;
      return out;
    }
    const uu = new Float32Array(dim);
    solveUser(u, uu, gramV);
    for (let i = 0; i < nItems; i++) {
      let sc = 0;
      for (let x = 0; x < dim; x++) sc += uu[x]! * V[i * dim + x]!;
      out[rows[i]!] = sc + popw * Math.log1p(Math.max(0, counts[rows[i]!]!));
    }
    return out;
  };
  const full = evaluate(data, (u) => {
    const sc = scoreOf(u);
    if (target >= 0) {
      const excluded = trainingRows(data.dataset, data.dataset.users[u]!);
      if (!excluded.has(target)) {
        let above = 0;
        for (let i = 0; i < nAll; i++) if (i !== target && !excluded.has(i) && sc[i]! > sc[target]!) above++;
        tUsers++;
        tRank += above + 1;
        if (above < 10) tHits++;
      }
    }
    return sc;
  });
  let masked = full;
  if (mask) {
    const sub = { ...data, dataset: { ...data.dataset, users: data.dataset.users.filter((_, i) => mask[i]) } };
    const idx = data.dataset.users.map((_, i) => i).filter((i) => mask[i]);
    masked = evaluate(sub, (j) => scoreOf(idx[j]!));
  }
  return {
    quality: full,
    masked,
    sigmaSum: sigma,
    noiseRatio: nominalSq > 0 ? Math.sqrt(noiseSq / nominalSq) : 0,
    bound: { B, Bh, sigmaLocal: sigmaLocalShare(sigma, n0) },
    targetHitRate: tUsers ? tHits / tUsers : 0,
    targetMeanRank: tUsers ? tRank / tUsers : 0,
    targetInModel: targetRow >= 0,
    maxSumNormRatio,
    vectorLength,
  };
}

/** A uniform sample of k of n users (partial Fisher–Yates). */
export function sampleUsers(n: number, k: number, rng: () => number): Set<number> {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (n - i));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return new Set(idx.slice(0, k));
}
