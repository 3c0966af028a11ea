#!/usr/bin/python3
"""plot_results.py OUTPUT_DIR — PNG plots of a pdeinv run.

Reads OUTPUT_DIR/fields.h5 (written by pdeinv::writePlotFields, see
include/pdeinv/io/plot_data.hpp) and OUTPUT_DIR/history.csv (columns iteration, cost, misfit,
regularization, gradient_norm, step, cg_iterations, pde_solves, elapsed_s) and writes
  OUTPUT_DIR/fields.png       one panel per field: estimate, truth, error, state (in that order
                              when present), then any others; estimate and truth share one
                              colour scale
  OUTPUT_DIR/convergence.png  cost, misfit, regularization and gradient norm per iteration
                              (log scale)
  OUTPUT_DIR/spectrum.png     when OUTPUT_DIR/identify.json exists (-identify_rank): the
                              eigenvalues of the misfit Hessian against the prior, log scale,
                              with the line λ = 1
  OUTPUT_DIR/laplace.png      when OUTPUT_DIR/laplace.h5 exists (-laplace_rank): the estimate,
                              posterior and prior standard deviations (one colour scale) and
                              posterior and prior samples (the estimate's colour scale)
  OUTPUT_DIR/mcmc.png         when OUTPUT_DIR/trace.csv exists (-mode sample): the trace and the
                              autocorrelation of the quantity of interest, per chain
  OUTPUT_DIR/mcmc_fields.png  from OUTPUT_DIR/mcmc.h5: the MCMC mean, and the MCMC and Laplace
                              standard deviations (one colour scale)
Needs Debian's python3-matplotlib and python3-h5py: run it with /usr/bin/python3. Errors
(a missing directory or file, a malformed file) are one line "plot_results: error: ..." and
exit status 1. 3-D fields are not plotted (fields.png is skipped with a note).
"""
import csv
import math
import os
import sys

PREFERRED = ["estimate", "truth", "error", "state", "posterior stddev", "prior stddev"]
HISTORY_COLUMNS = ["cost", "misfit", "regularization", "gradient_norm"]


class PlotError(Exception):
    pass


def fail(message):
    print(f"plot_results: error: {message}", file=sys.stderr)
    sys.exit(1)


def import_libraries():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.tri as mtri
        import numpy as np
        import h5py
    except ImportError as e:
        raise PlotError(
            f"{e.name or e} is not available to {sys.executable}; run this script with "
            "/usr/bin/python3 (Debian packages python3-matplotlib, python3-h5py)"
        ) from None
    return plt, mtri, np, h5py


def read_fields(path, np, h5py):
    try:
        with h5py.File(path, "r") as f:
            for name in ("coordinates", "cells"):
                if name not in f:
                    raise PlotError(f"{path} has no dataset '/{name}' (not a pdeinv plot data file)")
            dim = int(f.attrs.get("dim", f["coordinates"].shape[1]))
            xy = np.asarray(f["coordinates"][...], dtype=float)
            cells = np.asarray(f["cells"][...], dtype=np.int64)
            fields = {}
            for group, where in (("vertex_fields", "vertex"), ("cell_fields", "cell")):
                if group in f:
                    for name, ds in f[group].items():
                        fields[name] = (where, np.asarray(ds[...], dtype=float))
    except PlotError:
        raise
    except (OSError, KeyError, ValueError) as e:
        raise PlotError(f"cannot read {path}: {e}") from None
    return dim, xy, cells, fields


def ordered(names):
    first = [n for n in PREFERRED if n in names]
    return first + sorted(n for n in names if n not in PREFERRED)


def scalar(values, np):
    """A c-component field (n × c) as its magnitude; scalars unchanged."""
    return values if values.ndim == 1 else np.linalg.norm(values, axis=1)


