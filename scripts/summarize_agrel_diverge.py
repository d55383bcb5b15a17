#!/usr/bin/env python3
"""Tables of scripts/exp_agrel_diverge.sh: (1) the probes (runs/agrel/probe):
per probe whether the loss became non-finite and at which step, in how many of
the first 10 steps the step raised the loss on its own batch, lr × the output
layer's curvature over the first 10 steps (max) and over the last 10 probed,
and the last loss; (2) the short classify runs of the remedies
(runs/agrel/{fashion,loccon}-*): test accuracy or the epoch in which the run
diverged. Writes docs/data/agrel-diverge-probe.csv,
docs/data/agrel-diverge-runs.csv and a copy of every probe's per-step CSV in
docs/data/agrel-probe/ unless --no-csv.

usage: python3 scripts/summarize_agrel_diverge.py [--no-csv]
"""
import csv, glob, json, os, sys

ROOT = "runs/agrel"
RUN_TAGS = ["fashion-ref", "fashion-lr005", "fashion-warmup430", "fashion-clip1",
            "loccon-ref", "loccon-lr005", "loccon-warmup219", "loccon-clip1"]


def atomic_csv(path, header, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    os.replace(tmp, path)


def probes():
    out = []
    for p in sorted(glob.glob(os.path.join(ROOT, "probe", "*.csv"))):
        name = os.path.basename(p)[:-4]
        rows = list(csv.DictReader(open(p)))
        txt = open(p[:-4] + ".txt").read()
        div = next((l.split()[1].rstrip(":") for l in txt.splitlines() if "diverged" in l), "")
        first = [r for r in rows if int(r["step"]) <= 10]
        over = sum(1 for r in first if float(r["after"]) > float(r["loss"]))
        fin = [float(r["lr*lam"]) for r in first if r["lr*lam"] not in ("inf", "-nan", "nan")]
        tail = [float(r["lr*lam"]) for r in rows[-10:] if r["lr*lam"] not in ("inf", "-nan", "nan")]
        out.append([name, rows[-1]["step"] if rows else 0, div or "no", over,
                    f"{max(fin):.3g}" if fin else "", f"{max(tail):.3g}" if tail and not div else "",
                    rows[-1]["loss"] if rows and not div else ""])
    return ["probe", "steps", "diverged at step", "overshooting steps of first 10",
            "max lr*lam first 10", "max lr*lam last 10 printed", "last loss"], out


def runs():
    out = []
    for tag in RUN_TAGS:
        for d in sorted(glob.glob(os.path.join(ROOT, tag, "*"))):
            name = os.path.basename(d)
            data, net, rule, seed = name.split("-")
            sp = os.path.join(d, "summary.json")
            if os.path.exists(sp):
                s = json.load(open(sp))
                out.append([tag, data, net, rule, seed[1:], s["lr"], s.get("warmup_steps", 0),
                            s.get("clip_norm", 0), "no", f"{100 * s['test_acc']:.2f}",
                            f"{100 * s['test_acc_last']:.2f}", s["best_epoch"],
                            f"{s['epochs']}/{s['max_epochs']}", f"{s['cpu_seconds']:.0f}"])
            else:
                m = os.path.join(d, "metrics.csv")
                done = max(0, sum(1 for _ in open(m)) - 1) if os.path.exists(m) else 0
                out.append([tag, data, net, rule, seed[1:], "", "", "", f"in epoch {done + 1}",
                            "", "", "", "", ""])
    return ["tag", "data", "net", "rule", "seed", "lr", "warmup_steps", "clip_norm", "diverged",
            "test acc % (best-valid)", "test acc % (last)", "best-valid epoch", "epochs run/cap",
            "CPU s"], out


def md(header, rows):
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(str(x) for x in r) + " |")
    print()


def main():
    ph, pr = probes()
    rh, rr = runs()
    md(ph, pr)
    md(rh, rr)
    if "--no-csv" not in sys.argv:
        os.makedirs("docs/data", exist_ok=True)
        atomic_csv("docs/data/agrel-diverge-probe.csv", ph, pr)
        atomic_csv("docs/data/agrel-diverge-runs.csv", rh, rr)
        os.makedirs("docs/data/agrel-probe", exist_ok=True)
        for p in sorted(glob.glob(os.path.join(ROOT, "probe", "*.csv"))):
            rows = list(csv.reader(open(p)))
            atomic_csv(os.path.join("docs/data/agrel-probe", os.path.basename(p)), rows[0], rows[1:])


if __name__ == "__main__":
    main()
