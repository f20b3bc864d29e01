#!/usr/bin/env bash
# The window classifier's training step, Simd against PyTorch (../shared/anchors/torch_steps.py window64),
# alternated ROUNDS times in one session so both see the same machine. Prints each contender's line
# (min and median µs per step) per round. Usage: perf-results/window-vs-torch.sh [THREADS] [ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-1} rounds=${2:-5} seconds=${3:-3}
dotnet build benchmarks/Simd.Benchmarks -c Release -v q >/dev/null
simd=benchmarks/Simd.Benchmarks/bin/Release/net10.0/Simd.Benchmarks.dll
for ((r = 1; r <= rounds; r++)); do
  dotnet "$simd" window-step --threads "$threads" --seconds "$seconds"
  OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=1 /usr/bin/python3 ../shared/anchors/torch_steps.py window64 "$threads" "$seconds" 1
done
