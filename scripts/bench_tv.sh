#!/usr/bin/env bash
# bench_tv.sh — edge-preserving regularization on the flagship disc problem (a conductivity-5
# inclusion of radius 0.2; 100 sensors): H1, the BiLaplacian prior and total variation, each
# with its weight chosen by Morozov's discrepancy principle, at 1 % and 0.1 % noise; then the
# total variation's Newton iterations on structured 64² and 128² meshes (mesh independence)
# and with the exact Hessian instead of the primal-dual one.
#
#   scripts/bench_tv.sh            # 1 rank
#   scripts/bench_tv.sh -r 2       # 2 ranks
#
# Prints per run: the weight β, GN-CG and CG iterations of the final inversion, the
# relative error ‖m − m_true‖/‖m_true‖, the relative error in the band |r − 0.2| < 0.05 around
# the edge, and the wall time (Morozov's inversions included). Runs go to build/bench_tv/;
# build/bench_tv/compare_<noise>.png shows the estimates side by side.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench_common.sh"
bench_init bench_tv 14 "$@"
BAND='abs(sqrt((x-0.6)^2+(y-0.45)^2)-0.2)<0.05'

run() {  # run <tag> [options...]: prints "beta iterations cg error band seconds"
  local tag=$1; shift
  # A run that did not converge is reported, marked '*'.
  bench_pdeinv "$tag" "$@" -identify_rank 0 -plot 0 -error_weight "$BAND"
  awk '/^inversion: .*beta =/ { beta = $NF; cg = 0 }
       /^Morozov: beta =/ { beta = $4 }
       /converged: / { for (i = 1; i <= NF; ++i) if ($i == "after") its = $(i + 1)
                       if ($1 == "NOT") its = its "*" }
       /^ *[0-9]+ [0-9.e+-]+ / { cg += $7 }
       /relative parameter error [0-9]/ { err = $4 }
       /weighted by -error_weight/ { band = $NF }
       /wall time/ { t = $3 }
       END { printf "%s %s %s %s %s %s\n", beta, its, cg, err, band, t }' "$OUT/$tag.log"
}

echo "Regularizations, weights by Morozov's principle ($NP rank(s)); error = relative L2 error,"
echo "band = relative error in |r - 0.2| < 0.05"
printf "%-7s %-12s %10s %6s %6s %8s %8s %9s\n" noise regularization beta GN-its CG error band "time(s)"
for noise in 0.01 0.001; do
  for reg in h1 bilaplacian tv; do
    read -r beta its cg err band t < <(run "${reg}_${noise}" -options_file "apps/poisson_${reg}.opts" \
      -noise_relative "$noise" -reg_weight_choice morozov)
    printf "%-7s %-12s %10.4g %6s %6s %8.4f %8.4f %9.2f\n" "$noise" "$reg" "$beta" "$its" "$cg" \
      "$err" "$band" "$t"
  done
  /usr/bin/python3 "$ROOT/scripts/plot_compare.py" "$OUT/compare_${noise}.png" \
    "H1=$OUT/h1_${noise}" "BiLaplacian=$OUT/bilaplacian_${noise}" "TV=$OUT/tv_${noise}" \
    > /dev/null || echo "bench_tv: no comparison figure (python3-matplotlib missing?)" >&2
done

echo
echo "Total variation: mesh independence (structured meshes, fixed beta) and the Hessian"
printf "%-22s %-7s %8s %6s %6s %8s %9s\n" mesh noise beta GN-its CG error "time(s)"
for n in 64 128; do
  mesh="$OUT/square_$n.msh"
  [[ -f "$mesh" ]] || python3 "$ROOT/scripts/make_structured_square.py" "$n" "$mesh"
  for nb in "0.01 68" "0.001 564"; do
    read -r noise beta <<< "$nb"
    read -r _ its cg err band t < <(run "tv_${n}_${noise}" -options_file apps/poisson_tv.opts \
      -mesh_file "$mesh" -mesh_refine 0 -noise_relative "$noise" -reg_weight "$beta")
    printf "%-22s %-7s %8s %6s %6s %8.4f %9.2f\n" "${n}² primal-dual" "$noise" "$beta" "$its" \
      "$cg" "$err" "$t"
  done
done
for nb in "0.01 68" "0.001 564"; do
  read -r noise beta <<< "$nb"
  for pd in 1 0; do
    read -r _ its cg err band t < <(run "tv_pd${pd}_${noise}" -options_file apps/poisson_tv.opts \
      -noise_relative "$noise" -reg_weight "$beta" -reg_primal_dual "$pd" -tao_max_it 300)
    printf "%-22s %-7s %8s %6s %6s %8.4f %9.2f\n" \
      "flagship $([[ $pd == 1 ]] && echo primal-dual || echo exact Hessian)" "$noise" "$beta" \
      "$its" "$cg" "$err" "$t"
  done
done
echo "* not converged (the line search failed)"
