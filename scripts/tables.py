#!/usr/bin/env python3
"""Every published table of docs/results.md, from the run folders that
`synrl sweep experiments/ID.grid --out runs/ID` makes: ours beside the
published figure, with the target and whether it is met.

usage: python3 scripts/tables.py [ID ...] [--runs DIR]

ID: synrl-2d, synrl-fmnist10, synrl-ocr, synrl-policy, coagent,
coagent-ablation, coagent-optimiser, agrel, agrel-diverge (default: all of them). Each
table reads DIR/ID (default runs/ID); missing runs are counted, never
invented. Accuracies print as percent (files hold fractions). Standard
deviations are sample ones (n - 1), except where noted.

python3 only (the standard library); run folders are read through their
summary.json and, for policy learning, metrics.csv (or log.csv)."""
import csv
import json
import math
import os
import statistics
import sys

# ---------------------------------------------------------------- reading


def load(root, name):
    """summary.json of root/name as a dict, or None."""
    try:
        with open(os.path.join(root, name, "summary.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def runs(root, names):
    """The finished runs among names, and how many of them are missing."""
    got = [r for r in (load(root, n) for n in names) if r is not None]
    return got, len(names) - len(got)


def vals(rs, key):
    return [r[key] for r in rs if isinstance(r.get(key), (int, float))]


def mean(v):
    return statistics.mean(v) if v else float("nan")


def sd(v):
    return statistics.stdev(v) if len(v) > 1 else float("nan")


def pct(x):
    return "–" if x is None or math.isnan(x) else f"{100 * x:.2f}%"


def ms(v, scale=1.0, fmt="{:.2f}"):
    if not v:
        return "–"
    s = sd(v) * scale
    return (fmt + " ± " + fmt).format(mean(v) * scale, s)


def table(head, rows):
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")
    print()


def missing_note(n):
    if n:
        print(f"({n} run(s) not finished or missing: their rows count only the runs there are)\n")


def met(ok):
    return "–" if ok is None else ("met" if ok else "not met")


# ---------------------------------------------------------------- tables

SEEDS10 = range(1, 11)


def t_synrl_2d(root):
    print("Final training accuracy on the 2000 training points (sign agreement with the target), "
          "mean over 10 boundaries; the paper: one run each.\n")
    rows, lost = [], 0
    spec = [("adaptive (learns its table)", "adaptive-s{}", 0.959),
            ("static, own frozen table, new boundary", "static-own-s{}", 0.977),
            ("static, authors' table, new boundary", "static-authors-s{}", 0.977)]
    for label, pat, pub in spec:
        rs, m = runs(root, [pat.format(s) for s in SEEDS10])
        lost += m
        a, l = vals(rs, "train_acc"), vals(rs, "train_loss")
        rows.append([label, len(rs), pct(mean(a)), pct(statistics.median(a)) if a else "–",
                     f"{100 * sd(a):.2f}", pct(min(a)) if a else "–", pct(max(a)) if a else "–",
                     f"{mean(l):.6f}", pct(pub),
                     met(None if not a else statistics.median(a) >= pub - 0.01)])
    table(["run", "n", "train_acc mean", "median", "std", "min", "max", "train_loss mean",
           "paper (single run)", "median within 1 point of the paper"], rows)
    missing_note(lost)


def ocr_rows(root, spec, keys=("valid_acc", "test_acc")):
    rows, lost, by = [], 0, {}
    for label, pat, seeds in spec:
        rs, m = runs(root, [pat.format(s) for s in seeds])
        lost += m
        by[label] = rs
        row = [label, len(rs)]
        for k in keys:
            v = vals(rs, k)
            row += [ms(v, 100), pct(min(v)) if v else "–", pct(max(v)) if v else "–"]
        row += [f"{mean(vals(rs, 'iterations')):.0f}", f"{mean(vals(rs, 'cpu_seconds')):.1f}"]
        rows.append(row)
    head = ["run", "n"]
    for k in keys:
        head += [f"{k} % mean ± std", "min", "max"]
    head += ["iterations mean", "cpu_seconds mean"]
    table(head, rows)
    missing_note(lost)
    return by


def t_synrl_fmnist10(root):
    print("Fashion-MNIST, 0 HU, paper protocol, seed 1: 1.2 M iterations of synaptic RL against "
          "full-batch gradient descent to its plateau.\n")
    ocr_rows(root, [("Syn. RL 0 HU, own policy", "synrl-0hu-own-s{}", [1]),
                    ("Syn. RL 0 HU, authors' table", "synrl-0hu-authors-s{}", [1]),
                    ("Grad. Desc. 0 HU (full batch, to plateau)", "gd-0hu-s{}", [1])])


def t_synrl_ocr(root):
    print("The paper's Table 1 on Fashion-MNIST (paper protocol), five seeds.\n")
    s5 = range(1, 6)
    by = ocr_rows(root, [("Syn. RL 32 HU, authors' table", "synrl-32hu-authors-s{}", s5),
                         ("Syn. RL 32 HU, own table", "synrl-32hu-own-s{}", [1, 2]),
                         ("Grad. Desc. 32 HU (full batch)", "gd-32hu-s{}", s5),
                         ("Syn. RL 0 HU, authors' table", "synrl-0hu-authors-s{}", s5),
                         ("Syn. RL 0 HU, own table", "synrl-0hu-own-s{}", s5),
                         ("Grad. Desc. 0 HU (full batch)", "gd-0hu-s{}", s5),
                         ("SGD 32 HU (batch 100, 100 epochs)", "sgd-32hu-s{}", s5)])

    def va(label):
        return mean(vals(by[label], "valid_acc"))
    print("Beside the paper (notMNIST, five runs each; validation accuracy):\n")
    d32 = va("Syn. RL 32 HU, authors' table") - va("Grad. Desc. 32 HU (full batch)")
    d0 = va("Syn. RL 0 HU, authors' table") - va("Grad. Desc. 0 HU (full batch)")
    table(["", "paper (notMNIST)", "this project (Fashion-MNIST)"],
          [["Syn. RL 32 HU", "88.45% ± 0.60", ms(vals(by["Syn. RL 32 HU, authors' table"], "valid_acc"), 100)],
           ["Grad. Desc. 32 HU", "89.56% ± 0.52", ms(vals(by["Grad. Desc. 32 HU (full batch)"], "valid_acc"), 100)],
           ["difference", "−1.11", "–" if math.isnan(d32) else f"{100 * d32:+.2f}"],
           ["Syn. RL 0 HU", "88.28% ± 0.41", ms(vals(by["Syn. RL 0 HU, authors' table"], "valid_acc"), 100)],
           ["Grad. Desc. 0 HU", "86.42% ± 0.22", ms(vals(by["Grad. Desc. 0 HU (full batch)"], "valid_acc"), 100)],
           ["difference", "+1.86", "–" if math.isnan(d0) else f"{100 * d0:+.2f}"]])


POLICY_TABLES = ["authors", "naive-s1", "naive-s2", "learned-s1", "learned-s2", "learned-s3",
                 "rule-keep-or-reverse", "rule-repeat-if-rewarded", "rule-null"]


def snapshot_scores(root, name):
    """Held-out scores per snapshot of a policy-learn run ('*' = kept)."""
    for f in ("metrics.csv", "log.csv"):
        p = os.path.join(root, name, f)
        if os.path.exists(p):
            with open(p) as fh:
                out = []
                for r in csv.DictReader(fh):
                    s = float(r["acc_2d_mean"]) * 100
                    img = r.get("img_acc", "")
                    cell = f"{s:.2f}"
                    if img not in ("", "nan") and float(img) == float(img) and float(img) > 0:
                        cell += f"/{100 * float(img):.1f}"
                    out.append(cell + ("*" if r.get("best") == "1" else ""))
                return " ".join(out)
    return "–"


def t_synrl_policy(root):
    print("Every table frozen on ten unseen 2D boundaries (101..110), 10,000 static iterations; "
          "target: 99% mean accuracy for a learned table.\n")
    rows, lost = [], 0
    for t in POLICY_TABLES:
        rs, m = runs(root, [f"2d-{t}-b{100 + s}" for s in SEEDS10])
        lost += m
        a, l = vals(rs, "train_acc"), vals(rs, "train_loss")
        target = a and t.startswith("learned")
        rows.append([t, len(rs), pct(mean(a)), pct(min(a)) if a else "–", pct(max(a)) if a else "–",
                     f"{mean(l):.6f}", met(mean(a) >= 0.99 if target else None)])
    table(["table", "n", "acc mean", "min", "max", "loss mean", "target ≥ 99%"], rows)
    missing_note(lost)
    print("Fashion-MNIST, 0 HU, paper protocol, 200,000 iterations, seed 2; target: a learned "
          "table within 0.5 points of the authors' (or above).\n")
    auth = load(root, "fashion-authors")
    rows = []
    for t in ["authors", "naive-s1", "learned-s1", "learned-s2", "learned-s3", "rule-keep-or-reverse"]:
        r = load(root, f"fashion-{t}")
        ok = None
        if r and auth and t.startswith("learned"):
            ok = r.get("valid_acc", 0) >= auth.get("valid_acc", 1) - 0.005
        rows.append([t, pct(r.get("valid_acc")) if r else "–",
                     f"{r['valid_loss']:.6f}" if r and isinstance(r.get("valid_loss"), float) else "–",
                     met(ok)])
    table(["table", "valid acc", "valid loss", "target"], rows)
    print("The learning procedure: held-out 2D score per snapshot (/ Fashion-MNIST validation "
          "accuracy where scored; * = kept).\n")
    names = ["ablation-paper-aq", "ablation-paper-aq-average", "ablation-low-aq-average",
             "ablation-low-aq-average-q2", "ablation-low-aq-average-q2-s2", "ablation-live-zero-s1",
             "ablation-live-zero-s2", "learned-s1", "learned-s2", "learned-s3",
             "ablation-low-aq-average-q2-varied"]
    table(["run", "held-out score per snapshot"], [[n, snapshot_scores(root, n)] for n in names])


COAGENT_PUBLISHED = {  # the papers' table: mean (population std) over 10 runs
    "multiplexer20-weightmax": (0.81, 0.01), "cartpole-weightmax": (390.38, 43.25),
    "cartpole-weightmax-traces": (373.11, 17.86), "cartpole-mapprop": (459.70, 13.89),
    "acrobot-weightmax": (-97.05, 2.90), "acrobot-weightmax-traces": (-105.00, 4.38),
    "acrobot-mapprop": (-100.29, 5.40), "lunarlander-weightmax": (111.23, 16.58),
    "lunarlander-weightmax-traces": (39.04, 14.39), "lunarlander-mapprop": (127.88, 24.57),
    "mountaincar-mapprop": (39.45, 30.48),
}
COAGENT_PRESETS = ["multiplexer20-weightmax", "multiplexer20-reinforce", "multiplexer20-backprop",
                   "multiplexer20-ste", "multiplexer37-mapprop"] + [
    f"{t}-{m}" for t in ("cartpole", "acrobot", "lunarlander")
    for m in ("weightmax", "weightmax-traces", "mapprop", "reinforce", "backprop", "ste")] + [
    "mountaincar-mapprop", "mountaincar-backprop"]


def fmt_for(preset):
    return "%.3f" if preset.startswith("multiplexer") else "%.2f"


def t_coagent(root):
    print("Average return over all training episodes (multiplexer: average reward per sample), "
          "mean (std) over runs; target: mean ≥ published mean − one published std.\n")
    rows, lost = [], 0
    for p in COAGENT_PRESETS:
        rs, m = runs(root, [f"{p}-s{s}" for s in SEEDS10])
        lost += m
        if not rs:
            continue
        v, f = vals(rs, "avg_return"), fmt_for(p)
        pub = COAGENT_PUBLISHED.get(p)
        task, meth = p.split("-", 1)
        rows.append([task, meth, len(rs), f"{f % mean(v)} ({f % sd(v)})",
                     f"{f % pub[0]} ({f % pub[1]})" if pub else "–",
                     met(mean(v) >= pub[0] - pub[1] if pub else None),
                     f % mean(vals(rs, "last100_return")), f"{mean(vals(rs, 'cpu_seconds')):.1f}"])
    table(["task", "method", "runs", "avg return, mean (std)", "published", "target",
           "last-100 return", "CPU s / run"], rows)
    missing_note(lost)


def t_coagent_ablation(root):
    print("CartPole Weight Max, seeds 1..5: the preset, and the preset with one setting put back.\n")
    rows, lost = [], 0
    for v in ["preset", "old-critic-rates", "all-logits-zero-bias"]:
        rs, m = runs(root, [f"{v}-s{s}" for s in range(1, 6)])
        lost += m
        r = vals(rs, "avg_return")
        rows.append([v, len(r), f"{mean(r):.1f} ({sd(r):.1f})", " ".join(f"{x:.0f}" for x in r)])
    table(["variant", "runs", "avg return, mean (std)", "per seed"], rows)
    missing_note(lost)


def t_coagent_optimiser(root):
    print("The presets' Adam against the authors' (ε 1e-9, no bias correction after 1000 steps), "
          "same seeds.\n")
    rows, lost = [], 0
    plan = [("acrobot-mapprop", 20, ["preset", "authors", "eps1e-9", "correct1000"]),
            ("lunarlander-mapprop", 4, ["preset", "authors"]),
            ("mountaincar-mapprop", 10, ["preset", "authors"]),
            ("multiplexer20-weightmax", 10, ["preset", "authors"])]
    for p, n, variants in plan:
        f = fmt_for(p)
        for v in variants:
            rs, m = runs(root, [f"{v}-{p}-s{s}" for s in range(1, n + 1)])
            lost += m
            r = vals(rs, "avg_return")
            if not r:
                continue
            rows.append([p, v, len(r), f"{f % mean(r)} ({f % sd(r)})", f % statistics.median(r),
                         f % min(r)])
    table(["preset", "variant", "runs", "avg return, mean (std)", "median", "worst"], rows)
    missing_note(lost)


AGREL_CELLS = [("mnist10k", "conv", "lr 0.1, patience 45, ≤ 500"),
               ("mnist10k", "dense", "lr 0.1, patience 45, ≤ 500"),
               ("mnist10k", "loccon", "lr 0.05, patience 45, ≤ 500"),
               ("fashion", "dense", "lr 0.05, patience 5, ≤ 20"),
               ("fashion", "conv", "lr 0.05, patience 5, ≤ 20"),
               ("fashion", "loccon", "lr 0.05, patience 5, ≤ 20")]
AGREL_PUBLISHED = {("mnist10k", "conv"): "99.31 ± 0.04 (full MNIST)",
                   ("mnist10k", "dense"): "98.68 ± 0.07 (full MNIST)"}


def t_agrel(root):
    print("Test accuracy at the best-validation weights, mean ± std over 5 seeds; target: DeepAGREL "
          "within 0.3 points of backprop at no more than 2× its epochs to the best validation "
          "accuracy.\n")
    rows, lost = [], 0
    for data, net, settings in AGREL_CELLS:
        a, ma = runs(root, [f"{data}-{net}-agrel-s{s}" for s in range(1, 6)])
        b, mb = runs(root, [f"{data}-{net}-backprop-s{s}" for s in range(1, 6)])
        lost += ma + mb
        ta, tb = vals(a, "test_acc"), vals(b, "test_acc")
        ea, eb = mean(vals(a, "best_epoch")), mean(vals(b, "best_epoch"))
        gap = 100 * (mean(ta) - mean(tb)) if ta and tb else float("nan")
        ratio = ea / eb if ta and tb and eb else float("nan")
        ok = None if math.isnan(gap) else (gap >= -0.3 and ratio <= 2)
        rows.append([data, net, settings, ms(ta, 100), ms(tb, 100),
                     "–" if math.isnan(gap) else f"{gap:+.2f}",
                     "–" if math.isnan(ratio) else f"{ratio:.2f}",
                     AGREL_PUBLISHED.get((data, net), "–"), met(ok)])
    table(["data", "net", "settings", "DeepAGREL", "backprop", "gap", "epochs ratio",
           "published DeepAGREL", "target"], rows)
    missing_note(lost)


def t_agrel_diverge(root):
    print("One seed each: test accuracy at the best-validation weights, or the run's failure "
          "(DeepAGREL diverges at lr 0.1: no summary.json).\n")
    rows = []
    for tag in ["fashion-ref", "fashion-lr005", "fashion-warmup430", "fashion-clip1", "loccon-ref",
                "loccon-lr005", "loccon-warmup219", "loccon-clip1"]:
        for rule in ["agrel", "backprop"]:
            r = load(root, f"{tag}-{rule}-s1")
            if r is None and not os.path.isdir(os.path.join(root, f"{tag}-{rule}-s1")):
                continue
            rows.append([tag, rule, pct(r.get("test_acc")) if r else "no result (diverged or failed)",
                         r.get("best_epoch", "–") if r else "–", r.get("epochs", "–") if r else "–"])
    table(["run", "rule", "test acc", "best-valid epoch", "epochs"], rows)


TABLES = {
    "synrl-2d": ("2D decision boundaries (the paper's Fig. 1)", t_synrl_2d),
    "synrl-fmnist10": ("Fashion-MNIST, 0 HU, ten minutes of synaptic RL", t_synrl_fmnist10),
    "synrl-ocr": ("The paper's Table 1 on Fashion-MNIST", t_synrl_ocr),
    "synrl-policy": ("A static policy that transfers", t_synrl_policy),
    "coagent": ("Coagent networks", t_coagent),
    "coagent-ablation": ("Coagent networks: which setting mattered", t_coagent_ablation),
    "coagent-optimiser": ("Coagent networks: the authors' optimiser", t_coagent_optimiser),
    "agrel": ("DeepAGREL beside backprop", t_agrel),
    "agrel-diverge": ("DeepAGREL's divergence at lr 0.1 and its remedies", t_agrel_diverge),
}


def main(argv):
    root, ids = "runs", []
    i = 0
    while i < len(argv):
        if argv[i] == "--runs" and i + 1 < len(argv):
            root = argv[i + 1]
            i += 2
        elif argv[i] in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            ids.append(argv[i])
            i += 1
    for t in ids:
        if t not in TABLES:
            print(f"tables.py: unknown table '{t}': one of {', '.join(TABLES)}", file=sys.stderr)
            return 2
    for t in ids or list(TABLES):
        title, fn = TABLES[t]
        d = os.path.join(root, t)
        print(f"## {t}: {title}\n\n(runs: {d}; `build/synrl sweep experiments/{t}.grid --out {d}`)\n")
        if not os.path.isdir(d):
            print("(no runs yet)\n")
            continue
        fn(d)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
