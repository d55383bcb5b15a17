#!/usr/bin/env python3
"""Merge the metrics.csv of many run directories into one CSV with a `run`
column (the directory name), for plotting learning curves elsewhere.

usage: collect_curves.py OUT.csv RUNDIR [RUNDIR ...]"""
import csv, os, sys

def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    out, dirs = argv[0], argv[1:]
    tmp = out + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = None
        for d in sorted(dirs):
            p = os.path.join(d, "metrics.csv")
            if not os.path.exists(p):
                continue
            with open(p) as g:
                r = csv.DictReader(g)
                if w is None:
                    w = csv.DictWriter(f, ["run"] + r.fieldnames)
                    w.writeheader()
                for row in r:
                    row["run"] = os.path.basename(os.path.normpath(d))
                    w.writerow(row)
    os.replace(tmp, out)

if __name__ == "__main__":
    main(sys.argv[1:])
