#!/usr/bin/env python3
"""compare_laplace.py DIR_A DIR_B RTOL — the Laplace results of two runs of one problem (e.g. on
1 and 2 ranks) agree: the figures in DIR/laplace.json (KL divergence, information gain, variance
traces, the leading eigenvalues) and the sums of the posterior and prior samples (drawn by point
location, so the same samples on any rank count) to relative tolerance RTOL."""
import json
import sys


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    a, b = (json.load(open(f"{d}/laplace.json")) for d in argv[1:3])
    rtol = float(argv[3])
    bad = []

    def close(x, y):
        return abs(x - y) <= rtol * max(abs(x), abs(y), 1e-300)

    for key in ("kl_divergence", "information_gain", "prior_variance_trace",
                "posterior_variance_trace"):
        if not close(a[key], b[key]):
            bad.append(f"{key}: {a[key]} against {b[key]}")
    for key in ("posterior_sample_sums", "prior_sample_sums"):
        if len(a[key]) != len(b[key]) or not a[key]:
            bad.append(f"{key}: {len(a[key])} against {len(b[key])} samples")
            continue
        for i, (x, y) in enumerate(zip(a[key], b[key])):
            # Sums of O(1) values over n dofs: compare with the sum of the magnitudes' scale.
            if abs(x - y) > rtol * max(abs(x), abs(y), a["parameters"] ** 0.5):
                bad.append(f"{key}[{i}]: {x} against {y}")
    # The eigenvalues that carry the posterior (λ > 1) agree; the small ones are sketch noise.
    for i, (x, y) in enumerate(zip(a["eigenvalues"], b["eigenvalues"])):
        if x > 1 and not close(x, y):
            bad.append(f"eigenvalue {i + 1}: {x} against {y}")
    for line in bad:
        print("compare_laplace: " + line)
    print(f"compare_laplace: {'differ' if bad else 'agree'} ({argv[1]} and {argv[2]}, rtol {rtol})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
