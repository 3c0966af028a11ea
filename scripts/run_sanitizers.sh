#!/usr/bin/env bash
# run_sanitizers.sh — the sanitizer and fuzzing part of CI (README "Fuzzing and sanitizers"):
#
#   1. configures and builds build-asan/ with clang, -fsanitize=address,undefined and the
#      libFuzzer targets (-DPDEINV_FUZZ=ON): the library, the GoogleTest programs and fuzz/, not
#      the driver, benchmarks or examples;
#   2. runs the GoogleTest programs (ctest -L unit: 1 rank, and 2 but for the three longest) under
#      ASan and UBSan, and
#      replays every fuzz corpus (fuzz/corpus/<reader>: seeds and the regressions of past findings);
#   3. fuzzes each reader for a bounded time from its corpus (new inputs go to a scratch
#      directory, not into the repository).
#
# Exit status 0 when nothing was found; otherwise 1, after every step ran, with the findings
# (failed tests, libFuzzer's crash-/leak-/timeout-/oom- inputs) listed at the end.
#
#   scripts/run_sanitizers.sh                    everything, 90 s of fuzzing per reader
#   scripts/run_sanitizers.sh --fuzz-seconds N   N s per reader (0: replay the corpora only)
#   scripts/run_sanitizers.sh --runs N           N inputs per reader instead of a time bound
#   scripts/run_sanitizers.sh --seed N           libFuzzer's seed (with --runs: the same inputs
#                                                every time, as CI runs it)
#   scripts/run_sanitizers.sh --jobs N           build and test jobs (default: nproc)
#   scripts/run_sanitizers.sh --no-tests         skip step 2's GoogleTest programs
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build-asan"
FUZZ_SECONDS=90
RUNS=""
SEED=""
JOBS="$(nproc)"
TESTS=1
READERS=(mesh observation_data sensor_file options_file checkpoint)

usage() { sed -n '2,21s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --fuzz-seconds) FUZZ_SECONDS="$2"; shift ;;
    --runs) RUNS="$2"; shift ;;
    --seed) SEED="$2"; shift ;;
    --jobs) JOBS="$2"; shift ;;
    --no-tests) TESTS=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run_sanitizers: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

start=$(date +%s)
say() { echo "run_sanitizers [$(( $(date +%s) - start )) s]: $*"; }

# The Debian packages (clang, libclang-rt-14-dev and llvm-14 among them), nothing built.
bash "$ROOT/scripts/setup.sh" --no-build

# Reports: ASan and UBSan stop at the first error with a stack trace (symbolized by
# llvm-symbolizer). Leaks are not checked in the MPI tests: Open MPI leaks by design (what
# MPI_Init allocates is never all freed), which would drown any leak of pdeinv's; the fuzz targets
# check them (fuzz/fuzz_common.hpp), ignoring what start-up allocates.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
for s in /usr/lib/llvm-14/bin/llvm-symbolizer "$(command -v llvm-symbolizer || true)"; do
  if [[ -x "$s" ]]; then export ASAN_SYMBOLIZER_PATH="$s"; break; fi
done

# 1. Build. -O1 with line tables only: stack traces name file and line, and the build takes half
# the time of -O2 -g. Debug, so that assertions stay on.
say "configuring $BUILD (clang, ASan + UBSan, libFuzzer)"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  "-DCMAKE_C_FLAGS_DEBUG=-O1 -gline-tables-only" "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -gline-tables-only" \
  -DPDEINV_FUZZ=ON >/dev/null
