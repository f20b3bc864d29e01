"""Summarizes the gate proof's runs (prove.sh): per case, how often each kind of run was flagged, and the spread of its ratios."""
import glob, json, os, statistics, sys

folder = sys.argv[1]
print(f"# A/B gate proof: {os.path.basename(os.path.abspath(folder))}\n")
for kind, meaning in (("unchanged", "two builds of the same commit: every SLOWER is a false alarm"),
                      ("injected", "the commit with injected-slowdowns.patch against the commit")):
    files = sorted(glob.glob(os.path.join(folder, f"{kind}-*.json")), key=lambda f: int(f.rsplit("-", 1)[1].split(".")[0]))
    if not files:
        continue
    runs = [json.load(open(f)) for f in files]
    print(f"## {kind}: {len(runs)} runs ({meaning})\n")
    print(f"base {runs[0]['baseCommit'][:10]}, machine {runs[0]['machine']}, threshold {runs[0]['settings']['threshold']:.0%}, "
          f"{runs[0]['settings']['confidence']:.0%} interval\n")
    print("| case | flagged SLOWER | median ratios: min / median / max | widest interval | rounds (max) |")
    print("| --- | ---: | --- | --- | ---: |")
    names = sorted({c["name"] for r in runs for c in r["cases"]})
    for name in names:
        cases = [c for r in runs for c in r["cases"] if c["name"] == name]
        ratios = [c["ratio"] for c in cases]
        flagged = sum(c["verdict"] == "Slower" for c in cases)
        widest = max(cases, key=lambda c: c["upper"] - c["lower"])
        print(f"| {name} | {flagged} of {len(cases)} | ×{min(ratios):.3f} / ×{statistics.median(ratios):.3f} / ×{max(ratios):.3f} "
              f"| [{widest['lower']:.3f}, {widest['upper']:.3f}] | {max(len(c['ratios']) for c in cases)} |")
    failed = sum(any(c["verdict"] == "Slower" for c in r["cases"]) for r in runs)
    print(f"\nRuns that failed the gate: {failed} of {len(runs)}.\n")
