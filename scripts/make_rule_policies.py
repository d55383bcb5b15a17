#!/usr/bin/env python3
"""Writes hand-written synaptic rules as synrl policy files (data/policies/rule-*.txt),
so that they go through the same path as learned tables (synrl policy compare,
synrl train --policy). Each state's greedy action gets Q = 1, the others 0.

State: a2, a1 = the synapse's actions at t-2 and t-1 (-1, 0, +1); r2, r1 = the
global rewards that followed them (-1, None = not yet, +1): r1 is the reward of
the step a1, r2 of a2.
usage: scripts/make_rule_policies.py [OUTDIR]"""
import os
import sys

ACT = "-0+"
REW = "-?+"


def keep_or_reverse(a2, a1, r2, r1):
    """Keep the last step while the loss falls, reverse it when it rises; after a
    null step, judge the step before it the same way; no information: null."""
    if a1 != 0 and r1 is not None:
        return a1 * r1
    if a1 == 0 and a2 != 0 and r2 is not None:
        return a2 * r2
    return 0


def repeat_if_rewarded(a2, a1, r2, r1):
    """Repeat the last action while rewarded, else null (exploration alone moves on)."""
    return a1 if r1 == 1 else 0


def always_null(a2, a1, r2, r1):
    """Greedy null everywhere: the weights move only by exploration (a random walk)."""
    return 0


RULES = {
    "rule-keep-or-reverse": keep_or_reverse,
    "rule-repeat-if-rewarded": repeat_if_rewarded,
    "rule-null": always_null,
}


def write(path, fn, doc):
    lines = ["synrl-policy 1",
             "# hand-written rule (scripts/make_rule_policies.py): " + " ".join(doc.split()),
             "#   a(t-2) a(t-1) r(t-2) r(t-1)  Q(-)  Q(0)  Q(+)  greedy"]
    for s in range(81):
        a2, a1, r2, r1 = s % 3 - 1, s // 3 % 3 - 1, s // 9 % 3 - 1, s // 27 - 1
        g = fn(a2, a1, None if r2 == 0 else r2, None if r1 == 0 else r1)
        q = [0, 0, 0]
        q[g + 1] = 1
        lines.append("%s %s %s %s %d %d %d %s" % (ACT[a2 + 1], ACT[a1 + 1], REW[r2 + 1], REW[r1 + 1],
                                                  q[0], q[1], q[2], ACT[g + 1]))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "data/policies"
    os.makedirs(out, exist_ok=True)
    for name, fn in RULES.items():
        write(os.path.join(out, name + ".txt"), fn, fn.__doc__)


if __name__ == "__main__":
    main()
