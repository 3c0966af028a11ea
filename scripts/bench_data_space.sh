#!/usr/bin/env bash
# bench_data_space.sh — data-space Gauss–Newton steps against CG steps (pdeinvgncg
# -tao_gncg_step data_space | cg) on the subsurface benchmark (apps/benchmarks/subsurf.opts:
# 5 Gauss–Newton iterations, then Newton-CG), as the number of observations grows: the
# crossover where n_obs batched adjoint solves per Gauss–Newton step cost more than the CG
# iterations they replace.
#
#   scripts/bench_data_space.sh                     # n = 128, n_obs = 10 50 200 800, 1 rank
#   scripts/bench_data_space.sh -n 64 -o "50 400" -r 2
#
# Prints, per (n_obs, step kind): Newton iterations, CG iterations, PDE solves (adjoint solves
# include the n_obs per data-space step), time-to-MAP and the final cost. Logs in
# build/bench_data_space/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N=128
OBS="10 50 200 800"
NP=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) N="$2"; shift ;;
    -o) OBS="$2"; shift ;;
    -r) NP="$2"; shift ;;
    -h|--help) sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bench_data_space: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
PDEINV="$ROOT/build/apps/pdeinv"
[[ -x "$PDEINV" ]] || { echo "bench_data_space: $PDEINV not built (run scripts/setup.sh)" >&2; exit 1; }
OUT="$ROOT/build/bench_data_space"
mkdir -p "$OUT"
MESH="$ROOT/build/bench_subsurf/meshes/structured_square_$N.msh"
mkdir -p "$(dirname "$MESH")"
[[ -f "$MESH" ]] || python3 "$ROOT/scripts/make_structured_square.py" "$N" "$MESH"
MPI=(mpiexec --oversubscribe -n "$NP")
[[ $(id -u) -eq 0 ]] && MPI+=(--allow-run-as-root)
echo "| n_obs | step | Newton its | CG its | PDE solves (fwd/adj/tan/incadj) | time-to-MAP (s) | final cost |"
echo "|---:|---|---:|---:|---|---:|---:|"
for nobs in $OBS; do
  for step in cg data_space; do
    log="$OUT/n${N}_obs${nobs}_${step}_np${NP}.log"
    (cd "$ROOT" && "${MPI[@]}" "$PDEINV" -options_file apps/benchmarks/subsurf.opts \
       -mesh_file "$MESH" -obs_random "$nobs" -tao_gncg_step "$step" -plot 0 \
       -output "$OUT/n${N}_obs${nobs}_${step}_np${NP}" > "$log" 2>&1) ||
      { echo "bench_data_space: run failed, see $log" >&2; exit 1; }
    /usr/bin/env python3 - "$log" "$nobs" "$step" <<'PY'
import re, sys
log, nobs, step = sys.argv[1:4]
text = open(log).read()
rows = [l.split() for l in text.splitlines() if re.match(r"^\s+\d+\s+[0-9.e+-]+\s", l)]
its = re.search(r"after (\d+) iterations", text).group(1)
cg = sum(int(r[6]) for r in rows)
solves = re.search(r"PDE solves: (\d+) forward, (\d+) adjoint, (\d+) tangent, (\d+) incremental", text).groups()
cost = re.search(r"^\s+cost ([0-9.e+-]+)", text, re.M).group(1)
print(f"| {nobs} | {step} | {its} | {cg} | {'/'.join(solves)} | {float(rows[-1][8]):.2f} | {cost} |")
PY
  done
done
