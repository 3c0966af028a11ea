#!/usr/bin/env bash
# run_ct.sh — the CT example: low-dose parallel-beam CT of the Shepp–Logan phantom
# (apps/examples/ct/ct.opts), reconstructed with the Poisson (photon-count) likelihood and with
# least squares on the log counts (CT's usual post-log data), each with total variation and
# μ ≥ 0, from a full 180° scan (60 angles) and a limited 60° scan (20 angles, the same angular
# step). Then ct_plots.py: the table (relative error, SSIM, iterations, time), the
# reconstructions (ct_reconstructions.png) and the sinograms (ct_sinogram.png).
#
#   apps/examples/ct/run_ct.sh                  # 1 rank, into output/
#   apps/examples/ct/run_ct.sh -r 2 -o /tmp/ct   # 2 ranks, into /tmp/ct
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
NP=1
OUT=output
while [[ $# -gt 0 ]]; do
  case "$1" in
    -r) NP="$2"; shift ;;
    -o) OUT="$2"; shift ;;
    -h|--help) sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "run_ct: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
PDEINV="$ROOT/build/apps/pdeinv"
[[ -x "$PDEINV" ]] || { echo "run_ct: $PDEINV not built (run scripts/setup.sh)" >&2; exit 1; }
MPI=(mpiexec --oversubscribe -n "$NP")
[[ $(id -u) -eq 0 ]] && MPI+=(--allow-run-as-root)
cd "$ROOT"
GAUSSIAN=(-misfit_type gaussian -noise_type poisson -noise_log_counts -noise_sigma 0.5)
LIMITED=(-obs_xray_range 60 -obs_xray_angles 20)
run() {  # run <name> [options...]
  local name=$1; shift
  echo "run_ct: $name"
  "${MPI[@]}" "$PDEINV" -options_file apps/examples/ct/ct.opts -plot 0 -monitor 0 \
    -output "$OUT/ct_$name" "$@" > "$OUT/ct_$name.log" 2>&1 ||
    { echo "run_ct: $name failed, see $OUT/ct_$name.log" >&2; exit 1; }
}
mkdir -p "$OUT"
run poisson
run gaussian "${GAUSSIAN[@]}"
run limited_poisson "${LIMITED[@]}"
run limited_gaussian "${GAUSSIAN[@]}" "${LIMITED[@]}"
/usr/bin/python3 apps/examples/ct/ct_plots.py "$OUT"
