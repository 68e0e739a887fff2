/**
 * Implicit-feedback alternating least squares (Hu, Koren & Volinsky 2008) run the way private ALS
 * federates it (Chien et al. 2021): the user vector never leaves the device (solved there, exactly,
 * against the public item factors), and each round every device sends the item-side sufficient
 * statistics of the items it touched, clipped; the sum (secure aggregation) carries Gaussian noise
 * σ_sum = C·√(R / 2ρ) per coordinate; the server solves every item row from the noisy sums.
 *
 * Loss: Σ_{u,i} c_ui (p_ui − u·v_i)² + λ(‖U‖² + ‖V‖²), p = 1 on the device's positives, 0 elsewhere,
 * c_ui = 1 + α·w_ui on positives (w: the device's confidence weight, feedback.ts), 1 elsewhere.
 *
 * Device contribution (one fixed-size vector, dense over the whole catalogue):
 *   --variant full:  [ u uᵀ (upper triangle) | per item: (c−1)·u uᵀ (upper triangle), c·u ]
 *                    = T + nItems·(T + dim) floats, T = dim(dim+1)/2
 *   --variant light: [ u uᵀ (upper triangle) | per item: c·u, (c−1) ]
 *                    = T + nItems·(dim + 1) floats (today's MF layout size + T); the server
 *                    approximates Σ (c−1) u uᵀ of item i by (Σ (c−1)) · (Σ u uᵀ) / n.
 * The device first caps ‖u‖ ≤ --unorm and its items at --cap (highest weights), then scales the
 * whole vector to L2 ≤ C (--clip): a uniform user weight, so the statistics stay consistent.
 *
 * Without --eps and without --clip this IS centralized ALS (the sums are exact), so "federated
 * without DP" equals centralized by construction when every device takes part every round.
 *
 *   node --import tsx sim/experiments/als.ts [--dim 16] [--alpha 2] [--lambda 1] [--iters 10]
 *     [--variant full|light] [--eps 8] [--clip 1] [--unorm 1] [--cap 0] [--lambda-dp 0] [--seed 1]
 *     [--topk 0 (model only the K most popular items by a DP histogram)] [--hist-rho-share 0.05]
 *     [--popw 0 (add popw·log(1 + DP count) to every score: the histogram as an item bias)]
 */
