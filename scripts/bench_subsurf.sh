#!/usr/bin/env bash
# bench_subsurf.sh — time-to-MAP on hIPPYlib's subsurface benchmark (apps/benchmarks/subsurf.opts)
# for n = 16 ... 256 (n×n squares, right diagonals; P2 state, P1 parameter) at 1 and 2 MPI
# ranks, and a table of what each run did and where its time went.
#
#   scripts/bench_subsurf.sh                 # n = 16 32 64 128 256, ranks 1 2
#   scripts/bench_subsurf.sh -n "64 128" -r "1"
#   scripts/bench_subsurf.sh --reference     # also a run with every solve iterative to tight
#                                            # tolerance (n <= 64): Newton iterations, final cost
#   scripts/bench_subsurf.sh --table         # the table of the runs already in build/bench_subsurf
#   scripts/bench_subsurf.sh --hessian -n 128  # only bench_adjoint: a Hessian action against its
#                                            # two linear solves at a fixed m
#
# Columns: Newton iterations, CG iterations, PDE solves (forward/adjoint/tangent/incremental
# adjoint; Hessian actions = tangent solves), time-to-MAP (the optimizer's clock at its last
# iteration), the wall time with set-up (mesh, prior, synthetic data), inclusive time per phase from PETSc log events (forward solves, Hessian actions,
# assembly of residual/Jacobian/∂R/∂m/W, numeric factorizations, triangular solves,
# observation, prior) and peak resident memory per rank. Results go to build/bench_subsurf/.
# Needs a built tree (scripts/setup.sh). Meshes are written by scripts/make_structured_square.py.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZES="16 32 64 128 256"
RANKS="1 2"
REFERENCE=0
RUN=1
HESSIAN=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) SIZES="$2"; shift ;;
    -r) RANKS="$2"; shift ;;
    --reference) REFERENCE=1 ;;
    --table) RUN=0 ;;
    --hessian) HESSIAN=1 ;;
    -h|--help) sed -n '2,20s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bench_subsurf: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
PDEINV="$ROOT/build/apps/pdeinv"
[[ -x "$PDEINV" ]] || { echo "bench_subsurf: $PDEINV not built (run scripts/setup.sh)" >&2; exit 1; }
OUT="$ROOT/build/bench_subsurf"
mkdir -p "$OUT/meshes"
MPI=(mpiexec --oversubscribe)
[[ $(id -u) -eq 0 ]] && MPI+=(--allow-run-as-root)

run() {  # run <n> <ranks> <tag> [extra options...]
  local n=$1 np=$2 tag=$3; shift 3
  local mesh="$OUT/meshes/structured_square_$n.msh" dir="$OUT/${tag}_n${n}_np${np}"
  [[ -f "$mesh" ]] || python3 "$ROOT/scripts/make_structured_square.py" "$n" "$mesh"
  echo "bench_subsurf: n = $n, $np rank(s) ($tag)" >&2
  (cd "$ROOT" && "${MPI[@]}" -n "$np" "$PDEINV" -options_file apps/benchmarks/subsurf.opts \
     -mesh_file "$mesh" -output "$dir" -plot 0 "$@" > "$OUT/${tag}_n${n}_np${np}.log" 2>&1) ||
    { echo "bench_subsurf: run failed, see $OUT/${tag}_n${n}_np${np}.log" >&2; exit 1; }
}

if [[ $HESSIAN -eq 1 ]]; then
  for np in $RANKS; do
    for n in $SIZES; do
      mesh="$OUT/meshes/structured_square_$n.msh"
      [[ -f "$mesh" ]] || python3 "$ROOT/scripts/make_structured_square.py" "$n" "$mesh"
      echo "== bench_adjoint: n = $n, $np rank(s)"
      (cd "$ROOT" && "${MPI[@]}" -n "$np" "$ROOT/build/apps/bench_adjoint" -mesh_file "$mesh" \
         -state_element P2 -parameter_element P1 -poisson_source 0 \
         -bc_dirichlet_label "Face Sets" -bc_dirichlet_ids 1,3 -bc_dirichlet_value y \
         -reg_type bilaplacian -reg_gamma 0.1 -reg_delta 0.5 -reg_theta 1.25,0.75,0.75,1.25 \
         -reg_robin -truth_prior_sample 1 -obs_type random -obs_random 50 -obs_seed 1 \
         -obs_random_lower 0.1,0.1 -obs_random_upper 0.9,0.5 -noise_relative 0.01 \
         -bench_repeat 20)
    done
  done
  exit 0
