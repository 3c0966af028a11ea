#!/usr/bin/python3
"""ct_plots.py OUTPUT — the CT example's table and figures, from the run directories
OUTPUT/ct_{poisson,gaussian,limited_poisson,limited_gaussian} written by run_ct.sh.

Prints per reconstruction: the relative L2 error ‖μ − μ_true‖/‖μ_true‖ (summary.json), the SSIM
of the estimate against the truth (Wang et al. 2004: Gaussian window σ = 1.5 pixels, K1 = 0.01,
K2 = 0.03, dynamic range that of the truth) on the image of the mesh's vertex values (the
structured mesh's vertices are a pixel grid), GN-CG iterations and wall time. Writes
OUTPUT/ct_reconstructions.png (truth and the four estimates, one colour scale) and
OUTPUT/ct_sinogram.png (the photon counts of the full and the limited scan, and the counts the
full-scan Poisson estimate predicts). Needs Debian's python3-matplotlib and python3-h5py.
"""
import csv
import json
import os
import sys

RUNS = [("poisson", "Poisson, 180°"), ("gaussian", "least squares, 180°"),
        ("limited_poisson", "Poisson, 60°"), ("limited_gaussian", "least squares, 60°")]


def image(path, np, h5py, name):
    """The vertex field `name` of a structured square mesh as an (n+1) × (n+1) array."""
    with h5py.File(path, "r") as f:
        xy = np.asarray(f["coordinates"][...], dtype=float)
        values = np.asarray(f["vertex_fields"][name][...], dtype=float)
    n = int(round(np.sqrt(len(values)))) - 1
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    ij = np.rint((xy - lo) / (hi - lo) * n).astype(int)
    img = np.full((n + 1, n + 1), np.nan)
    img[ij[:, 1], ij[:, 0]] = values
    if np.isnan(img).any():
        raise ValueError(f"{path}: the vertices are not an (n+1)² grid")
    return img


def ssim(a, b, np, data_range):
    """Mean SSIM of image a against reference b, Gaussian window σ = 1.5 (11 taps)."""
    t = np.arange(-5, 6)
    w = np.exp(-t ** 2 / (2 * 1.5 ** 2))
    w /= w.sum()

    def blur(x):
        x = np.apply_along_axis(lambda r: np.convolve(r, w, mode="valid"), 0, x)
        return np.apply_along_axis(lambda r: np.convolve(r, w, mode="valid"), 1, x)

    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    ma, mb = blur(a), blur(b)
    va, vb, cov = blur(a * a) - ma ** 2, blur(b * b) - mb ** 2, blur(a * b) - ma * mb
    s = ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma ** 2 + mb ** 2 + c1) * (va + vb + c2))
    return float(s.mean())


def sinogram(path, np):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return (np.array([float(r["observed"]) for r in rows]),
            np.array([float(r["predicted"]) for r in rows]))


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    out = argv[1]
    try:
        import h5py
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np
    except ImportError as e:
        print(f"ct_plots: error: {e} (run with /usr/bin/python3)", file=sys.stderr)
        return 1
    try:
        truth = image(os.path.join(out, "ct_poisson", "fields.h5"), np, h5py, "truth")
        rng = float(truth.max() - truth.min())
        panels = [("truth", truth)]
        print(f"{'reconstruction':<22} {'rel. error':>10} {'SSIM':>6} {'GN-CG its':>9} "
              f"{'time (s)':>8}")
        for tag, label in RUNS:
            d = os.path.join(out, "ct_" + tag)
            est = image(os.path.join(d, "fields.h5"), np, h5py, "estimate")
            with open(os.path.join(d, "summary.json")) as f:
                s = json.load(f)
            q = ssim(est, truth, np, rng)
            err = s["relative_parameter_error"]
            print(f"{label:<22} {err:>10.4f} {q:>6.3f} {s['iterations']:>9} "
                  f"{s['wall_time_s']:>8.2f}")
            panels.append((f"{label}\nerror {err:.3f}, SSIM {q:.3f}", est))
        fig, axes = plt.subplots(1, len(panels), figsize=(3.3 * len(panels), 3.6))
        for ax, (title, img) in zip(axes, panels):
            im = ax.imshow(img, origin="lower", cmap="gray", vmin=0, vmax=float(truth.max()))
            ax.set_title(title, fontsize=9)
            ax.set_xticks([]), ax.set_yticks([])
        fig.colorbar(im, ax=list(axes), shrink=0.8)
        fig.savefig(os.path.join(out, "ct_reconstructions.png"), dpi=110, bbox_inches="tight")
        plt.close(fig)
        full, pred = sinogram(os.path.join(out, "ct_poisson", "observations.csv"), np)
        limited, _ = sinogram(os.path.join(out, "ct_limited_poisson", "observations.csv"), np)
        bins = 96
        fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
        for ax, (title, data, rows, deg) in zip(axes, [
                ("photon counts, 180° scan", full, 60, 180),
                ("photon counts, 60° scan", limited, 20, 60),
                ("counts predicted by the Poisson estimate", np.exp(pred), 60, 180)]):
            im = ax.imshow(data.reshape(rows, bins), aspect="auto", origin="lower", cmap="magma",
                           extent=[0, bins, 0, deg])
            ax.set_title(title, fontsize=10)
            ax.set_xlabel("detector bin")
            ax.set_ylabel("angle (degrees)")
            fig.colorbar(im, ax=ax)
        fig.tight_layout()
        fig.savefig(os.path.join(out, "ct_sinogram.png"), dpi=110)
        plt.close(fig)
    except (OSError, KeyError, ValueError) as e:
        print(f"ct_plots: error: {e}", file=sys.stderr)
        return 1
    print(f"ct_plots: wrote {out}/ct_reconstructions.png, {out}/ct_sinogram.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
