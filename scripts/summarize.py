#!/usr/bin/env python3
"""Aggregate synrl run directories (summary.json) into a Markdown table.

usage: summarize.py LABEL=GLOB [LABEL=GLOB ...] [--metric valid_acc] [--extra train_acc,...]

Each LABEL=GLOB selects run directories; the table gives, per label, the
number of runs and mean / std / min / max of the chosen metrics."""
import glob, json, math, os, re, sys

def stats(v):
    n = len(v)
    m = sum(v) / n
    sd = math.sqrt(sum((x - m) ** 2 for x in v) / (n - 1)) if n > 1 else 0.0
    return m, sd, min(v), max(v)

def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])

def print_per_seed(groups, k):
    """One row per group, one column per seed (run directories end in -sN)."""
    table = []
    seeds = set()
    for label, pat in groups:
        vals = {}
        for d in glob.glob(pat):
            f = os.path.join(d, "summary.json")
            m = re.search(r"-s(\d+)/?$", d)
            if os.path.exists(f) and m:
                vals[int(m.group(1))] = json.load(open(f)).get(k)
        seeds |= set(vals)
        table.append((label, vals))
    seeds = sorted(seeds)
    print("| run | " + " | ".join(f"s={s}" for s in seeds) + " |")
    print("|" + "---|" * (len(seeds) + 1))
    for label, vals in table:
        cells = []
        for s in seeds:
            v = vals.get(s)
            cells.append("-" if v is None else f"{100*v:.2f}" if k.endswith("_acc") else f"{v:.6g}")
        print(f"| {label} | " + " | ".join(cells) + " |")

def main(argv):
    metrics = ["valid_acc"]
    groups = []
    per_seed = False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--per-seed":
            per_seed = True
            i += 1
            continue
        if a == "--metrics":
            metrics = argv[i + 1].split(",")
            i += 2
            continue
        label, pat = a.split("=", 1)
        groups.append((label, pat))
        i += 1
    pct = lambda k: k.endswith("_acc")
    if per_seed:
        return print_per_seed(groups, metrics[0])
    head = ["run", "n"]
    for k in metrics:
        if k in ("seconds", "cpu_seconds", "iterations", "params"):
            head += [f"{k} mean"]
        elif pct(k):
            head += [f"{k} mean", "median", "std", "min", "max"]
        else:
            head += [f"{k} mean", "std", "min", "max"]
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
                row += ["-"] * (1 if k in ("seconds", "cpu_seconds", "iterations", "params") else 5 if pct(k) else 4)
                continue
            m, sd, lo, hi = stats(v)
            if k in ("seconds", "cpu_seconds", "iterations", "params"):
                row.append(f"{m:.1f}" if k.endswith("seconds") else f"{m:.0f}")
            elif pct(k):
                row += [f"{100*m:.2f}%", f"{100*median(v):.2f}%", f"{100*sd:.2f}", f"{100*lo:.2f}%", f"{100*hi:.2f}%"]
            else:
                row += [f"{m:.6f}", f"{sd:.6f}", f"{lo:.6f}", f"{hi:.6f}"]
        print("| " + " | ".join(row) + " |")

if __name__ == "__main__":
    main(sys.argv[1:])
