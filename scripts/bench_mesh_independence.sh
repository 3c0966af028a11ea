#!/usr/bin/env bash
# Mesh-independence benchmark: runs `pdeinv -mode invert` on apps/bench_mesh.opts over box meshes
# of N x N quadrilaterals (Q2 state, Q1 parameter) with Gauss-Newton-CG (pdeinvgncg) and L-BFGS
# (lmvm), 2 MPI ranks each, and prints one table row per mesh.
#
# Usage: scripts/bench_mesh_independence.sh [-m "32 64 128 256"] [-t "gncg lbfgs lbfgs_nopc"]
#                                           [-o OUTDIR] [-n RANKS] [-r] [-- extra pdeinv options]
#   -r   report only: print the table from the results already in OUTDIR, run nothing
#   methods: gncg        -tao_type pdeinvgncg (preconditioned by the regularization's inverse)
#            lbfgs       -tao_type lmvm, initial Hessian = the regularization's Hessian
#            lbfgs_nopc  -tao_type lmvm -tao_pdeinv_pc none (PETSc's default initial Hessian)
# Results go to OUTDIR/<method>_<N>/ (summary.json, history.csv, log.txt); default
# output/bench_mesh. Run from the repository root after building into build/.
set -euo pipefail

meshes="32 64 128 256"
methods="gncg lbfgs lbfgs_nopc"
outdir="output/bench_mesh"
ranks=2
report_only=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    -m) meshes="$2"; shift 2 ;;
    -t) methods="$2"; shift 2 ;;
    -o) outdir="$2"; shift 2 ;;
    -n) ranks="$2"; shift 2 ;;
    -r) report_only=1; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
extra=("$@")

exe=build/apps/pdeinv
[[ -x "$exe" ]] || { echo "$exe not found: build first (cmake --build build)" >&2; exit 1; }
mpi=(mpiexec --oversubscribe -n "$ranks")
[[ $(id -u) -eq 0 ]] && mpi=(mpiexec --allow-run-as-root --oversubscribe -n "$ranks")

method_options() {
  case "$1" in
    gncg) echo "-tao_type pdeinvgncg" ;;
    lbfgs) echo "-tao_type lmvm" ;;
    lbfgs_nopc) echo "-tao_type lmvm -tao_pdeinv_pc none" ;;
    *) echo "unknown method '$1'" >&2; exit 2 ;;
  esac
}

mkdir -p "$outdir"
for n in $meshes; do
  [[ $report_only -eq 1 ]] && break
  for method in $methods; do
    dir="$outdir/${method}_${n}"
    mkdir -p "$dir"
    # shellcheck disable=SC2046
    if ! "${mpi[@]}" "$exe" -options_file apps/bench_mesh.opts -mesh_faces "$n,$n" \
      $(method_options "$method") -output "$dir" "${extra[@]}" >"$dir/log.txt" 2>&1; then
      echo "warning: $method on ${n}x${n} failed (see $dir/log.txt)" >&2
    fi
  done
done

/usr/bin/python3 - "$outdir" "$meshes" "$methods" <<'PY'
import csv, json, os, sys
outdir, meshes, methods = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
def load(method, n):
    d = os.path.join(outdir, f"{method}_{n}")
    try:
        s = json.load(open(os.path.join(d, "summary.json")))
    except (OSError, ValueError):
        return None
    cg = 0
    try:
        with open(os.path.join(d, "history.csv")) as f:
            cg = sum(int(r["cg_iterations"]) for r in csv.DictReader(f))
    except (OSError, KeyError, ValueError):
        pass
    s["cg_total"] = cg
    s["solves_total"] = sum(v for k, v in s["pde_solves"].items() if k != "failed_forward")
    return s
def its(s):
    if s is None:
        return "-"
    return str(s["iterations"]) + ("" if s["converged"] else "*")
hdr = ["mesh", "state dofs", "param dofs"]
for m in methods:
    hdr += {"gncg": ["GN its", "CG its", "GN solves", "GN time"],
            "lbfgs": ["L-BFGS its", "L-BFGS solves", "L-BFGS time"],
            "lbfgs_nopc": ["L-BFGS(no H0) its", "no-H0 solves", "no-H0 time"]}[m]
hdr += ["rel. error"]
rows = []
for n in meshes:
    n = int(n)
    row = [f"{n}x{n}", str((2 * n + 1) ** 2), str((n + 1) ** 2)]
    err = "-"
    for m in methods:
        s = load(m, n)
        if m == "gncg":
            row += [its(s), str(s["cg_total"]) if s else "-"]
        else:
            row += [its(s)]
        row += [str(s["solves_total"]) if s else "-",
                f'{s["wall_time_s"]:.1f} s' if s else "-"]
        if s and err == "-":
            err = f'{s["relative_parameter_error"]:.3f}'
    row.append(err)
    rows.append(row)
print("| " + " | ".join(hdr) + " |")
print("|" + "|".join("---" for _ in hdr) + "|")
for r in rows:
    print("| " + " | ".join(r) + " |")
print("(* = not converged; state dofs include the boundary; solves = forward + adjoint + "
      "tangent + incremental adjoint PDE solves)")
PY
