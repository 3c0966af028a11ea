# Sanitizer and fuzzing builds (scripts/run_sanitizers.sh; README "Fuzzing and sanitizers").
#
#   -DPDEINV_SANITIZE=ON   everything (library, tests, apps) built with AddressSanitizer and
#                          UndefinedBehaviorSanitizer
#   -DPDEINV_FUZZ=ON       also the libFuzzer targets of fuzz/ (clang only; implies SANITIZE):
#                          the library gets the fuzzer's coverage instrumentation
#                          (-fsanitize=fuzzer-no-link), each target links libFuzzer's main
#
# PETSc, MPI, HDF5 and libyaml are Debian's uninstrumented builds: errors inside them show only
# where they pass through an intercepted call (malloc, memcpy, ...) or crash.
include_guard(GLOBAL)

option(PDEINV_SANITIZE "Build with -fsanitize=address,undefined" OFF)
option(PDEINV_FUZZ "Build the libFuzzer targets of fuzz/ (clang; implies PDEINV_SANITIZE)" OFF)

if(PDEINV_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR
      "pdeinv: PDEINV_FUZZ needs clang's libFuzzer, not ${CMAKE_CXX_COMPILER_ID}: configure a new "
      "build directory with -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ (Debian "
      "packages 'clang' and 'libclang-rt-14-dev', or run scripts/setup.sh)")
  endif()
  set(PDEINV_SANITIZE ON CACHE BOOL "Build with -fsanitize=address,undefined" FORCE)
endif()

if(PDEINV_SANITIZE)
  # Frame pointers: ASan's fast unwinder needs them for whole stack traces.
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
