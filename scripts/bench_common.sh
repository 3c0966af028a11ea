# bench_common.sh — what the inversion benchmarks share (sourced, not run): the options -r and
# -h, the built driver, the output directory build/<name>/, and running the driver on MPI with
# "did not converge" (exit status 2 with a summary) reported rather than fatal.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/bench_common.sh"
#   bench_init <name> <last line of the script's help comment> "$@"
#   bench_pdeinv <tag> [driver options...]   # log in $OUT/<tag>.log, results in $OUT/<tag>/

# Sets ROOT, NP, PDEINV, OUT and MPI; -h prints the calling script's header comment.
bench_init() {
  BENCH_NAME=$1
  local help_end=$2
  shift 2
  ROOT="$(cd "$(dirname "${BASH_SOURCE[1]}")/.." && pwd)"
  NP=1
  while [[ $# -gt 0 ]]; do
    case "$1" in
      -r) NP="$2"; shift ;;
      -h|--help) sed -n "2,${help_end}s/^# \{0,1\}//p" "${BASH_SOURCE[1]}"; exit 0 ;;
      *) echo "$BENCH_NAME: unknown argument '$1'" >&2; exit 2 ;;
    esac
    shift
  done
  PDEINV="$ROOT/build/apps/pdeinv"
  [[ -x "$PDEINV" ]] ||
    { echo "$BENCH_NAME: $PDEINV not built (run scripts/setup.sh)" >&2; exit 1; }
  OUT="$ROOT/build/$BENCH_NAME"
  mkdir -p "$OUT"
  MPI=(mpiexec --oversubscribe -n "$NP")
  [[ $(id -u) -eq 0 ]] && MPI+=(--allow-run-as-root)
  return 0
}

# Runs the driver from the repository root with -output $OUT/<tag>. Exit status 2 with a
# "NOT converged" summary is a result (the optimizer stopped at its limit), anything else
# non-zero is fatal.
bench_pdeinv() {
  local tag=$1 rc=0
  shift
  (cd "$ROOT" && "${MPI[@]}" "$PDEINV" "$@" -output "$OUT/$tag") > "$OUT/$tag.log" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]] && ! { [[ $rc -eq 2 ]] && grep -q "^NOT converged" "$OUT/$tag.log"; }; then
    echo "$BENCH_NAME: run $tag failed, see $OUT/$tag.log" >&2
    exit 1
  fi
}
