#!/usr/bin/env python3
"""Cost model of data-parallel synaptic RL vs data-parallel backprop, from
the measurements of bench/mpi_scaling.sh (docs/mpi.md).

Synaptic RL, P processes, batch of C chunks (256 rows each on the 8-bit path):
    T_rl(P) = T_shared + C * t_chunk / min(P, C) + T_gather(P)
  T_shared: the per-synapse policy step every process repeats;
  t_chunk:  one chunk's share of the loss (A += P.D and the loss tail);
  T_gather: an allgather of the C partial losses (8 bytes each),
            ceil(log2 P) * alpha + 8 C (P-1)/P / beta.
Backprop (the same network and batch), rows split over P processes:
    T_bp(P) = T_step / P + T_allreduce(P),
  T_allreduce: ring allreduce of every gradient (8 bytes per parameter),
            2 (P-1) alpha + 2 (P-1)/P * 8 n_params / beta.
T_shared and t_chunk come from the one-process runs with batch 5000 and 256;
the loopback gather cost from the P = 2 run. alpha and beta for a cluster are
assumptions, given as flags.
usage: scripts/mpi_model.py BENCH.csv [--alpha-us 2] [--beta-gbs 12.5]
"""
import argparse, csv, math, sys

ap = argparse.ArgumentParser()
ap.add_argument("csv")
ap.add_argument("--alpha-us", type=float, default=2.0, help="network latency per message, microseconds")
ap.add_argument("--beta-gbs", type=float, default=12.5, help="network bandwidth, GB/s (12.5: 100 Gb/s)")
ap.add_argument("--ranks", default="1,2,8,64,512")
a = ap.parse_args()
rows = list(csv.DictReader(open(a.csv)))
by = {(r["network"], r["case"], r["processes"]): r for r in rows}
params = {"0hu": 7850, "32hu": 25450}
C = math.ceil(5000 / 256)
alpha, beta = a.alpha_us * 1e-3, a.beta_gbs * 1e6  # ms, bytes per ms
ranks = [int(x) for x in a.ranks.split(",")]

print("Measured on this machine (ms per iteration, one thread per process):\n")
print("| network | 1 process, no MPI | 1 process, mpirun | 2 processes | speed-up | bytes sent per process per iteration | one-chunk batch (256) | GD step, batch 5000 |")
print("|---|---|---|---|---|---|---|---|")
model = {}
for net in ("0hu", "32hu"):
    g = lambda case, p="1": float(by[(net, case, p)]["ms_per_iter"])
    t1, tm1, t2, t256, tgd = g("no-mpi"), g("mpirun"), g("mpirun", "2"), g("one-chunk"), g("gd-step")
    b2 = float(by[(net, "mpirun", "2")]["bytes_per_iter_per_process"])
    same = by[(net, "no-mpi", "1")]["params_fnv1a64"] == by[(net, "mpirun", "2")]["params_fnv1a64"]
    t_chunk = max(t1 - t256, 0.0) / (C - 1)
    t_shared = max(t256 - t_chunk, 0.0)
    gather2 = t2 - (t_shared + C * t_chunk / 2)
    model[net] = (t_shared, t_chunk, gather2, tgd)
    print(f"| {net.upper().replace('HU', ' HU')} | {t1:.3f} | {tm1:.3f} | {t2:.3f} | {t1 / t2:.2f}x | {b2:.0f} | {t256:.3f} | {tgd:.2f} |")
    if not same:
        print(f"\nWARNING: {net}: the 2-process run did not end with the single-process weights", file=sys.stderr)
print()
print("Fitted: T_shared (policy step, repeated by every process), t_chunk (one of the "
      f"{C} chunks of 256 rows), and the gather at P = 2 over loopback (the rest of the 2-process time):\n")
print("| network | T_shared (ms) | t_chunk (ms) | gather at P = 2, loopback (ms) |")
print("|---|---|---|---|")
for net, (ts, tc, g2, _) in model.items():
    g2s = f"{g2:.4f}" if g2 > 0 else f"below resolution ({g2:+.4f}: P = 2 beat the compute model)"
    print(f"| {net.upper().replace('HU', ' HU')} | {ts:.4f} | {tc:.4f} | {g2s} |")
print()
print(f"Predicted ms per iteration on a cluster (alpha = {a.alpha_us:g} us, beta = {a.beta_gbs:g} GB/s; "
      f"batch 5000 = {C} chunks, so at most {C} processes have work):\n")
print("| network | rule | bytes each process ends up with per step | " + " | ".join(f"P = {p}" for p in ranks) + " |")
print("|---|---|---|" + "---|" * len(ranks))
for net, (ts, tc, _, tgd) in model.items():
    def rl(P):
        gather = 0.0 if P == 1 else math.ceil(math.log2(P)) * alpha + 8 * C * (P - 1) / P / beta
        return ts + C * tc / min(P, C) + gather
    def bp(P):
        nbytes = 8 * params[net]
        red = 0.0 if P == 1 else 2 * (P - 1) * alpha + 2 * (P - 1) / P * nbytes / beta
        return tgd / min(P, 5000) + red
    name = net.upper().replace("HU", " HU")
    print(f"| {name} | synaptic RL | {8 * C} (C partial losses, gathered) | " + " | ".join(f"{rl(p):.3f}" for p in ranks) + " |")
    print(f"| {name} | backprop | {2 * 8 * params[net]:,} (ring allreduce of {params[net]:,} gradients) | " + " | ".join(f"{bp(p):.3f}" for p in ranks) + " |")