targets=("${READERS[@]/#/fuzz_}")
if [[ $TESTS -eq 1 ]]; then
  mapfile -t unit < <(sed -n 's/.*pdeinv_add_test(NAME \([A-Za-z0-9_]*\).*/\1/p' \
                        "$ROOT"/tests/CMakeLists.txt "$ROOT"/tests/*/tests.cmake | sort -u)
  targets+=("${unit[@]}")
fi
say "building ${#targets[@]} targets with $JOBS jobs"
cmake --build "$BUILD" -j"$JOBS" --target "${targets[@]}"

findings=()

# 2. The GoogleTest programs and the corpora, under the sanitizers.
check() {  # label, leak detection[, tests to leave out]
  say "ctest -L $1 (ASan + UBSan, detect_leaks=$2)"
  if ! ASAN_OPTIONS="detect_leaks=$2" ctest --test-dir "$BUILD" -L "$1" -E "${3:-^$}" \
         -j"$JOBS" --output-on-failure --timeout 900; then
    findings+=("ctest -L $1 in $BUILD failed (its output is above)")
  fi
}
# At 2 ranks the three longest programs are left out (each takes minutes under the
# sanitizers; their 1-rank runs cover the same code).
if [[ $TESTS -eq 1 ]]; then
  check unit 0 "^(test_transient_adjoint|test_tao_problem|test_transient)_np2$"
fi
check fuzz 1

# 3. Fuzzing, in libFuzzer's fork mode (-fork=1: the fuzzing runs in a child process that is
# restarted every few seconds, so what PETSc's error paths leak cannot pile up to the RSS
# limit). Each reader gets a scratch corpus seeded from the repository's; a finding is the input
# libFuzzer writes (crash-, leak-, timeout-, oom-...) next to its log. Leaks are checked while
# fuzzing the mesh and checkpoint readers; for the others each leak of PETSc's (the HDF5 viewer's
# and the options reader's error paths, not reported: fuzz_common.hpp) would cost a heap scan,
# so they are checked only when the corpora are replayed (step 2).
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pdeinv_fuzz.XXXXXX")"
export PDEINV_FUZZ_SCRATCH="$WORK"  # the targets' files for the reader (fuzz_common.hpp)
if [[ -n "$RUNS" || "$FUZZ_SECONDS" -gt 0 ]]; then
  bound=(-max_total_time="$FUZZ_SECONDS")
  [[ -n "$RUNS" ]] && bound=(-runs="$RUNS")
  [[ -n "$SEED" ]] && bound+=(-seed="$SEED")
  for r in "${READERS[@]}"; do
    dict="$ROOT/fuzz/dict/$r.dict"
    [[ $r == observation_data || $r == sensor_file ]] && dict="$ROOT/fuzz/dict/csv.dict"
    leaks=0
    [[ $r == mesh || $r == checkpoint ]] && leaks=1
    mkdir -p "$WORK/corpus/$r" "$WORK/findings"
    say "fuzzing $r (${bound[*]}, detect_leaks=$leaks)"
    if (cd "$WORK" && ASAN_OPTIONS="detect_leaks=$leaks" "$BUILD/fuzz/fuzz_$r" -fork=1 \
          "${bound[@]}" -detect_leaks="$leaks" -timeout=20 -rss_limit_mb=2048 -max_len=16384 \
          -dict="$dict" -artifact_prefix="$WORK/findings/$r-" "$WORK/corpus/$r" \
          "$ROOT/fuzz/corpus/$r" >"$WORK/$r.log" 2>&1); then
      # The last progress line: inputs run, coverage, exec/s, time.
      grep -E '^#[0-9]+: ' "$WORK/$r.log" | tail -n 1 | sed "s/^/  $r: /" || true
    else
      tail -n 60 "$WORK/$r.log"
      findings+=("fuzz_$r: $(ls "$WORK"/findings/"$r"-* 2>/dev/null | tr '\n' ' ')(log $WORK/$r.log)")
    fi
  done
fi

say "done"
if [[ ${#findings[@]} -gt 0 ]]; then
  echo "run_sanitizers: FINDINGS (inputs and logs kept in $WORK):" >&2
  printf '  %s\n' "${findings[@]}" >&2
  exit 1
fi
rm -rf "$WORK"
echo "run_sanitizers: clean"
