#!/usr/bin/env bash
# The character-model training step (E 64, H 256, T 64, B 32, V 65) of Simd, oneDNN's RNN primitives
# (../shared/anchors/onednn_rnn_step.cpp, built to $RNN_STEP) and PyTorch (../shared/anchors/torch_steps.py),
# alternated ROUNDS times for 1 and 2 threads in one session, then the window classifier against PyTorch.
# Prints every contender's own line. Usage: [THREADS="1 2"] perf-results/rnn-vs-peers.sh [ROUNDS]
# oneDNN runs in its own process with OpenMP's default (spinning) wait policy, its best here: spinning
# workers cannot starve a contender, which runs after the process has exited.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2} rnn_step=${RNN_STEP:-/tmp/rnn_step}
dotnet build benchmarks/Simd.Benchmarks -c Release -v q >/dev/null
simd=benchmarks/Simd.Benchmarks/bin/Release/net10.0/Simd.Benchmarks.dll
echo "load average at start: $(cat /proc/loadavg)"
for ((r = 1; r <= rounds; r++)); do
  for threads in ${THREADS:-1 2}; do
    echo "== round $r, $threads thread(s)"
    dotnet "$simd" rnn-steps --threads "$threads" --rounds 5 | grep '^|'
    for cell in elman gru lstm; do
      OMP_NUM_THREADS=$threads "$rnn_step" "$cell" 40 | grep '^RESULT'
      OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=1 /usr/bin/python3 ../shared/anchors/torch_steps.py \
        "$([ "$cell" = elman ] && echo rnn || echo "$cell")" "$threads" 4 1
    done
  done
done
perf-results/window-vs-torch.sh 1 "$rounds" 3
perf-results/window-vs-torch.sh 2 "$rounds" 3
echo "load average at end: $(cat /proc/loadavg)"
