#!/usr/bin/env bash
# Distributed (data-parallel over MPI) checks, called by .ci/run after the README's test command (whose xunit
# Simd.Distributed.Tests need no Open MPI). Installs Open MPI with apt-get only when it is missing, then under
# mpirun: the multi-rank self-check (binding, collectives, equivalence with one process) with 2 ranks twice (its replica hashes must match: bitwise repeatable runs) and
# with 3 ranks (unequal shards), `simd train` data-parallel on the digits and the character model, a checkpoint
# written by 2 ranks loaded and resumed by 1 process and by 2 ranks (2-rank resume byte-identical to a straight
# run), and a killed rank ending the job without a checkpoint.
# About a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Open MPI"
if ! command -v mpirun > /dev/null || ! ldconfig -p | grep -q 'libmpi\.so\.40 '; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q openmpi-bin libopenmpi-dev || { apt-get update -q && apt-get install -y -q openmpi-bin libopenmpi-dev; }
fi
mpirun --version | head -1
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi

dotnet build tests/Simd.Distributed.Tests -c Release -v q -nologo
dotnet build src/Cli -c Release -v q -nologo
# A rank that fails outside a collective leaves the others waiting in one: every launch gets a time limit.
launcher=$(command -v mpirun)
mpirun() { timeout --kill-after=10 180 "$launcher" "$@"; }
check=tests/Simd.Distributed.Tests/bin/Release/net10.0/Simd.Distributed.Tests.dll
simd=src/Cli/bin/Release/net10.0/simd
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== multi-rank self-check, 2 ranks, twice"
mpirun -np 2 dotnet "$check" --mpi-check | tee "$work/check1.txt"
mpirun -np 2 dotnet "$check" --mpi-check > "$work/check2.txt"
first=$(grep '^hashes:' "$work/check1.txt"); second=$(grep '^hashes:' "$work/check2.txt")
if [ "$first" != "$second" ]; then echo "FAIL: two 2-rank runs trained different bits: '$first' vs '$second'"; exit 1; fi
echo "ok   a second 2-rank run gives the same bits ($second)"

echo "== multi-rank self-check, 3 ranks (unequal shards)"
mpirun --oversubscribe -np 3 dotnet "$check" --mpi-check

echo "== mpirun -np 2 simd train (digits, then the character model)"
mpirun -np 2 "$simd" train --epochs 3 --save "$work/digits.ckpt" | tee "$work/digits.txt"
grep -q '^data-parallel: 2 ranks' "$work/digits.txt"
test -s "$work/digits.ckpt"
mpirun -np 2 "$simd" train --model charrnn --seconds 4 --report 20 --sample 40 --save "$work/char.ckpt" | tee "$work/char.txt"
grep -q '^data-parallel: 2 ranks' "$work/char.txt"
echo "== the 2-rank checkpoint resumes in 1 process and in 2 ranks"
"$simd" train --model charrnn --load "$work/char.ckpt" --seconds 1 --sample 0 --report 1000 | grep 'loaded '
mpirun -np 2 "$simd" train --model charrnn --load "$work/char.ckpt" --seconds 1 --sample 0 --report 1000 | grep 'loaded '
echo "== the 2-rank checkpoint (stopped inside an epoch, with its carried state) continues by --resume in 1 process and in 2 ranks"
"$simd" train --resume "$work/char.ckpt" --seconds 1 --sample 0 --report 1000 | grep '^resumed '
mpirun -np 2 "$simd" train --resume "$work/char.ckpt" --seconds 1 --sample 0 --report 1000 | grep '^resumed '
echo "== 2 ranks: 30 steps in one run equal 12 steps, a checkpoint, and 18 resumed steps, byte for byte"
mpirun -np 2 "$simd" train --model charrnn --steps 30 --sample 0 --report 1000 --save "$work/straight.ckpt" > /dev/null
mpirun -np 2 "$simd" train --model charrnn --steps 12 --sample 0 --report 1000 --save "$work/first.ckpt" > /dev/null
mpirun -np 2 "$simd" train --resume "$work/first.ckpt" --steps 18 --sample 0 --report 1000 --save "$work/resumed.ckpt" > /dev/null
cmp "$work/straight.ckpt" "$work/resumed.ckpt"
echo "ok   identical checkpoints"

echo "== a killed rank ends the job and leaves no checkpoint"
"$launcher" -np 2 "$simd" train --model charrnn --seconds 120 --report 5 --sample 0 --save "$work/killed.ckpt" > "$work/killed.txt" 2>&1 &
job=$!
for _ in $(seq 1 300); do grep -q '^step' "$work/killed.txt" && break; sleep 0.1; done
rank=$(pgrep -P "$job" | tail -1)
kill -9 "$rank"
status=0; wait "$job" || status=$?
tail -4 "$work/killed.txt"
if [ "$status" = 0 ]; then echo "FAIL: mpirun exited 0 after a rank was killed"; exit 1; fi
if ls "$work"/killed.ckpt* > /dev/null 2>&1; then echo "FAIL: a checkpoint was left behind"; exit 1; fi
if pgrep -P "$job" > /dev/null; then echo "FAIL: ranks still running"; exit 1; fi
echo "ok   mpirun exited $status after rank pid $rank was killed; no checkpoint"
echo "== distributed checks passed"
