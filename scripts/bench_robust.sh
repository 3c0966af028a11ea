#!/usr/bin/env bash
# bench_robust.sh — robust likelihoods against gross outliers: the flagship inversion
# (apps/poisson_bilaplacian.opts: BiLaplacian prior, 100 sensors, 1 % Gaussian noise) with
# clean data and with a fraction of the observations replaced by gross outliers (±a σ), for the
# Gaussian, Huber, Student-t and Laplace misfits.
#
#   scripts/bench_robust.sh                  # 5 % outliers of 20 σ, 1 rank
#   scripts/bench_robust.sh -f 0.1 -a 50 -r 2 -o apps/poisson_h1.opts
#
# Prints per misfit and data set: GN-CG iterations, PDE solves, the relative parameter error
# ‖m − m_true‖/‖m_true‖, its ratio to the Gaussian misfit's error on clean data, and the
# wall time. Runs go to build/bench_robust/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FRACTION=0.05
SIZE=20
NP=1
OPTS=apps/poisson_bilaplacian.opts
MISFITS="gaussian huber student_t laplace"
while [[ $# -gt 0 ]]; do
  case "$1" in
    -f) FRACTION="$2"; shift ;;
    -a) SIZE="$2"; shift ;;
    -r) NP="$2"; shift ;;
    -o) OPTS="$2"; shift ;;
    -m) MISFITS="$2"; shift ;;
    -h|--help) sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bench_robust: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
PDEINV="$ROOT/build/apps/pdeinv"
[[ -x "$PDEINV" ]] || { echo "bench_robust: $PDEINV not built (run scripts/setup.sh)" >&2; exit 1; }
OUT="$ROOT/build/bench_robust"
mkdir -p "$OUT"
MPI=(mpiexec --oversubscribe -n "$NP")
[[ $(id -u) -eq 0 ]] && MPI+=(--allow-run-as-root)

run() {  # run <tag> [options...]: prints "iterations solves error seconds"
  local tag=$1; shift
  (cd "$ROOT" && "${MPI[@]}" "$PDEINV" -options_file "$OPTS" -identify_rank 0 -plot 0 \
     -noise_type gaussian -output "$OUT/$tag" "$@") > "$OUT/$tag.log" 2>&1 ||
    { echo "bench_robust: run $tag failed, see $OUT/$tag.log" >&2; exit 1; }
  awk '/converged: / { for (i = 1; i <= NF; ++i) if ($i == "after") its = $(i + 1) }
       /PDE solves:/ { solves = $3 "/" $5 "/" $7 "/" $9 }
       /relative parameter error/ { err = $4 }
       /wall time/ { t = $3 }
       END { print its, solves, err, t }' "$OUT/$tag.log"
}

echo "| misfit | data | GN-CG iterations | PDE solves (fwd/adj/tan/incadj) | relative error | / Gaussian clean | wall time (s) |"
echo "|---|---|---:|---|---:|---:|---:|"
ref=""
for m in $MISFITS; do
  for data in clean outliers; do
    extra=()
    [[ $data == outliers ]] && extra=(-noise_outlier_fraction "$FRACTION" -noise_outlier_size "$SIZE")
    read -r its solves err secs < <(run "${m}_${data}" -misfit_type "$m" "${extra[@]}")
    [[ -z "$ref" && $m == gaussian && $data == clean ]] && ref=$err
    ratio=$(awk -v e="$err" -v r="${ref:-$err}" 'BEGIN { printf "%.2f", e / r }')
    label=$data
    [[ $data == outliers ]] && label="$(awk -v f="$FRACTION" 'BEGIN { printf "%g", 100 * f }') % outliers ($SIZE σ)"
    echo "| $m | $label | $its | $solves | $err | $ratio | $secs |"
  done
done
