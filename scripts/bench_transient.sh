#!/usr/bin/env bash
# The transient checkpointing benchmark (issue 5): gradient cost over forward cost and peak
# memory for N = 100, 1000, 10000 ESDIRK3 steps of the heat equation (Q1, 16×16), storing every
# time level or about √N of them, for the initial-state parameter and for the conductivity field.
# One process per run (peak RSS only grows within a process). Usage:
#   scripts/bench_transient.sh [extra pdeinv options]      (after scripts/setup.sh or a build)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/build/apps/bench_transient"
[[ -x "$BENCH" ]] || { echo "bench_transient: build first (scripts/setup.sh)" >&2; exit 1; }
MPI=(mpiexec --oversubscribe)
[[ $(id -u) -eq 0 ]] && MPI+=(--allow-run-as-root)
cd "$ROOT"
for space in initial_state field; do
  echo "== -parameter_space $space =="
  for N in 100 1000 10000; do
    sqrtN=$(awk -v n="$N" 'BEGIN { s = int(sqrt(n)); if (s * s < n) s++; print s }')
    # The fewest stored levels with which binomial checkpointing recomputes each step once.
    one=$(awk -v n="$N" 'BEGIN { c = 1; while ((c + 1) * (c + 2) / 2 < n) c++; print c }')
    for budget in "$N" "$sqrtN" "$one"; do
      "${MPI[@]}" -n 1 "$BENCH" -bench_steps "$N" -ts_checkpoints "$budget" \
        -parameter_space "$space" "$@"
    done
  done
done
