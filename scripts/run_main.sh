#!/usr/bin/env bash
# run_main.sh — the main job: sets up and builds pdeinv (scripts/setup.sh), then runs the
# driver on 2 MPI ranks with apps/forward_poisson.opts from the repository root.
# Writes output/forward_poisson/{state,parameter}.vtu and options_used.txt and prints a
# convergence summary. Extra arguments are passed to the driver, e.g. -mesh_refine 1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"

cd "$ROOT"
MPI_FLAGS=(--oversubscribe)   # 2 ranks even on a 1-core machine
[[ $(id -u) -eq 0 ]] && MPI_FLAGS+=(--allow-run-as-root)   # Open MPI refuses root otherwise
echo "run_main: mpiexec ${MPI_FLAGS[*]} -n 2 build/apps/pdeinv -options_file apps/forward_poisson.opts $*"
exec mpiexec "${MPI_FLAGS[@]}" -n 2 build/apps/pdeinv -options_file apps/forward_poisson.opts "$@"
