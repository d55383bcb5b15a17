#!/usr/bin/env python3
"""Summarise coagent runs (synrl rl ... --out DIR/PRESET-sSEED).

usage: coagent_summary.py RUNS_DIR CSV_OUT

Writes one CSV row per run and prints the Markdown table of docs/results.md:
per task and method, the number of runs and mean (std) over runs of the
average return over all training episodes (the published metric), beside the
published mean (std), whether the issue's target is met (mean at least the
published mean minus one published standard deviation), and the mean wall /
CPU seconds per run. Our std is the sample std (n - 1); the authors' script
prints NumPy's population std (n)."""
import csv, glob, json, math, os, re, sys

PUBLISHED = {  # reference/coagent-networks.md
    ("multiplexer20", "weightmax"): "0.81 (0.01)",
    ("cartpole", "weightmax"): "390.38 (43.25)",
    ("cartpole", "weightmax-traces"): "373.11 (17.86)",
    ("cartpole", "mapprop"): "459.70 (13.89)",
    ("acrobot", "weightmax"): "-97.05 (2.90)",
    ("acrobot", "weightmax-traces"): "-105.00 (4.38)",
    ("acrobot", "mapprop"): "-100.29 (5.40)",
    ("lunarlander", "weightmax"): "111.23 (16.58)",
    ("lunarlander", "weightmax-traces"): "39.04 (14.39)",
    ("lunarlander", "mapprop"): "127.88 (24.57)",
    ("mountaincar", "mapprop"): "39.45 (30.48)",
}
TASKS = ["multiplexer20", "multiplexer37", "cartpole", "acrobot", "lunarlander", "mountaincar"]
METHODS = ["weightmax", "weightmax-traces", "mapprop", "reinforce", "backprop", "ste"]


def main(runs, csv_out):
    rows = []
    for f in sorted(glob.glob(os.path.join(runs, "*", "summary.json"))):
        d = json.load(open(f))
        m = re.match(r"(.+)-s(\d+)$", os.path.basename(os.path.dirname(f)))
        if not m or "-" not in d["preset"]:
            continue
        task, method = d["preset"].split("-", 1)
        rows.append(dict(task=task, method=method, seed=d["seed"], episodes=d["episodes"],
                         steps=d["steps"], avg_return=d["avg_return"],
                         last100_return=d["last100_return"], seconds=d["seconds"],
                         cpu_seconds=d["cpu_seconds"], actor_fnv1a64=d["actor_fnv1a64"]))
    rows.sort(key=lambda r: (TASKS.index(r["task"]) if r["task"] in TASKS else 99,
                             METHODS.index(r["method"]) if r["method"] in METHODS else 99, r["seed"]))
    tmp = csv_out + ".tmp"
    with open(tmp, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()) if rows else ["task"])
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, csv_out)
    print("| task | method | runs | avg return, mean (std) | published | target met | last-100 return | wall s / run | CPU s / run |")
    print("|---|---|---|---|---|---|---|---|---|")
    groups = {}
    for r in rows:
        groups.setdefault((r["task"], r["method"]), []).append(r)
    for key, g in groups.items():
        v = [r["avg_return"] for r in g]
        n = len(v)
        mean = sum(v) / n
        sd = math.sqrt(sum((x - mean) ** 2 for x in v) / (n - 1)) if n > 1 else float("nan")
        l100 = sum(r["last100_return"] for r in g) / n
        wall = sum(r["seconds"] for r in g) / n
        cpu = sum(r["cpu_seconds"] for r in g) / n
        fmt = "%.3f" if key[0].startswith("multiplexer") else "%.2f"
        pub = PUBLISHED.get(key)
        met = "–"
        if pub:
            pm, ps = (float(x) for x in pub.replace("(", " ").replace(")", " ").split())
            met = "yes" if mean >= pm - ps else "no"
        print(f"| {key[0]} | {key[1]} | {n} | {fmt % mean} ({fmt % sd}) | {pub or '–'} | {met} | "
              f"{fmt % l100} | {wall:.1f} | {cpu:.1f} |")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
