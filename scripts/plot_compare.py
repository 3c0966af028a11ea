#!/usr/bin/python3
"""plot_compare.py OUT.png TITLE=RUN_DIR ... — the estimates of several pdeinv runs side by side.

One panel for the truth (from the first run) and one per run (its estimate), all on one colour
scale, each titled with TITLE and, when the run's summary.json has them, its relative error and
its weighted relative error (-error_weight). Reads each RUN_DIR/fields.h5 with
scripts/plot_results.py's reader. Needs Debian's python3-matplotlib and python3-h5py (run with
/usr/bin/python3). Errors are one line "plot_compare: error: ..." and exit status 1.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_results  # noqa: E402


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    out, runs = argv[1], []
    for arg in argv[2:]:
        title, sep, path = arg.partition("=")
        if not sep:
            print(f"plot_compare: error: '{arg}' is not TITLE=RUN_DIR", file=sys.stderr)
            return 1
        runs.append((title, path))
    try:
        plt, mtri, np, h5py = plot_results.import_libraries()
        panels = []
        for i, (title, path) in enumerate(runs):
            dim, xy, cells, fields = plot_results.read_fields(
                os.path.join(path, "fields.h5"), np, h5py)
            if dim != 2 or cells.shape[1] != 3 or "estimate" not in fields:
                raise plot_results.PlotError(f"{path}: needs a 2-D triangle mesh with an estimate")
            tri = mtri.Triangulation(xy[:, 0], xy[:, 1], cells)
            if i == 0 and "truth" in fields:
                panels.append(("truth", tri, plot_results.scalar(fields["truth"][1], np)))
            label = title
            summary = os.path.join(path, "summary.json")
            if os.path.isfile(summary):
                with open(summary) as f:
                    s = json.load(f)
                if "relative_parameter_error" in s:
                    label += f"\nerror {s['relative_parameter_error']:.3f}"
                if "weighted_relative_parameter_error" in s:
                    label += f", band {s['weighted_relative_parameter_error']:.3f}"
            panels.append((label, tri, plot_results.scalar(fields["estimate"][1], np)))
        lo = min(float(np.nanmin(v)) for _, _, v in panels)
        hi = max(float(np.nanmax(v)) for _, _, v in panels)
        fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.8), squeeze=False)
        for ax, (label, tri, values) in zip(axes.flat, panels):
            im = ax.tripcolor(tri, values, shading="gouraud", cmap="viridis", vmin=lo, vmax=hi)
            ax.set_title(label, fontsize=10)
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
        fig.colorbar(im, ax=list(axes.flat), shrink=0.8)
        fig.savefig(out, dpi=110, bbox_inches="tight")
        plt.close(fig)
    except (plot_results.PlotError, OSError, KeyError, ValueError) as e:
        print(f"plot_compare: error: {e}", file=sys.stderr)
        return 1
    print(f"plot_compare: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
