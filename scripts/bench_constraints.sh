#!/usr/bin/env bash
# bench_constraints.sh — constraint methods on the flagship (apps/poisson_bilaplacian.opts: the
# log-conductivity of a disc inclusion, 0 ≤ m_true ≤ 1.61): positivity m ≥ 0 by projection
# inside pdeinvgncg, by TAO's bnls and bqnls, by reparameterization (a sigmoid map onto
# (−0.01, 3): the truth reaches 0), and a known mean by the equality-constraint penalty; the
# unconstrained inversion for reference.
#
#   scripts/bench_constraints.sh          # 1 rank
#   scripts/bench_constraints.sh -r 2     # 2 ranks
#
# Prints per method: iterations, PDE solves (forward/adjoint/tangent/incremental adjoint), the
# relative error, the smallest value of the estimate (feasibility; every iterate of
# pdeinvgncg's projection is feasible by construction, tests/optim_gncg checks each one), the
# constraint violation where there is one, and the wall time. Runs go to build/bench_constraints/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench_common.sh"
bench_init bench_constraints 15 "$@"

run() {  # run <tag> [options...]: prints "iterations solves error violation seconds min"
  local tag=$1; shift
  bench_pdeinv "$tag" -options_file apps/poisson_bilaplacian.opts -identify_rank 0 -plot 0 \
    -monitor 0 "$@"
  local min
  min=$(/usr/bin/python3 -c "
import h5py, sys
with h5py.File(sys.argv[1]) as f: print('%.4f' % f['vertex_fields/estimate'][...].min())" \
    "$OUT/$tag/fields.h5" 2>/dev/null || echo "?")
  awk -v min="$min" '/converged: / { for (i = 1; i <= NF; ++i) if ($i == "after") its = $(i + 1)
                       if ($1 == "NOT") its = its "*" }
       /PDE solves:/ { solves = $3 "/" $5 "/" $7 "/" $9 }
       /relative parameter error [0-9]/ { err = $4 }
       /constraint: / { v = $NF; sub(/\)$/, "", v) }
       /wall time/ { t = $3 }
       END { printf "%s %s %s %s %s %s\n", its, solves, err, (v == "" ? "-" : v), t, min }' \
    "$OUT/$tag.log"
}

printf "%-40s %6s %-20s %8s %9s %10s %8s\n" method its "PDE solves" error "min m" violation "time(s)"
line() {
  local label=$1; shift
  read -r its solves err viol t min < <(run "$@")
  printf "%-40s %6s %-20s %8.4f %9s %10s %8.2f\n" "$label" "$its" "$solves" "$err" "$min" \
    "$viol" "$t"
}
line "none (unconstrained)" none
line "m >= 0: projection in pdeinvgncg" gncg -bound_lower 0
line "m >= 0: TAO bnls" bnls -tao_type bnls -bound_lower 0
line "m >= 0: TAO bqnls" bqnls -tao_type bqnls -bound_lower 0
line "-0.01 < m < 3: sigmoid reparameterization" sigmoid -param_map_type sigmoid \
  -param_map_lower -0.01 -param_map_upper 3 -m_init 0.5
line "mean m = 0.2: penalty (mu = 1e8)" mean -constraint_mean 0.2
echo "* not converged by its own test (200 iterations)"
