#pragma once
// What the fuzz targets of fuzz/ share. Each target is a libFuzzer program (clang
// -fsanitize=fuzzer) for one of pdeinv's readers of user files: it writes the input to a file in
// tmpfs and calls the reader on PETSC_COMM_SELF. The reader refusing the input with a
// pdeinv::Error (an InputError naming the file) is the expected outcome; a crash, a sanitizer
// report, a hang (-timeout) or any other exception is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "pdeinv/core/error.hpp"

namespace pdeinv::fuzz {

// MPI and PETSc, once per process (from LLVMFuzzerInitialize), with pdeinv's PETSc error
// handler (it records PETSc's message for PetscFailure and prints nothing) and without PETSc's
// signal handler, which would otherwise take SIGSEGV from the sanitizers and libFuzzer.
void initialize();

// A directory of this process in tmpfs ($PDEINV_FUZZ_SCRATCH, default /dev/shm), made on first
// use and removed at exit: the readers open real files, at memory speed, and parallel fuzzing
// jobs (-jobs) do not share one.
const std::string& scratchDir();

// LeakSanitizer ignores what is allocated during this object's lifetime.
struct LeakChecksOff {
  LeakChecksOff();
  ~LeakChecksOff();
  LeakChecksOff(const LeakChecksOff&) = delete;
  LeakChecksOff& operator=(const LeakChecksOff&) = delete;
};

// Writes the bytes to scratchDir()/name and returns the file's path.
std::string writeFile(const std::string& name, const std::uint8_t* data, std::size_t size);

// Runs a reader on the current input: pdeinv::Error is how the readers refuse bad input, so it
// is caught; anything else propagates to libFuzzer and is reported.
template <class Reader>
void read(Reader&& reader) {
  try {
    std::forward<Reader>(reader)();
  } catch (const pdeinv::Error&) {
  }
}

// Whether the input starts with HDF5's signature (the readers then take it for an HDF5 file).
bool isHdf5(const std::uint8_t* data, std::size_t size);

// Closes the HDF5 objects (files, groups, datasets, attributes) left open.
void closeHdf5Objects();

// Runs a reader of an HDF5 file. PETSc 3.18's HDF5 viewer leaks on its error paths (a viewer
// whose file did not open cannot be destroyed; PetscViewerHDF5HasDataset drops its split path on
// a corrupt group; files and datasets stay open), once per bad file in a program, which then
// stops: what is allocated while it reads is not checked for leaks (pdeinv's own handles are
// RAII), and what HDF5 keeps open is closed afterwards (a fuzzer would otherwise grow by
// kilobytes per input). Everything else is checked.
template <class Reader>
void readHdf5(Reader&& reader) {
  {
    LeakChecksOff off;
    read(std::forward<Reader>(reader));
  }
  closeHdf5Objects();
}

}  // namespace pdeinv::fuzz
