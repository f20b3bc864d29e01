#!/usr/bin/env bash
# The A/B gate's proof: RUNS gate runs of an unchanged tree (two separate builds of COMMIT) and RUNS of
# COMMIT with injected-slowdowns.patch (Sigmoid +15% of its elements again, GEMM +15% of C's rows
# again, softmax-CE +10% of its rows again, TanhBackward three times), alternating, each with fresh
# worker processes. Both builds use this tree's benchmarks/Simd.Gate, as `simd-perf ab` does.
# Usage (from the repository root, after `dotnet build Simd.sln -c Release`):
#   bash perf-results/gate/prove.sh [RUNS=20] [COMMIT=a6ef720] [OUT=perf-results/gate/<machine>]
set -euo pipefail
root=$(git rev-parse --show-toplevel)
runs=${1:-20}
commit=${2:-a6ef720}
here="$root/perf-results/gate"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A copy of the tool, so that rebuilding the tree while this runs changes nothing here.
cp -r "$root/benchmarks/Simd.Perf/bin/Release/net10.0" "$work/tool"
perf() { dotnet "$work/tool/simd-perf.dll" "$@"; }

build() { # build DIR [PATCH]: COMMIT's libraries with this tree's gate worker
    mkdir -p "$1"
    git -C "$root" archive "$commit" | tar -x -C "$1"
    rm -rf "$1/benchmarks/Simd.Gate"
    mkdir -p "$1/benchmarks/Simd.Gate"
    tar -C "$root/benchmarks/Simd.Gate" --exclude=./bin --exclude=./obj -cf - . | tar -x -C "$1/benchmarks/Simd.Gate"
    if [ $# -gt 1 ]; then (cd "$1" && git apply "$2"); fi
    # Like simd-perf ab: case files that do not compile against COMMIT's libraries are left out.
    local excluded=""
    until dotnet build "$1/benchmarks/Simd.Gate/Simd.Gate.csproj" -c Release -nologo -v q "-p:GateExcludedCases=$excluded" > "$1.log" 2>&1; do
        local failing
        failing=$(grep -o 'Cases/[A-Za-z]*\.cs([0-9]*,[0-9]*): error' "$1.log" | sed 's/(.*//' | sort -u | tr '\n' ';' | sed 's/;$//; s/;/%3B/g')
        if [ -z "$failing" ] || [ -n "$excluded" ]; then tail -30 "$1.log"; exit 2; fi
        excluded=$failing
    done
}
build "$work/a"
build "$work/b"
build "$work/injected" "$here/injected-slowdowns.patch"
dll=benchmarks/Simd.Gate/bin/Release/net10.0/simd-gate.dll
machine=$(perf ab --base-worker "$work/a/$dll" --current-worker "$work/b/$dll" --base "$commit" --filter NoSuchCase 2>&1 | sed -n 's/.*machine \([^;]*\);.*/\1/p' || true)
out=${3:-$here/${machine:-unknown}}
mkdir -p "$out"
for i in $(seq 1 "$runs"); do
    perf ab --base-worker "$work/a/$dll" --current-worker "$work/b/$dll" --base "$commit" --out "$out/unchanged-$i.json" > "$out/unchanged-$i.log" || true
    perf ab --base-worker "$work/a/$dll" --current-worker "$work/injected/$dll" --base "$commit" --out "$out/injected-$i.json" > "$out/injected-$i.log" || true
    echo "run $i of $runs done"
done
python3 "$here/summarize.py" "$out" > "$out/README.md"
cat "$out/README.md"
