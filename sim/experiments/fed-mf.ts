/**
 * Federated MF (worker/models/mf.ts's model and device step, via mf-fast.ts) with the server's
 * FedAvg and, optionally, a server optimizer (momentum, Adam: Reddi et al. 2021) and the noise that
 * secure aggregation with distributed Gaussian noise puts on each round's SUM:
 * σ_sum = C·√(R / 2ρ), ρ from (ε, δ = 1e−6) (common.ts). Every device takes part at most once per
 * round; each device's dense delta is clipped to L2 ≤ C before summing.
 *
 * Evaluation as the simulator's: each device keeps its user embedding from its last round and the
 * recommend() scorer reconstructs it against the final model (mf-scorer.ts: 20 user-only steps at
 * lr 0.1, l2 0.01) before scoring every item; --recon-steps/--recon-lr change that.
 *
 *   node --import tsx sim/experiments/fed-mf.ts [--rounds 3] [--per-round 671] [--eps 0 (no DP) | 8]
 *     [--server sgd|momentum|adam] [--eta 10] [--beta 0.9] [--beta2 0.99] [--tau 1e-3]
 *     [--lr 1] [--steps 20] [--recon 20] [--l2 0.01] [--clip 1] [--dim 16]
 *     [--recon-steps 20] [--recon-lr 0.1] [--bias-only-rounds 0] [--seed 1] [--every 0]
 */
import { evaluate, flags, fmt, gaussian, loadExperimentData, num, rhoForEpsilon, seeded, sumSigma, type ExperimentData } from './common.js';
import { createMf, scoreAllFast, trainLocalFast, type Mf } from './mf-fast.js';

export interface FedSettings {
  rounds: number;
  perRound: number;
  eps: number;
  server: string;
  eta: number;
  beta: number;
  beta2: number;
  tau: number;
  lr: number;
  steps: number;
  recon: number;
  l2: number;
  clip: number;
  dim: number;
  reconSteps: number;
  reconLr: number;
  seed: number;
  every: number;
}

export function settingsFrom(f: Record<string, string>): FedSettings {
  return {
    rounds: num(f, 'rounds', 3), perRound: num(f, 'per-round', 671), eps: num(f, 'eps', 0), server: f.server ?? 'sgd',
    eta: num(f, 'eta', 10), beta: num(f, 'beta', 0.9), beta2: num(f, 'beta2', 0.99), tau: num(f, 'tau', 1e-3),
    lr: num(f, 'lr', 1), steps: num(f, 'steps', 20), recon: num(f, 'recon', 20), l2: num(f, 'l2', 0.01), clip: num(f, 'clip', 1),
    dim: num(f, 'dim', 16), reconSteps: num(f, 'recon-steps', 20), reconLr: num(f, 'recon-lr', 0.1), seed: num(f, 'seed', 1), every: num(f, 'every', 0),
  };
}

export function evaluateFederated(data: ExperimentData, mf: Mf, users: readonly Float32Array[], s: FedSettings, rng: () => number) {
  return evaluate(data, (i) => {
    const u = Float32Array.from(users[i]!);
    trainLocalFast(mf, u, data.interactions[i]!, { steps: 0, learningRate: s.reconLr, reconstructionSteps: s.reconSteps, l2: 0.01 }, rng);
    return scoreAllFast(mf, u);
  });
}

export function runFedMf(data: ExperimentData, s: FedSettings, log: (line: string) => void): { mf: Mf; users: Float32Array[] } {
  const rng = seeded(s.seed);
  const noiseRng = seeded(s.seed * 31 + 7);
  const mf = createMf(data.nItems, s.dim, rng);
  const length = mf.global.length;
  const users = data.interactions.map(() => Float32Array.from({ length: s.dim }, () => 0.1 * gaussian(rng)));
  const eligible = data.interactions.map((p, i) => (p.length > 0 ? i : -1)).filter((i) => i >= 0);
  const rho = s.eps > 0 ? rhoForEpsilon(s.eps, 1e-6) : Infinity;
  const sigma = s.eps > 0 ? sumSigma(s.clip, s.rounds, rho) : 0;
  if (s.eps > 0) log(`ε ${s.eps} δ 1e-6 → ρ ${rho.toFixed(3)}; σ on each round's sum ${sigma.toFixed(3)} per coordinate (C ${s.clip}, R ${s.rounds}, d ${length})`);
  const m = new Float32Array(length);
  const v = new Float32Array(length);
  const sum = new Float64Array(length);
  const local = new Float32Array(length);
  for (let round = 1; round <= s.rounds; round++) {
    sum.fill(0);
    const order = [...eligible];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const chosen = order.slice(0, Math.min(s.perRound, order.length));
    let clipped = 0;
    for (const u of chosen) {
      local.set(mf.global);
      const copy: Mf = { nItems: mf.nItems, dim: mf.dim, global: local };
      trainLocalFast(copy, users[u]!, data.interactions[u]!, { steps: s.steps, learningRate: s.lr, reconstructionSteps: s.recon, l2: s.l2 }, rng);
      let norm2 = 0;
      for (let k = 0; k < length; k++) {
        const d = local[k]! - mf.global[k]!;
        norm2 += d * d;
      }
      const norm = Math.sqrt(norm2);
      const scale = norm > s.clip ? s.clip / norm : 1;
      if (scale < 1) clipped++;
      for (let k = 0; k < length; k++) sum[k] += (local[k]! - mf.global[k]!) * scale;
    }
    const n = chosen.length;
    for (let k = 0; k < length; k++) {
      const delta = (sum[k]! + (sigma > 0 ? sigma * gaussian(noiseRng) : 0)) / n;
      if (s.server === 'sgd') mf.global[k] += s.eta * delta;
      else if (s.server === 'momentum') {
        m[k] = s.beta * m[k]! + delta;
        mf.global[k] += s.eta * m[k]!;
      } else if (s.server === 'adam') {
        m[k] = s.beta * m[k]! + (1 - s.beta) * delta;
        v[k] = s.beta2 * v[k]! + (1 - s.beta2) * delta * delta;
        mf.global[k] += (s.eta * m[k]!) / (Math.sqrt(v[k]!) + s.tau);
      } else throw new Error(`unknown --server ${s.server}`);
    }
    let line = `round ${round}: ${n} devices, ${clipped} clipped`;
    if (s.every > 0 && (round % s.every === 0 || round === s.rounds)) line += ` → ${fmt(evaluateFederated(data, mf, users, s, seeded(99)))}`;
    log(line);
  }
  return { mf, users };
}

async function main(): Promise<void> {
  const s = settingsFrom(flags(process.argv.slice(2)));
  const data = await loadExperimentData();
  const started = Date.now();
  const { mf, users } = runFedMf(data, s, (l) => console.error(l));
  const q = evaluateFederated(data, mf, users, s, seeded(99));
  console.log(`fed-mf ${JSON.stringify(s)}: ${fmt(q)} [${((Date.now() - started) / 1000).toFixed(0)} s]`);
}

if (process.argv[1]?.endsWith('fed-mf.ts')) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