fi
for np in $RANKS; do
  for n in $SIZES; do [[ $RUN -eq 0 ]] || run "$n" "$np" fast; done
done
if [[ $REFERENCE -eq 1 && $RUN -eq 1 ]]; then
  for n in $SIZES; do
    [[ $n -le 64 ]] || continue
    run "$n" 1 reference -state_solver iterative -state_ksp_rtol 1e-13 -reg_A_solver iterative \
        -reg_mass_solver iterative
  done
fi

python3 - "$OUT" "$SIZES" "$RANKS" "$REFERENCE" <<'PY'
import json, os, sys
out, sizes, ranks, reference = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4] == "1"

def load(tag, n, np):
    d = os.path.join(out, "%s_n%s_np%s" % (tag, n, np))
    with open(os.path.join(d, "summary.json")) as f:
        s = json.load(f)
    cg, elapsed = 0, 0.0
    with open(os.path.join(d, "history.csv")) as f:
        next(f)
        for line in f:
            cols = line.split(",")
            cg += int(cols[6])
            elapsed = float(cols[8])
    s["time_to_map"] = elapsed  # the optimizer's own clock at its last iteration
    return s, cg

t = lambda s, k: s["phase_times_s"].get(k, 0.0)
print("| n | ranks | state dofs | params | Newton its | CG its | solves fwd/adj/tan/incadj | "
      "Hessian actions | time-to-MAP (s) | with set-up (s) | forward | Hessian actions | asm R, dR/du | "
      "asm dR/dm | asm W | factor (num) | tri. solves | obs | prior | peak MB/rank | final cost |")
print("|" + "---:|" * 21)
rows = {}
for np in ranks:
    for n in sizes:
        s, cg = load("fast", n, np)
        rows[(n, np)] = s
        ps = s["pde_solves"]
        print("| %s | %s | %d | %d | %d | %d | %d/%d/%d/%d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | "
              "%.2f | %.2f | %.2f | %.2f | %.3f | %.2f | %.0f | %.9e |" % (
                  n, np, s["state_unknowns"], s["parameter_unknowns"], s["iterations"], cg,
                  ps["forward"], ps["adjoint"], ps["tangent"], ps["incremental_adjoint"],
                  ps["tangent"], s["time_to_map"], s["wall_time_s"], t(s, "pdeinvForward"), t(s, "pdeinvHessAction"),
                  # R and dR/du: together in a linear forward solve (pdeinvAsmResJac), apart otherwise
                  t(s, "pdeinvAsmResidual") + t(s, "pdeinvAsmJacobian") + t(s, "pdeinvAsmResJac"),
                  t(s, "pdeinvAsmParamJac"),
                  t(s, "pdeinvAsmSecondOrd"), t(s, "MatCholFctrNum") + t(s, "MatLUFactorNum"),
                  t(s, "MatSolve"), t(s, "pdeinvObservation"), t(s, "pdeinvPrior"),
                  s["peak_memory_mb"], s["final"]["cost"]))
if "64" in sizes and "256" in sizes:
    for np in ranks:
        a, b = rows[("64", np)], rows[("256", np)]
        growth = b["time_to_map"] / a["time_to_map"]
        unknowns = b["state_unknowns"] / a["state_unknowns"]
        print("\n%s rank(s): time-to-MAP 64² → 256² grew %.1f×, the unknowns %.1f× (ratio %.2f)" %
              (np, growth, unknowns, growth / unknowns))
if reference:
    print("\n| n | Newton its (direct / tight iterative) | final cost (direct / tight iterative) | "
          "relative difference |\n|---:|---:|---:|---:|")
    for n in sizes:
        if int(n) > 64:
            continue
        f, _ = load("fast", n, ranks[0])
        r, _ = load("reference", n, "1")
        fc, rc = f["final"]["cost"], r["final"]["cost"]
        print("| %s | %d / %d | %.10e / %.10e | %.1e |" % (n, f["iterations"], r["iterations"], fc,
                                                          rc, abs(fc - rc) / abs(rc)))
PY
