#!/usr/bin/env python3
"""Table of a DeepAGREL experiment (scripts/exp_agrel.sh): per data set, net
and rule the test accuracy (mean ± sample std over seeds) at the weights of
the best validation epoch and at the last epoch, the epoch of the best
validation accuracy, the epochs run, how many runs early stopping ended, and
CPU seconds per run.

usage: python3 scripts/summarize_agrel.py runs/agrel/TAG [--csv FILE]
  --csv FILE  also write one row per finished run (data, net, rule, seed, lr,
              warm-up, clip, accuracies, epochs, CPU seconds) to FILE
"""
import json, os, statistics, sys


def ms(v, scale=1.0, fmt="{:.2f}"):
    if not v:
        return "–"
    m = statistics.mean(v) * scale
    s = statistics.stdev(v) * scale if len(v) > 1 else float("nan")
    return (fmt + " ± " + fmt).format(m, s)


CSV_FIELDS = ["data", "net", "rule", "seed", "lr", "batch", "bn_momentum", "warmup_steps",
              "clip_norm", "max_epochs", "patience", "epochs", "best_epoch", "stopped_early",
              "best_valid_acc", "test_acc", "test_acc_last", "cpu_seconds", "train_examples"]


def write_csv(path, runs):
    rows = ["run," + ",".join(CSV_FIELDS)]
    for name, r in runs:
        rows.append(name + "," + ",".join(str(r.get(f, "")).lower() if isinstance(r.get(f), bool)
                                          else str(r.get(f, 0 if f in ("warmup_steps", "clip_norm") else ""))
                                          for f in CSV_FIELDS))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(rows) + "\n")
    os.replace(tmp, path)


def split_csv_arg(argv):
    """(the arguments without "--csv FILE", FILE or None)"""
    args = list(argv)
    if "--csv" not in args:
        return args, None
    i = args.index("--csv")
    if i + 1 >= len(args):
        sys.exit("summarize: --csv needs a file name")
    csv = args[i + 1]
    del args[i:i + 2]
    return args, csv


def main():
    args, csv = split_csv_arg(sys.argv[1:])
    root = args[0] if args else "runs/agrel/full"
    named = []
    groups, unfinished = {}, []
    for d in sorted(os.listdir(root)):
        p = os.path.join(root, d, "summary.json")
        if not os.path.exists(p):
            unfinished.append(d)
            continue
        s = json.load(open(p))
        named.append((d, s))
        groups.setdefault((s["data"], s["net"], s["rule"]), []).append(s)
    print(f"runs: {root}\n")
    print("| data | net | rule | seeds | test acc % (best-valid weights) | test acc % (last epoch) "
          "| best-valid epoch | epochs run (cap) | stopped early | CPU s/run |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (data, net, rule), runs in sorted(groups.items()):
        acc = [r["test_acc"] for r in runs]
        last = [r["test_acc_last"] for r in runs]
        early = sum(1 for r in runs if r["stopped_early"])
        be = [r["best_epoch"] for r in runs]
        ep = [r["epochs"] for r in runs]
        cpu = [r["cpu_seconds"] for r in runs]
        cap = sorted({r["max_epochs"] for r in runs})
        seeds = ",".join(str(r["seed"]) for r in sorted(runs, key=lambda r: r["seed"]))
        print(f"| {data} | {net} | {rule} | {seeds} | {ms(acc, 100)} | {ms(last, 100)} | "
              f"{ms(be, 1, '{:.1f}')} | {ms(ep, 1, '{:.1f}')} ({'/'.join(map(str, cap))}) | "
              f"{early}/{len(runs)} | {statistics.mean(cpu):.0f} |")
    print()
    for (data, net) in sorted({(d, n) for d, n, _ in groups}):
        a, b = groups.get((data, net, "agrel")), groups.get((data, net, "backprop"))
        if not a or not b:
            continue
        da = statistics.mean(r["test_acc"] for r in a) - statistics.mean(r["test_acc"] for r in b)
        ra = statistics.mean(r["best_epoch"] for r in a) / statistics.mean(r["best_epoch"] for r in b)
        print(f"{data} {net}: agrel − backprop = {100 * da:+.2f} points; "
              f"best-valid epoch ratio agrel/backprop = {ra:.2f}")
    if csv:
        write_csv(csv, named)
    if unfinished:
        print("\nunfinished or failed (no summary.json): " + ", ".join(unfinished))


if __name__ == "__main__":
    main()
