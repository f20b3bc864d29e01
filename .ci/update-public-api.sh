#!/usr/bin/env bash
# Records the current public API of the libraries in their PublicAPI.Unshipped.txt: builds each one,
# adds every symbol RS0016 reports as undeclared and drops every line RS0017 reports as gone. Review the
# diff: it is the API change. (PublicAPI.Shipped.txt holds what a released package shipped; on a
# release, move the Unshipped lines there.)
set -euo pipefail
cd "$(dirname "$0")/.."
for project in src/Kernels/Simd.Kernels.csproj src/Network/Simd.Network.csproj; do
    dir=$(dirname "$project")
    unshipped="$dir/PublicAPI.Unshipped.txt"
    log=$(dotnet build "$project" -c Release --no-incremental -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= 2>&1 || true)
    added=$(grep -oP "RS0016: Symbol '\K.*(?=' is not part of the declared public API)" <<<"$log" | sort -u || true)
    removed=$(grep -oP "RS0017: Symbol '\K.*(?=' is part of the declared (public )?API, but is either not public or could not be found)" <<<"$log" | sort -u || true)
    {
        echo '#nullable enable'
        { grep -vxF '#nullable enable' "$unshipped" | grep -vxFf <(printf '%s\n' "$removed") || true; printf '%s\n' "$added"; } | grep -v '^$' | LC_ALL=C sort -u
    } > "$unshipped.new"
    mv "$unshipped.new" "$unshipped"
    echo "$project: $(grep -c . <<<"$added" || true) added, $(grep -c . <<<"$removed" || true) removed"
done
