#!/usr/bin/env bash
# setup.sh — installs pdeinv's Debian 12 packages (only those missing) and builds pdeinv.
#
#   scripts/setup.sh                    install what is missing, configure and build build/
#   scripts/setup.sh --no-build         install only
#   scripts/setup.sh --build-dir DIR    build in DIR instead of <repo>/build
#
# Safe to re-run: installed packages are skipped and the build is incremental. Works from any
# directory; uses sudo for apt-get only when not run as root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="$ROOT/build"
BUILD=1

usage() { sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0 ;;
    --build-dir)
      [[ $# -ge 2 ]] || { echo "setup: --build-dir needs a directory" >&2; exit 2; }
      BUILD_DIR="$2"; shift ;;
    --build-dir=*) BUILD_DIR="${1#*=}" ;;
    -h|--help) usage; exit 0 ;;
    *) echo "setup: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

# clang, libclang-rt-14-dev (libFuzzer, the sanitizer runtimes) and llvm-14 (llvm-symbolizer, for
# stack traces) serve scripts/run_sanitizers.sh alone.
PACKAGES=(build-essential cmake pkg-config g++ git petsc-dev libsundials-dev libeigen3-dev
          libgtest-dev libmuparser-dev gmsh python3-matplotlib python3-h5py openmpi-bin
          libopenmpi-dev libhdf5-openmpi-dev clang-format libopenblas0-serial clang libclang-rt-14-dev llvm-14)

# 1. Debian packages: install only the missing ones.
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#PACKAGES[@]} Debian packages are installed"
else
  echo "setup: installing ${missing[*]}"
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2; exit 1; }
    SUDO=(sudo)
  fi
  "${SUDO[@]}" apt-get update -q
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# 2. Configure and build (incremental when the build directory already exists).
if [[ $BUILD -eq 1 ]]; then
  echo "setup: configuring $BUILD_DIR (Release)"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  echo "setup: building with $(nproc) jobs"
  cmake --build "$BUILD_DIR" -j"$(nproc)"
  echo "setup: done; the driver is $BUILD_DIR/apps/pdeinv"
fi
