#!/usr/bin/env bash
# Prints every number of sim/experiments/README.md's table: each row is the mean over the listed
# seeds (HR@10 / NDCG@10 on the 670 evaluated users). ≈ 3 min on 2 shared cores; one process at a time.
set -euo pipefail
cd "$(dirname "$0")/../.."
row() { # label, script, seeds, args...
  local label=$1 script=$2 seeds=$3; shift 3
  for s in $seeds; do node --import tsx "sim/experiments/$script" "$@" --seed "$s" 2>/dev/null | grep -E 'HR@10' | tail -1; done |
    awk -v l="$label" '{split($0,a,"HR@10 "); split(a[2],b," "); split($0,c,"NDCG@10 "); split(c[2],d," "); v=$0; sub(/.*vector /,"",v); sub(/ floats.*/,"",v); if (v ~ /^[0-9]+$/) fl=v; hr+=b[1]; nd+=d[1]; n++}
      END {printf "%-58s HR@10 %.4f NDCG@10 %.4f (mean of %d seeds)%s\n", l, hr/n, nd/n, n, (fl ? "  upload " fl " floats" : "")}'
}
node --import tsx sim/experiments/central-mf.ts --seed 1 2>/dev/null | grep popularity
row 'centralized MF (mf.ts port, lr 3 × 10 epochs, dim 16)' central-mf.ts '1 2 3 20261123'
row 'FedAvg MF, no DP, 3 rounds × 671, η 10 (today)' fed-mf.ts '1 2 3'
row 'FedAvg MF, DP ε 8, 3 rounds × 671 (today + secagg)' fed-mf.ts '1 2 3' --eps 8
row 'FedAdam MF, no DP, 30 rounds, η 0.01, C 100' fed-mf.ts '1 2 3' --rounds 30 --server adam --eta 0.01 --clip 100
row 'FedAdam MF, DP ε 8, 30 rounds, η 0.01, C 1' fed-mf.ts '1 2 3' --rounds 30 --server adam --eta 0.01 --eps 8
row 'centralized ALS light, dim 16, all 2,588 items' als.ts '1 2 3 4 5' --variant light
row 'federated ALS light, no DP, clipped (C 1), dim 16' als.ts '1 2 3 4 5' --variant light --clip 1 --unorm 1
row 'centralized ALS light, dim 8, top 300, α 0.5, 3 iters' als.ts '1 2 3 4 5' --variant light --dim 8 --topk 300 --iters 3 --alpha 0.5
row 'federated ALS light, no DP, dim 8, top 300' als.ts '1 2 3 4 5' --variant light --dim 8 --topk 300 --iters 3 --alpha 0.5 --clip 1 --unorm 1
row 'federated ALS light, DP ε 8, dim 8, top 300 (+pop prior)' als.ts '1 2 3 4 5' --variant light --dim 8 --topk 300 --iters 3 --alpha 0.5 --clip 1 --unorm 1 --eps 8 --lambda-dp 5 --popw 0.03
row 'centralized ALS light, dim 8, top 200' als.ts '1 2 3 4 5' --variant light --dim 8 --topk 200 --iters 3 --alpha 0.5
row 'federated ALS light, no DP, dim 8, top 200' als.ts '1 2 3 4 5' --variant light --dim 8 --topk 200 --iters 3 --alpha 0.5 --clip 1 --unorm 1
row 'federated ALS light, DP ε 8, dim 8, top 200 (+pop prior)' als.ts '1 2 3 4 5' --variant light --dim 8 --topk 200 --iters 3 --alpha 0.5 --clip 1 --unorm 1 --eps 8 --lambda-dp 5 --popw 0.03