def plot_fields(path, out, plt, mtri, np, h5py, groups=None):
    """One panel per field; the fields of each group in groups (names, or a prefix ending in
    '*') share one colour scale (default: estimate and truth)."""
    dim, xy, cells, fields = read_fields(path, np, h5py)
    if dim != 2:
        print(f"plot_results: {path} is {dim}-D; fields.png is only made for 2-D meshes")
        return None
    if not fields:
        raise PlotError(f"{path} contains no fields")
    # Triangles: quads a,b,c,d (counter-clockwise) → a,b,c and a,c,d.
    if cells.shape[1] == 4:
        tris = np.concatenate([cells[:, [0, 1, 2]], cells[:, [0, 2, 3]]])
        per_cell = lambda v: np.concatenate([v, v])
    else:
        tris = cells
        per_cell = lambda v: v
    tri = mtri.Triangulation(xy[:, 0], xy[:, 1], tris)
    names = ordered(list(fields))
    scales = {}
    for group in groups or [["estimate", "truth"]]:
        members = [n for n in names
                   if n in group or any(g.endswith("*") and n.startswith(g[:-1]) for g in group)]
        if len(members) < 2:
            continue
        vals = np.concatenate([scalar(fields[n][1], np) for n in members])
        for n in members:
            scales[n] = dict(vmin=float(np.nanmin(vals)), vmax=float(np.nanmax(vals)))
    n = len(names)
    cols = min(n, 2 if n == 4 else 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 4.0 * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, names):
        where, values = fields[name]
        values = scalar(values, np)
        scale = scales.get(name, {})
        cmap = "viridis"
        if name == "error":  # diverging, centred on zero
            m = float(np.nanmax(np.abs(values))) or 1.0
            scale, cmap = dict(vmin=-m, vmax=m), "RdBu_r"
        if where == "vertex":
            im = ax.tripcolor(tri, values, shading="gouraud", cmap=cmap, **scale)
        else:
            im = ax.tripcolor(tri, facecolors=per_cell(values), cmap=cmap, **scale)
        fig.colorbar(im, ax=ax, shrink=0.85)
        ax.set_title(name)
        ax.set_aspect("equal")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def read_history(path):
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            header = [h.strip() for h in (reader.fieldnames or [])]
            if "iteration" not in header:
                raise PlotError(f"{path} has no 'iteration' column (header: {','.join(header)})")
            rows = list(reader)
    except OSError as e:
        raise PlotError(f"cannot read {path}: {e.strerror}") from None
    if not rows:
        raise PlotError(f"{path} has no iterations")
    data = {h: [] for h in header}
    for line, row in enumerate(rows, start=2):
        for h in header:
            text = (row.get(h) or "").strip()
            try:
                data[h].append(float(text) if text else math.nan)
            except ValueError:
                raise PlotError(f"{path} line {line}: column '{h}' is not a number: '{text}'") from None
    return data


def save_log_plot(fig, ax, out, plt):
    """Grid, legend and layout of a log-scale line plot, saved to out."""
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def plot_convergence(path, out, plt, np):
    from matplotlib.ticker import MaxNLocator

    data = read_history(path)
    it = np.asarray(data["iteration"])
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    plotted = 0
    for name in HISTORY_COLUMNS:
        if name not in data:
            continue
        y = np.abs(np.asarray(data[name]))
        ok = np.isfinite(y) & (y > 0)  # a log scale cannot show zeros
        if ok.any():
            ax.semilogy(it[ok], y[ok], marker="o", markersize=3, label=name.replace("_", " "))
            plotted += 1
    if not plotted:
        raise PlotError(f"{path} has none of the columns {', '.join(HISTORY_COLUMNS)} with positive values")
    ax.set_xlabel("iteration")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("value")
    ax.set_title("convergence")
    return save_log_plot(fig, ax, out, plt)


