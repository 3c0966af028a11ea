#!/usr/bin/env bash
# run_tests.sh — the test suite: sets up and builds pdeinv (scripts/setup.sh), then runs every
# CTest test in build/ (GoogleTest programs at 1 and 2 MPI ranks, driver and error tests).
# Exit status is ctest's. Extra arguments go to ctest, e.g. -R test_mesh or -L ...
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"

echo "run_tests: ctest --test-dir build --output-on-failure -j2 $*"
cd "$ROOT"
exec ctest --test-dir build --output-on-failure -j2 "$@"
