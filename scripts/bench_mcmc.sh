#!/usr/bin/env bash
# bench_mcmc.sh — the MCMC kernels on two problems, pdeinv -mode sample with each kernel and
# 4 chains started from Laplace posterior samples:
#
#   flagship  apps/poisson_bilaplacian.opts: BiLaplacian prior, 100 sensors, 1969 parameters;
#             Laplace rank 110 (all of the misfit Hessian's rank 100); QoI the field's mean.
#   subsurf   hIPPYlib's MCMC benchmark (applications/mcmc/model_subsurf.py): the subsurface
#             problem of apps/benchmarks/subsurf.opts on the n x n mesh (default 32) with 300
#             sensors uniform in [0.1, 0.9]^2, Laplace rank 50 with 20 extra directions (as
#             hIPPYlib), QoI the flux int_bottom e^m du/dy (-qoi boundary_flux, inward).
#
#   scripts/bench_mcmc.sh                       # flagship: pcn mala gpcn hmc, 1000 samples
#   scripts/bench_mcmc.sh -p subsurf -n 64 -k "pcn gpcn" -s 400 -r 2 -g 2
#
# -r ranks, -c chains (4), -g chain groups (1: the chains one after another, each solve on all
# ranks; g: g chains at a time on groups of ranks). subsurf: -t EXPR replaces the truth (a prior
# sample drawn on the mesh, so a different field on each mesh) by a fixed function of x and y,
# the same on every mesh (for mesh-independence studies).
#
# Prints per kernel: acceptance (mean over chains), QoI ESS per 1000 PDE solves (forward +
# adjoint), the slowest traced eigen-direction's ESS per 1000 PDE solves, effective QoI samples
# per second and seconds per effective sample, split R-hat of the QoI over the chains. Run
# directories in build/bench_mcmc/<problem>[_n<n>]/<kernel>/ (mcmc.json, trace.csv, plots).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KERNELS="pcn mala gpcn hmc"
SAMPLES=1000
NP=1
CHAINS=4
CHAIN_GROUPS=1
PROBLEM=flagship
N=32
TRUTH=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -k) KERNELS="$2"; shift ;;
    -s) SAMPLES="$2"; shift ;;
    -r) NP="$2"; shift ;;
    -c) CHAINS="$2"; shift ;;
    -g) CHAIN_GROUPS="$2"; shift ;;
    -p) PROBLEM="$2"; shift ;;
    -n) N="$2"; shift ;;
    -t) TRUTH="$2"; shift ;;
    -h|--help) sed -n '2,27s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bench_mcmc: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
PDEINV="$ROOT/build/apps/pdeinv"
[[ -x "$PDEINV" ]] || { echo "bench_mcmc: $PDEINV not built (run scripts/setup.sh)" >&2; exit 1; }
case "$PROBLEM" in
  flagship)
    OUT="$ROOT/build/bench_mcmc/flagship"
    PROBLEM_OPTS=(-options_file apps/poisson_bilaplacian.opts -identify_rank 0 -laplace_rank 110) ;;
  subsurf)
    OUT="$ROOT/build/bench_mcmc/subsurf_n$N"
    mesh="$ROOT/build/bench_subsurf/meshes/structured_square_$N.msh"
    mkdir -p "$(dirname "$mesh")"
    [[ -f "$mesh" ]] || python3 "$ROOT/scripts/make_structured_square.py" "$N" "$mesh"
    opts_file=apps/benchmarks/subsurf.opts
    truth=()
    if [[ -n "$TRUTH" ]]; then
      OUT="$OUT"_fixed_truth
      mkdir -p "$OUT"
      opts_file="$OUT/subsurf_fixed_truth.opts"
      grep -v '^-truth_prior_sample' "$ROOT/apps/benchmarks/subsurf.opts" > "$opts_file"
      truth=(-truth "$TRUTH")
    fi
    PROBLEM_OPTS=(-options_file "$opts_file" "${truth[@]}" -mesh_file "$mesh" -obs_random 300
                  -obs_random_lower 0.1,0.1 -obs_random_upper 0.9,0.9 -laplace_rank 50
                  -laplace_oversampling 20 -qoi boundary_flux -qoi_boundary_ids 1
                  -qoi_flux_direction inward) ;;
  *) echo "bench_mcmc: unknown problem '$PROBLEM' (flagship or subsurf)" >&2; exit 2 ;;
esac
mkdir -p "$OUT"
MPI=(mpiexec --oversubscribe -n "$NP")
[[ $(id -u) -eq 0 ]] && MPI+=(--allow-run-as-root)
for k in $KERNELS; do
  burn=$((SAMPLES / 5))
  (cd "$ROOT" && "${MPI[@]}" "$PDEINV" "${PROBLEM_OPTS[@]}" -mode sample -mcmc_kernel "$k" \
     -mcmc_samples "$SAMPLES" -mcmc_burn_in "$burn" -chains "$CHAINS" -chain_groups "$CHAIN_GROUPS" -mcmc_save_every 0 -monitor 0 \
     -output "$OUT/$k") >"$OUT/$k.log" 2>&1 ||
    { echo "bench_mcmc: $k failed (see $OUT/$k.log)" >&2; exit 1; }
done
python3 - "$OUT" $KERNELS <<'PY'
import json, sys
out, kernels = sys.argv[1], sys.argv[2:]
print("| kernel | acceptance | QoI ESS / 1000 PDE solves | slowest direction ESS / 1000 PDE solves | QoI ESS / s | s per effective sample | split R-hat | QoI mean [90 % interval] |")
print("|---|---:|---:|---:|---:|---:|---:|---|")
for k in kernels:
    m = json.load(open(f"{out}/{k}/mcmc.json"))
    ch = m["per_chain"]
    solves = sum(c["pde_solves"] for c in ch)
    ess = sum(c["qoi_ess"] for c in ch)
    dess = sum(c["slowest_direction_ess"] for c in ch)
    secs = m["sampling_seconds"]  # wall time (concurrent chain groups overlap)
    acc = sum(c["acceptance"] for c in ch) / len(ch)
    q = m["qoi"]
    print(f"| {k} | {acc:.3f} | {1000 * ess / solves:.2f} | {1000 * dess / solves:.2f} | "
          f"{ess / secs:.2f} | {secs / ess:.3f} | {m.get('split_rhat', float('nan')):.3f} | "
          f"{q['mcmc_mean']:.4f} [{q['mcmc_5']:.4f}, {q['mcmc_95']:.4f}] |")
q = json.load(open(f"{out}/{kernels[0]}/mcmc.json"))["qoi"]
if "laplace_mean" in q:
    print(f"\nLaplace: QoI mean {q['laplace_mean']:.4f} [{q['laplace_5']:.4f}, {q['laplace_95']:.4f}]")
PY
