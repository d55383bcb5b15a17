#!/usr/bin/env python3
"""Aggregate synrl run directories (summary.json) into a Markdown table.

usage: summarize.py LABEL=GLOB [LABEL=GLOB ...] [--metric valid_acc] [--extra train_acc,...]

Each LABEL=GLOB selects run directories; the table gives, per label, the
number of runs and mean / std / min / max of the chosen metrics."""
import glob, json, math, os, sys

def stats(v):
    n = len(v)
    m = sum(v) / n
    sd = math.sqrt(sum((x - m) ** 2 for x in v) / (n - 1)) if n > 1 else 0.0
    return m, sd, min(v), max(v)

def main(argv):
    metrics = ["valid_acc"]
    groups = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--metrics":
            metrics = argv[i + 1].split(",")
            i += 2
            continue
        label, pat = a.split("=", 1)
        groups.append((label, pat))
        i += 1
    pct = lambda k: k.endswith("_acc")
    head = ["run", "n"]
    for k in metrics:
        head += [f"{k} mean", "std", "min", "max"] if k not in ("seconds", "cpu_seconds", "iterations", "params") else [f"{k} mean"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for label, pat in groups:
        runs = []
        for d in sorted(glob.glob(pat)):
            f = os.path.join(d, "summary.json")
            if os.path.exists(f):
                runs.append(json.load(open(f)))
        if not runs:
            print(f"| {label} | 0 |" + " |" * (len(head) - 2))
            continue
        row = [label, str(len(runs))]
        for k in metrics:
            v = [r[k] for r in runs if r.get(k) is not None]
            if not v:
                row += ["-"] * (4 if k not in ("seconds", "cpu_seconds", "iterations", "params") else 1)
                continue
            m, sd, lo, hi = stats(v)
            if k in ("seconds", "cpu_seconds", "iterations", "params"):
                row.append(f"{m:.1f}" if k.endswith("seconds") else f"{m:.0f}")
            elif pct(k):
                row += [f"{100*m:.2f}%", f"{100*sd:.2f}", f"{100*lo:.2f}%", f"{100*hi:.2f}%"]
            else:
                row += [f"{m:.6f}", f"{sd:.6f}", f"{lo:.6f}", f"{hi:.6f}"]
        print("| " + " | ".join(row) + " |")

if __name__ == "__main__":
    main(sys.argv[1:])
