#!/usr/bin/env python3
"""Compare variants of the same coagent presets, seed by seed.

usage: coagent_compare.py [--csv OUT] LABEL=DIR[,DIR...] [LABEL=DIR...]

Each DIR holds runs PRESET-sSEED/summary.json (scripts/exp_coagent.sh); a
label may pool several folders (e.g. seeds 1-10 in one, 11-20 in another).
Prints, per preset and label, the runs, the mean (sample std) and median of
the average return over all training episodes, the worst run, and the
average return of every seed (given several labels, only the presets that
at least two of them ran, and of each only the seeds that all variants with
that preset ran); with --csv, one row per run (label, preset,
seed, avg_return, last100_return, adam_eps, adam_correct_until)."""
import csv, glob, json, os, re, statistics, sys


def load(dirs):
    runs = {}
    for d in dirs:
        for f in glob.glob(os.path.join(d, "*-s*", "summary.json")):
            m = re.match(r"(.+)-s(\d+)$", os.path.basename(os.path.dirname(f)))
            if not m:
                continue
            s = json.load(open(f))
            runs[(m.group(1), int(m.group(2)))] = s
    return runs


def main(argv):
    csv_out = None
    if argv[:1] == ["--csv"]:
        csv_out, argv = argv[1], argv[2:]
    if not argv or any("=" not in a for a in argv):
        sys.exit(__doc__.strip().splitlines()[2])
    variants = []
    for a in argv:
        label, dirs = a.split("=", 1)
        runs = load(dirs.split(","))
        if not runs:
            sys.exit(f"coagent_compare: {dirs}: no runs (PRESET-sSEED/summary.json)")
        variants.append((label, runs))
    # the seeds each variant ran, per preset
    have = {}
    for i, (_, runs) in enumerate(variants):
        for p, s in runs:
            have.setdefault(p, [set() for _ in variants])[i].add(s)
    presets = sorted(have)
    if len(variants) > 1:  # only the presets that at least two variants ran
        presets = [p for p in presets if sum(1 for h in have[p] if h) > 1]
    print("| preset | variant | runs | avg return, mean (std) | median | worst | per seed (seed: avg return) |")
    print("|---|---|---|---|---|---|---|")
    rows = []
    for p in presets:
        # compare like with like: only the seeds that every variant with this preset ran
        common = set.intersection(*[h for h in have[p] if h])
        fmt = "%.3f" if p.startswith("multiplexer") else "%.2f"
        for (label, runs), h in zip(variants, have[p]):
            seeds = sorted(h & common)
            if not seeds:
                continue
            v = [runs[(p, s)]["avg_return"] for s in seeds]
            sd = statistics.stdev(v) if len(v) > 1 else float("nan")
            per = ", ".join(f"{s}: {fmt % x}" for s, x in zip(seeds, v))
            print(f"| {p} | {label} | {len(v)} | {fmt % statistics.mean(v)} ({fmt % sd}) | "
                  f"{fmt % statistics.median(v)} | {fmt % min(v)} | {per} |")
            for s in seeds:
                r = runs[(p, s)]
                rows.append(dict(variant=label, preset=p, seed=s, avg_return=r["avg_return"],
                                 last100_return=r["last100_return"], adam_eps=r.get("adam_eps", 1e-8),
                                 adam_correct_until=r.get("adam_correct_until", 0)))
    if not rows:
        sys.exit("coagent_compare: no preset and seed that two of the variants both ran")
    if csv_out:
        tmp = csv_out + ".tmp"
        with open(tmp, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(rows)
        os.replace(tmp, csv_out)


if __name__ == "__main__":
    main(sys.argv[1:])
