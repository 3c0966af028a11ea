#!/usr/bin/env bash
# run_main.sh — the main job: sets up and builds pdeinv (scripts/setup.sh), then runs the
# flagship inversion (apps/poisson_bilaplacian.opts: the log-conductivity of a Poisson problem
# from 100 noisy sensors, BiLaplacian prior, inexact Gauss-Newton-CG) on 2 MPI ranks.
# Writes output/poisson_bilaplacian/: estimate/truth/error/state .vtu, fields.png,
# convergence.png, spectrum.png, history.csv, summary.json, identify.json, options_used.txt,
# run_info.json.
# Extra arguments are passed to the driver, e.g. -mesh_refine 2 or -tao_type lmvm.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"

cd "$ROOT"
MPI_FLAGS=(--oversubscribe)   # 2 ranks even on a 1-core machine
[[ $(id -u) -eq 0 ]] && MPI_FLAGS+=(--allow-run-as-root)   # Open MPI refuses root otherwise
echo "run_main: mpiexec ${MPI_FLAGS[*]} -n 2 build/apps/pdeinv -options_file apps/poisson_bilaplacian.opts $*"
exec mpiexec "${MPI_FLAGS[@]}" -n 2 build/apps/pdeinv -options_file apps/poisson_bilaplacian.opts "$@"
