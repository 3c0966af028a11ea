#!/usr/bin/env bash
# bench_mcmc.sh — the MCMC kernels on the flagship problem (apps/poisson_bilaplacian.opts: the
# BiLaplacian prior, 100 sensors, 1969 parameters): pdeinv -mode sample with each kernel, 4
# chains started from Laplace posterior samples, the Laplace approximation of rank 110 (all of
# the misfit Hessian's rank 100) for gpcn and hmc and for the chains' starts.
#
#   scripts/bench_mcmc.sh                       # pcn mala gpcn hmc, 1000 samples per chain
#   scripts/bench_mcmc.sh -k "gpcn hmc" -s 400 -r 2
#
# Prints per kernel: acceptance (mean over chains), QoI (the field's mean) ESS per 1000 PDE
# solves (forward + adjoint), the slowest traced eigen-direction's ESS per 1000 PDE solves, wall
# time per effective QoI sample, split R-hat of the QoI over the chains. Run directories in
# build/bench_mcmc/<kernel>/ (mcmc.json, trace.csv, plots).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KERNELS="pcn mala gpcn hmc"
SAMPLES=1000
NP=1
CHAINS=4
while [[ $# -gt 0 ]]; do
  case "$1" in
    -k) KERNELS="$2"; shift ;;
    -s) SAMPLES="$2"; shift ;;
    -r) NP="$2"; shift ;;
    -c) CHAINS="$2"; shift ;;
    -h|--help) sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bench_mcmc: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
PDEINV="$ROOT/build/apps/pdeinv"
[[ -x "$PDEINV" ]] || { echo "bench_mcmc: $PDEINV not built (run scripts/setup.sh)" >&2; exit 1; }
OUT="$ROOT/build/bench_mcmc"
mkdir -p "$OUT"
MPI=(mpiexec --oversubscribe -n "$NP")
[[ $(id -u) -eq 0 ]] && MPI+=(--allow-run-as-root)
for k in $KERNELS; do
  burn=$((SAMPLES / 5))
  (cd "$ROOT" && "${MPI[@]}" "$PDEINV" -options_file apps/poisson_bilaplacian.opts -identify_rank 0 \
     -mode sample -laplace_rank 110 -mcmc_kernel "$k" -mcmc_samples "$SAMPLES" \
     -mcmc_burn_in "$burn" -chains "$CHAINS" -monitor 0 -output "$OUT/$k") >"$OUT/$k.log" 2>&1 ||
    { echo "bench_mcmc: $k failed (see $OUT/$k.log)" >&2; exit 1; }
done
python3 - "$OUT" $KERNELS <<'PY'
import json, sys
out, kernels = sys.argv[1], sys.argv[2:]
print("| kernel | acceptance | QoI ESS / 1000 PDE solves | slowest direction ESS / 1000 PDE solves | s per effective sample | split R-hat | QoI mean [90 % interval] |")
print("|---|---:|---:|---:|---:|---:|---|")
for k in kernels:
    m = json.load(open(f"{out}/{k}/mcmc.json"))
    ch = m["per_chain"]
    solves = sum(c["pde_solves"] for c in ch)
    ess = sum(c["qoi_ess"] for c in ch)
    dess = sum(c["slowest_direction_ess"] for c in ch)
    secs = sum(c["seconds"] for c in ch)
    acc = sum(c["acceptance"] for c in ch) / len(ch)
    q = m["qoi"]
    print(f"| {k} | {acc:.3f} | {1000 * ess / solves:.2f} | {1000 * dess / solves:.2f} | "
          f"{secs / ess:.3f} | {m.get('split_rhat', float('nan')):.3f} | "
          f"{q['mcmc_mean']:.4f} [{q['mcmc_5']:.4f}, {q['mcmc_95']:.4f}] |")
q = json.load(open(f"{out}/{kernels[0]}/mcmc.json"))["qoi"]
if "laplace_mean" in q:
    print(f"\nLaplace: QoI mean {q['laplace_mean']:.4f} [{q['laplace_5']:.4f}, {q['laplace_95']:.4f}]")
PY
