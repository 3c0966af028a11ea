#!/usr/bin/env python3
"""compare_chains.py DIR_A DIR_B RTOL — two -mode sample runs of the same chains (e.g. the chains
one after another on one rank, and concurrently in -chain_groups on several) agree: every kept
sample's QoI and eigen-direction coefficients in DIR/trace.csv, and the sums of the mean and
standard-deviation fields and the QoI figures in DIR/mcmc.json, and the saved samples in
DIR/mcmc_samples.h5 (by dof key), to relative tolerance RTOL (the
runs differ by rounding only: a solve's result depends slightly on its initial guess)."""
import csv
import json
import sys


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    a, b, rtol = argv[1], argv[2], float(argv[3])
    bad = []

    def close(x, y, scale=0.0):
        return abs(x - y) <= rtol * max(abs(x), abs(y), scale, 1e-300)

    ta, tb = (list(csv.reader(open(f"{d}/trace.csv"))) for d in (a, b))
    if len(ta) != len(tb) or len(ta) < 2 or ta[0] != tb[0]:
        bad.append(f"trace.csv: {len(ta)} against {len(tb)} lines, header {ta[:1]} against {tb[:1]}")
    else:
        for i, (ra, rb) in enumerate(zip(ta[1:], tb[1:]), start=2):
            if ra[:2] != rb[:2] or not all(
                    close(float(x), float(y), 1.0) for x, y in zip(ra[2:], rb[2:])):
                bad.append(f"trace.csv line {i}: {ra} against {rb}")
                break
    ja, jb = (json.load(open(f"{d}/mcmc.json")) for d in (a, b))
    for key in ("mean_field_sum", "stddev_field_sum"):
        if not close(ja[key], jb[key]):
            bad.append(f"{key}: {ja[key]} against {jb[key]}")
    for key in ("mcmc_mean", "mcmc_5", "mcmc_95"):
        if not close(ja["qoi"][key], jb["qoi"][key]):
            bad.append(f"qoi {key}: {ja['qoi'][key]} against {jb['qoi'][key]}")
    import h5py
    import numpy as np
    with h5py.File(f"{a}/mcmc_samples.h5", "r") as fa, h5py.File(f"{b}/mcmc_samples.h5", "r") as fb:
        if sorted(fa.keys()) != sorted(fb.keys()) or not np.array_equal(fa["keys"], fb["keys"]):
            bad.append(f"mcmc_samples.h5: datasets {sorted(fa.keys())} against {sorted(fb.keys())}")
        else:
            for name in (k for k in fa.keys() if k.startswith("chain_")):
                x, y = np.asarray(fa[name]), np.asarray(fb[name])
                scale = max(np.abs(x).max(initial=0), np.abs(y).max(initial=0), 1e-300)
                if x.shape != y.shape or x.size == 0 or np.abs(x - y).max() > rtol * scale:
                    bad.append(f"mcmc_samples.h5 {name}: shapes {x.shape} {y.shape} or values differ")
    if bad:
        print("compare_chains: the runs differ:\n  " + "\n  ".join(bad))
        return 1
    print(f"compare_chains: {len(ta) - 1} samples, the saved samples and the fields agree to "
          f"{rtol:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
