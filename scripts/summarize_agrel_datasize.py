#!/usr/bin/env python3
"""DeepAGREL − backprop against the number of training images
(scripts/exp_agrel_datasize.sh). Reads every runs/agrel/size-DATA-N/ and, for
N = 7000 on MNIST-10k, §7.1's runs/agrel/p10 (the whole training split, same
settings), and for all 55,000 Fashion-MNIST training images
runs/agrel/fashion-dense-lr005; prints one row per (data, net, N): test accuracy (mean ± sample
std over seeds) at the best-validation and at the last epoch's weights for
both rules, the gaps, and the best-validation epochs.

usage: python3 scripts/summarize_agrel_datasize.py [RUNS_ROOT] [--csv FILE]
"""
import json, os, statistics, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from summarize_agrel import ms, split_csv_arg, write_csv  # noqa: E402


def main():
    args, csv = split_csv_arg(sys.argv[1:])
    root = args[0] if args else "runs/agrel"
    dirs = sorted(d for d in os.listdir(root) if d.startswith("size-")) + ["p10", "fashion-dense-lr005"]
    groups, named = {}, []
    for d in dirs:
        base = os.path.join(root, d)
        if not os.path.isdir(base):
            continue
        for run in sorted(os.listdir(base)):
            p = os.path.join(base, run, "summary.json")
            if not os.path.exists(p):
                continue
            s = json.load(open(p))
            if d == "p10" and s["net"] != "dense":
                continue
            named.append((f"{d}/{run}", s))
            key = (s["data"], s["net"], s["lr"], s["max_epochs"], s["patience"], s["train_examples"])
            groups.setdefault(key, {}).setdefault(s["rule"], []).append(s)
    print("| data | net | lr | epochs ≤ / patience | training images | DeepAGREL test % (best-valid) | backprop | gap | "
          "DeepAGREL (last epoch) | backprop (last epoch) | gap (last) | best-valid epoch, DeepAGREL / backprop | seeds |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (data, net, lr, cap, pat, n), g in sorted(groups.items()):
        a, b = g.get("agrel", []), g.get("backprop", [])
        if not a or not b:
            continue
        m = lambda rs, k: statistics.mean(r[k] for r in rs)
        gap = 100 * (m(a, "test_acc") - m(b, "test_acc"))
        gapl = 100 * (m(a, "test_acc_last") - m(b, "test_acc_last"))
        print(f"| {data} | {net} | {lr:g} | {cap} / {pat} | {n} | {ms([r['test_acc'] for r in a], 100)} | "
              f"{ms([r['test_acc'] for r in b], 100)} | {gap:+.2f} | "
              f"{ms([r['test_acc_last'] for r in a], 100)} | {ms([r['test_acc_last'] for r in b], 100)} | "
              f"{gapl:+.2f} | {m(a, 'best_epoch'):.1f} / {m(b, 'best_epoch'):.1f} | {len(a)}/{len(b)} |")
    if csv:
        write_csv(csv, named)


if __name__ == "__main__":
    main()
