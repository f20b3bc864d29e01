#!/usr/bin/env bash
# Alternates, in one session, 1 process x 1 thread, 1 x 2 threads (both inside one process, alternated per round) and
# 2 ranks x 1 thread (mpirun -np 2) on the MLP b128 step and the character-model step, at nice -15, and prints the
# raw lines (model config round median_ms mean_ms) and per-configuration medians over rounds. Used for perf-results/distributed.md.
#   benchmarks/Simd.Distributed.Bench/run-distributed.sh [OUTER_ROUNDS] > perf-results/distributed/raw-....txt
set -euo pipefail
cd "$(dirname "$0")/../.."
outer=${1:-4}
dotnet build benchmarks/Simd.Distributed.Bench -c Release -v q -nologo >&2
bench=benchmarks/Simd.Distributed.Bench/bin/Release/net10.0/simd-distributed-bench
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
echo "# $(date -u +%FT%TZ) commit $(git rev-parse --short HEAD) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
raw=$(mktemp)
for ((r = 0; r < outer; r++)); do
  for model in mlp char; do
    steps=$([ $model = mlp ] && echo 100 || echo 30)
    if ((r % 2 == 0)); then order="single ranks"; else order="ranks single"; fi
    for mode in $order; do
      if [ $mode = single ]; then nice -n -15 "$bench" single $model 3 $steps
      else nice -n -15 mpirun -np 2 "$bench" ranks $model 3 $steps; fi
    done
  done | tr -d '\r' | sed 's/\x1b\[?1h\x1b=//g' | tee -a "$raw"
done
echo "# load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# over all rounds: model config, median / min / max of the per-round medians (ms), n rounds, mean of the per-round means (ms)"
grep -v '^#' "$raw" | awk '{print $1, $2, $4, $5}' | sort -k1,1 -k2,2 -k3,3g | awk '
  { key = $1 " " $2; v[key, ++n[key]] = $3; s[key] += $4 }
  END { for (k in n) { m = n[k]; med = (m % 2) ? v[k, (m + 1) / 2] : (v[k, m / 2] + v[k, m / 2 + 1]) / 2; printf "%s %.4f %.4f %.4f %d %.4f\n", k, med, v[k, 1], v[k, m], m, s[k] / m } }' | sort
rm -f "$raw"