import { evaluate, flags, fmt, gaussian, loadExperimentData, num, popularity, rhoForEpsilon, seeded } from './common.js';
import { ridgeSolve } from '../../core/models/als.js';

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const dim = num(f, 'dim', 16);
  const alpha = num(f, 'alpha', 2);
  const lambda = num(f, 'lambda', 1);
  const iters = num(f, 'iters', 10);
  const variant = f.variant ?? 'full';
  const eps = num(f, 'eps', 0);
  const clip = num(f, 'clip', Infinity);
  const unorm = num(f, 'unorm', Infinity);
  const cap = num(f, 'cap', 0);
  const lambdaDp = num(f, 'lambda-dp', 0);
  const topk = num(f, 'topk', 0);
  const histShare = num(f, 'hist-rho-share', 0.05);
  const seed = num(f, 'seed', 1);
  // The device sends γ·u uᵀ in the Gram part and the server divides by γ: more of the clip budget
  // for the few Gram coordinates every item solve shares (default 1).
  const gscale = num(f, 'gscale', 1);
  const rng = seeded(seed);
  const noiseRng = seeded(seed * 31 + 7);
  const data = await loadExperimentData();
  const nAll = data.nItems;
  const T = (dim * (dim + 1)) / 2;
  const started = Date.now();

  // ρ: the whole (ε, δ) budget over `iters` rounds (plus a share for the top-K histogram).
  const rhoTotal = eps > 0 ? rhoForEpsilon(eps, 1e-6) : Infinity;
  const usesHistogram = topk > 0 || num(f, 'popw', 0) > 0;
  const rhoRounds = usesHistogram && eps > 0 ? rhoTotal * (1 - histShare) : rhoTotal;
  const sigma = eps > 0 ? clip * Math.sqrt(iters / (2 * rhoRounds)) : 0;

  // Optional: the model covers only the K most popular items (a DP count histogram: each device
  // sends a 0/1 vector of its items, capped at `cap` or all, scaled to L2 ≤ 1; sum + N(0, σ_h²)).
  const popw = num(f, 'popw', 0);
  let rows = Array.from({ length: nAll }, (_, i) => i);
  const counts = new Float64Array(nAll);
  if (topk > 0 || popw > 0) {
    for (const p of data.interactions) {
      const scale = p.length > 0 ? 1 / Math.sqrt(p.length) : 0;
      for (const { item } of p) counts[item] += eps > 0 ? scale : 1;
    }
    if (eps > 0) {
      const sigmaH = Math.sqrt(1 / (2 * rhoTotal * histShare));
      for (let i = 0; i < nAll; i++) counts[i] += sigmaH * gaussian(noiseRng);
    }
    if (topk > 0) rows = rows.sort((a, b) => counts[b]! - counts[a]! || a - b).slice(0, topk).sort((a, b) => a - b);
  }
  const rowOf = new Int32Array(nAll).fill(-1);
  rows.forEach((item, r) => (rowOf[item] = r));
  const nItems = rows.length;
  const vectorLength = variant === 'full' ? T + nItems * (T + dim) : T + nItems * (dim + 1);

  const V = new Float32Array(nItems * dim);
  for (let i = 0; i < V.length; i++) V[i] = 0.1 * gaussian(rng);
  const users = data.interactions.map(() => new Float32Array(dim));
  // Per device: its positives restricted to the model's rows (and capped by weight for the stats).
  const mine = data.interactions.map((p) => p.filter((x) => rowOf[x.item]! >= 0).map((x) => ({ row: rowOf[x.item]!, c: 1 + alpha * x.weight })));
  const capped = mine.map((p) => (cap > 0 && p.length > cap ? [...p].sort((a, b) => b.c - a.c || a.row - b.row).slice(0, cap) : p));

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

  let maxNorm = 0;
  for (let it = 1; it <= iters; it++) {
    // Device side: the public item Gram VᵀV, then each user's exact solve.
    const gramV = new Float64Array(dim * dim);
    for (let i = 0; i < nItems; i++) for (let x = 0; x < dim; x++) for (let y = 0; y < dim; y++) gramV[x * dim + y] += V[i * dim + x]! * V[i * dim + y]!;
    // Item step statistics, summed over devices (each scaled to L2 ≤ C), plus the round's noise.
    const G = new Float64Array(T);
    const A = variant === 'full' ? new Float64Array(nItems * T) : new Float64Array(0);
    const S = variant === 'light' ? new Float64Array(nItems) : new Float64Array(0);
    const B = new Float64Array(nItems * dim);
    let n = 0;
    let clippedCount = 0;
    for (let u = 0; u < users.length; u++) {
      if (mine[u]!.length === 0) continue;
      solveUser(u, users[u]!, gramV);
      const uu = users[u]!;
      let un = Math.hypot(...uu);
      if (un > unorm) {
        for (let x = 0; x < dim; x++) uu[x] *= unorm / un;
        un = unorm;
      }
      // The contribution's L2 norm (upper triangles counted once per stored entry).
      let tri2 = 0;
      for (let x = 0; x < dim; x++) for (let y = x; y < dim; y++) tri2 += (uu[x]! * uu[y]!) ** 2;
      let norm2 = gscale * gscale * tri2;
      for (const { c } of capped[u]!) norm2 += variant === 'full' ? (c - 1) ** 2 * tri2 + c * c * un * un : c * c * un * un + (c - 1) ** 2;
      const norm = Math.sqrt(norm2);
      maxNorm = Math.max(maxNorm, norm);
      const s = norm > clip ? clip / norm : 1;
      if (s < 1) clippedCount++;
      n++;
      let t = 0;
      for (let x = 0; x < dim; x++) for (let y = x; y < dim; y++) G[t++] += gscale * s * uu[x]! * uu[y]!;
      for (const { row, c } of capped[u]!) {
        for (let x = 0; x < dim; x++) B[row * dim + x] += s * c * uu[x]!;
        if (variant === 'full') {
          let k = row * T;
          for (let x = 0; x < dim; x++) for (let y = x; y < dim; y++) A[k++] += s * (c - 1) * uu[x]! * uu[y]!;
        } else S[row] += s * (c - 1);
      }
    }
    if (sigma > 0) {
      for (const arr of [G, A, S, B]) for (let k = 0; k < arr.length; k++) arr[k] += sigma * gaussian(noiseRng);
    }
    // Server: solve every item row.
    const full = (tri: Float64Array, at: number, out: Float64Array, scale: number): void => {
      let t2 = at;
      for (let x = 0; x < dim; x++)
        for (let y = x; y < dim; y++) {
          out[x * dim + y] += scale * tri[t2]!;
          if (y !== x) out[y * dim + x] += scale * tri[t2]!;
          t2++;
        }
    };
    const gram = new Float64Array(dim * dim);
    full(G, 0, gram, 1 / gscale);
    for (let i = 0; i < nItems; i++) {
      const a = Float64Array.from(gram);
      if (variant === 'full') full(A, i * T, a, 1);
      else {
        const si = Math.max(0, S[i]!);
        for (let k = 0; k < dim * dim; k++) a[k] += (si * gram[k]!) / n;
      }
      ridgeSolve(a, dim, lambda + lambdaDp, B.subarray(i * dim, i * dim + dim), V, i * dim);
    }
    console.error(`iter ${it}: ${n} devices, ${clippedCount} clipped (max norm ${maxNorm.toFixed(2)})`);
  }
  // Recommend time: each device solves its user vector against the final items (exact), scores all.
  const gramV = new Float64Array(dim * dim);
  for (let i = 0; i < nItems; i++) for (let x = 0; x < dim; x++) for (let y = 0; y < dim; y++) gramV[x * dim + y] += V[i * dim + x]! * V[i * dim + y]!;
  const q = evaluate(data, (u) => {
    const out = new Float32Array(nAll).fill(-1e9);
    if (mine[u]!.length === 0) return out;
    const uu = new Float32Array(dim);
    solveUser(u, uu, gramV);
    for (let i = 0; i < nItems; i++) {
      let sc = 0;
      for (let x = 0; x < dim; x++) sc += uu[x]! * V[i * dim + x]!;
      out[rows[i]!] = sc + popw * Math.log1p(Math.max(0, counts[rows[i]!]!));
    }
    return out;
  });
  const settings = { dim, alpha, lambda, iters, variant, eps, clip, unorm, cap, lambdaDp, topk, gscale, popw, seed };
  console.log(`als ${JSON.stringify(settings)} vector ${vectorLength} floats${eps > 0 ? `, σ_sum ${sigma.toFixed(3)}` : ''}: ${fmt(q)} [${((Date.now() - started) / 1000).toFixed(0)} s]`);
  if (f.pop) console.log(`popularity: ${fmt(popularity(data))}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
