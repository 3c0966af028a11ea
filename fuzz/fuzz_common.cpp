#include "fuzz_common.hpp"

#ifdef PDEINV_FUZZ_HDF5
#include <hdf5.h>
#endif
#include <petscsys.h>
#include <sanitizer/lsan_interface.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

// The sanitizers' defaults for the fuzz targets, so that a run by hand reports as CI does
// (scripts/run_sanitizers.sh sets the same in the environment, which takes precedence): the
// first UBSan report stops the run with a stack trace, which libFuzzer then records as a crash.
extern "C" const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1";
}
// libhdf5 sizes some of its allocations by the header of the file it reads: malloc and calloc
// return NULL for an impossible size, as without ASan, and HDF5 reports an error (C++'s new
// still reports, and libFuzzer's -malloc_limit_mb catches what is merely too large).
extern "C" const char* __asan_default_options() {
  return "allocator_may_return_null=1";
}

namespace pdeinv::fuzz {

void initialize() {
  static bool done = false;
  if (done) return;
  done = true;
  // PETSc reads its options from this argv, not from libFuzzer's (whose -runs=... it would
  // otherwise take for options and report unused).
  static char program[] = "pdeinv_fuzz", noSignalHandler[] = "-no_signal_handler";
  static char* argv[] = {program, noSignalHandler, nullptr};
  int argc = 2;
  char** args = argv;
  // Open MPI leaks by design (what MPI_Init allocates is never all freed): LeakSanitizer ignores
  // the allocations of the start-up, and still reports what an input leaks.
  __lsan_disable();
  MPI_Init(nullptr, nullptr);
  if (PetscInitialize(&argc, &args, nullptr, nullptr) != 0) {
    std::fprintf(stderr, "pdeinv fuzz: PetscInitialize failed\n");
    std::abort();
  }
  __lsan_enable();
  installPetscErrorHandler();
#ifdef PDEINV_FUZZ_HDF5
  // HDF5 prints its error stack for every corrupt file; the readers report the error themselves.
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
#endif
}

const std::string& scratchDir() {
  // Never destroyed: the exit handler below still needs it after static destructors have run.
  static const std::string& dir = *new std::string([] {
    const char* parent = std::getenv("PDEINV_FUZZ_SCRATCH");
    auto d = std::filesystem::path(parent && *parent ? parent : "/dev/shm") /
             ("pdeinv_fuzz_" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    // Removed at a normal exit; after a crash it stays, with the input that caused it.
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(scratchDir(), ignored);
    });
    return d.string();
  }());
  return dir;
}

LeakChecksOff::LeakChecksOff() {
  __lsan_disable();
}
LeakChecksOff::~LeakChecksOff() {
  __lsan_enable();
}

void closeHdf5Objects() {
#ifdef PDEINV_FUZZ_HDF5
  const ssize_t n = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
  if (n <= 0) return;
  std::vector<hid_t> ids(static_cast<std::size_t>(n));
  const ssize_t got = H5Fget_obj_ids(H5F_OBJ_ALL, H5F_OBJ_ALL, ids.size(), ids.data());
  H5E_BEGIN_TRY {
    // Attributes and objects first: a file stays open while anything in it is.
    for (ssize_t k = 0; k < got; ++k) {
      if (H5Iget_type(ids[k]) == H5I_ATTR) H5Aclose(ids[k]);
    }
    for (ssize_t k = 0; k < got; ++k) {
      const H5I_type_t type = H5Iget_type(ids[k]);
      if (type == H5I_GROUP || type == H5I_DATASET || type == H5I_DATATYPE) H5Oclose(ids[k]);
    }
    for (ssize_t k = 0; k < got; ++k) {
      if (H5Iget_type(ids[k]) == H5I_FILE) H5Fclose(ids[k]);
    }
  }
  H5E_END_TRY;
#endif
}

bool isHdf5(const std::uint8_t* data, std::size_t size) {
  return size >= 8 && std::memcmp(data, "\x89HDF\r\n\x1a\n", 8) == 0;
}

std::string writeFile(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const std::string path = scratchDir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) {
    std::fprintf(stderr, "pdeinv fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

}  // namespace pdeinv::fuzz
