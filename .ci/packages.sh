#!/usr/bin/env bash
# Packages and Native AOT: packs Simd.Kernels, Simd.Network and the simd tool into artifacts/packages,
# checks them (Kernels under 1 MB with no dependency, no missing documentation, README, license,
# symbols), restores and runs samples/Consumer and the installed tool from that folder, then publishes
# simd with Native AOT and runs `info`, a short training and an evaluation of its saved model with the
# native binary.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
feed=artifacts/packages
version=$(dotnet msbuild src/Kernels/Simd.Kernels.csproj -getProperty:Version)
fail() { echo "packages.sh: $*" >&2; exit 1; }

echo "== pack $version"
rm -rf "$feed"
# The --no-incremental build recompiles both libraries, so a public member without a doc comment (CS1591, an
# error in both projects) or an unrecorded public API change (RS0016/RS0017) shows up here even after
# an earlier build.
# ContinuousIntegrationBuild: deterministic source paths (/_/src/...) in the PDBs that ship.
mkdir -p artifacts
ci=-p:ContinuousIntegrationBuild=true
dotnet build src/Network/Simd.Network.csproj -c Release --no-incremental $ci 2>&1 | tee artifacts/pack.log
! grep -E "warning [A-Z]+[0-9]+|CS1591" artifacts/pack.log || fail "the build printed warnings"
dotnet pack src/Kernels/Simd.Kernels.csproj -c Release --no-build $ci
dotnet pack src/Network/Simd.Network.csproj -c Release --no-build $ci
dotnet pack src/Cli/Simd.Cli.csproj -c Release $ci

echo "== check the packages"
for id in Simd.Kernels Simd.Network Simd.Cli; do
    nupkg="$feed/$id.$version.nupkg"
    [[ -f $nupkg && -f $feed/$id.$version.snupkg ]] || fail "$id: package or symbol package missing"
    nuspec=$(unzip -p "$nupkg" "$id.nuspec")
    grep -q '<license type="expression">MIT</license>' <<<"$nuspec" || fail "$id: no license expression"
    grep -q '<readme>README.md</readme>' <<<"$nuspec" && unzip -l "$nupkg" README.md >/dev/null || fail "$id: no README"
    grep -q '<repository type="git"' <<<"$nuspec" || fail "$id: no repository metadata"
    echo "$id: $(stat -c %s "$nupkg") bytes, symbols $(stat -c %s "$feed/$id.$version.snupkg") bytes"
done
for id in Simd.Kernels Simd.Network; do
    unzip -l "$feed/$id.$version.nupkg" "lib/net10.0/$id.xml" >/dev/null || fail "$id: no XML documentation"
done
kernels_size=$(stat -c %s "$feed/Simd.Kernels.$version.nupkg")
(( kernels_size < 1048576 )) || fail "Simd.Kernels.$version.nupkg is $kernels_size bytes, over 1 MB"
! unzip -p "$feed/Simd.Kernels.$version.nupkg" Simd.Kernels.nuspec | grep -q '<dependency ' || fail "Simd.Kernels has a package dependency"

# The consumers restore into a private package folder, emptied of Simd.*, so they get the packages just
# built and not a same-version copy cached by an earlier run.
consumer_packages="$PWD/artifacts/nuget-packages"
rm -rf "$consumer_packages"/simd.*

echo "== samples/Consumer from the local feed"
NUGET_PACKAGES=$consumer_packages dotnet run --project samples/Consumer/Consumer.csproj -c Release -p:SimdVersion="$version"

echo "== the simd tool from the local feed"
rm -rf artifacts/tool
NUGET_PACKAGES=$consumer_packages dotnet tool install Simd.Cli --version "$version" --tool-path artifacts/tool --add-source "$feed"
artifacts/tool/simd info

echo "== Native AOT publish of simd"
if ! command -v clang >/dev/null || [[ ! -f /usr/include/zlib.h ]]; then
    sudo=$([[ $(id -u) == 0 ]] || echo sudo)
    $sudo apt-get update -qq && $sudo apt-get install -y -qq clang zlib1g-dev
fi
rm -rf artifacts/aot
dotnet publish src/Cli/Simd.Cli.csproj -c Release -r linux-x64 -p:PublishAot=true -o artifacts/aot
echo "simd (native): $(stat -c %s artifacts/aot/simd) bytes"
info=$(artifacts/aot/simd info)
echo "$info"
grep -q '^Code: *Native AOT' <<<"$info" || fail "the AOT binary does not report Native AOT"
grep -q '^Published for: *x86-64-v3' <<<"$info" || fail "the AOT binary does not report its instruction set"
# The v3 build must run the kernels at 256 bits wherever the CPU has AVX2 (the trap: 128 without it).
if grep -qw avx2 /proc/cpuinfo; then
    grep -q '^Selected level: *256' <<<"$info" || fail "the AOT binary does not select the 256-bit level on an AVX2 CPU"
fi
rm -f artifacts/aot-digits.simd
trained=$(artifacts/aot/simd train --epochs 2 --save artifacts/aot-digits.simd)
echo "$trained"
evaluated=$(artifacts/aot/simd evaluate --load artifacts/aot-digits.simd)
echo "$evaluated"
# The saved model, read back by the native binary, scores what training reported on the same test split.
trained_accuracy=$(grep -oP '^final: test accuracy \K[0-9.]+ %' <<<"$trained") || fail "no final accuracy in the training output"
evaluated_accuracy=$(grep -oP '^loss [0-9.]+  accuracy \K[0-9.]+ %' <<<"$evaluated") || fail "no accuracy in the evaluate output"
[[ $trained_accuracy == "$evaluated_accuracy" ]] \
    || fail "the AOT binary's evaluation of its saved model ($evaluated_accuracy) differs from its training report ($trained_accuracy)"

echo "== packages passed"