def plot_spectrum(path, out, plt, np):
    """The eigenvalues of identify.json (misfit Hessian against the prior), with the line λ = 1."""
    import json

    try:
        with open(path) as f:
            values = json.load(f)["eigenvalues"]
    except (OSError, ValueError, KeyError) as e:
        raise PlotError(f"{path}: no eigenvalues ({e})") from None
    lam = np.asarray([v for v in values if v is not None], dtype=float)
    if lam.size == 0:
        return None
    i = np.arange(1, lam.size + 1)
    ok = lam > 0
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    ax.semilogy(i[ok], lam[ok], marker="o", markersize=3, label="generalized eigenvalue")
    ax.axhline(1.0, color="k", linewidth=0.8, linestyle="--", label="data = prior")
    ax.set_xlabel("index")
    ax.set_ylabel("eigenvalue")
    ax.set_title(f"misfit Hessian vs prior: {int(np.sum(lam > 1))} data-informed directions")
    return save_log_plot(fig, ax, out, plt)


def plot_mcmc(path, out, plt, np):
    """Trace and autocorrelation of the QoI per chain, from trace.csv."""
    chains = {}
    try:
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                chains.setdefault(int(row["chain"]), []).append(float(row["qoi"]))
    except (OSError, ValueError, KeyError) as e:
        raise PlotError(f"{path}: {e}") from None
    if not chains:
        return None
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for c, q in sorted(chains.items()):
        q = np.asarray(q)
        ax1.plot(q, linewidth=0.6, label=f"chain {c}")
        d = q - q.mean()
        n = d.size
        lags = min(200, n - 1)
        acf = [1.0] + [float(np.dot(d[:-t], d[t:]) / np.dot(d, d)) for t in range(1, lags + 1)]
        ax2.plot(range(lags + 1), acf, linewidth=0.8, label=f"chain {c}")
    ax1.set_xlabel("sample")
    ax1.set_ylabel("quantity of interest")
    ax1.set_title("trace")
    ax2.axhline(0.0, color="k", linewidth=0.6)
    ax2.set_xlabel("lag")
    ax2.set_ylabel("autocorrelation")
    ax2.set_title("autocorrelation of the QoI")
    ax1.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: plot_results.py OUTPUT_DIR", file=sys.stderr)
        return 2
    outdir = argv[1]
    try:
        if not os.path.isdir(outdir):
            raise PlotError(f"output directory '{outdir}' does not exist")
        fields = os.path.join(outdir, "fields.h5")
        history = os.path.join(outdir, "history.csv")
        missing = [p for p in (fields, history) if not os.path.isfile(p)]
        if missing:
            raise PlotError(f"missing {' and '.join(missing)}")
        plt, mtri, np, h5py = import_libraries()
        made = [plot_fields(fields, os.path.join(outdir, "fields.png"), plt, mtri, np, h5py),
                plot_convergence(history, os.path.join(outdir, "convergence.png"), plt, np)]
        laplace = os.path.join(outdir, "laplace.h5")
        if os.path.isfile(laplace):
            made.append(plot_fields(laplace, os.path.join(outdir, "laplace.png"), plt, mtri, np,
                                    h5py, [["estimate", "posterior sample*", "prior sample*"],
                                           ["posterior stddev", "prior stddev"]]))
        trace = os.path.join(outdir, "trace.csv")
        if os.path.isfile(trace):
            made.append(plot_mcmc(trace, os.path.join(outdir, "mcmc.png"), plt, np))
        mcmc = os.path.join(outdir, "mcmc.h5")
        if os.path.isfile(mcmc):
            made.append(plot_fields(mcmc, os.path.join(outdir, "mcmc_fields.png"), plt, mtri, np,
                                    h5py, [["MCMC stddev", "Laplace stddev"]]))
        identify = os.path.join(outdir, "identify.json")
        if os.path.isfile(identify):
            made.append(plot_spectrum(identify, os.path.join(outdir, "spectrum.png"), plt, np))
    except PlotError as e:
        fail(str(e))
    for path in made:
        if path:
            print(f"plot_results: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
