#pragma once
// Optimizer checkpoints: the iterate and a small text record — the iteration, the optimizer's
// own state (named numbers), and a fingerprint of the problem — in a directory. Writing is
// atomic (temporary files renamed into place), so a run killed at any moment leaves the
// previous complete checkpoint behind.
//
//   <dir>/checkpoint.dat    the iterate: (key, value) pairs sorted by key (binary, native)
//   <dir>/checkpoint.txt    iteration, fingerprint, state
//
// The iterate is stored by key, not by position: the mesh partition (PT-Scotch's is not
// reproducible from run to run) and the rank count may differ when the run is restarted. Keys
// are FunctionSpace::dofKeys() for a field parameter; without keys, the global index is the key
// (vectors held on rank 0, such as region or scalar parameters).
#include <petscvec.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pdeinv {

struct Checkpoint {
  PetscInt iteration = 0;
  std::string fingerprint;              // what the problem was (sizes, names, data)
  std::map<std::string, double> state;  // optimizer state to resume exactly
};

// Collective. x is the iterate; keys (one per local entry of x, or empty) as above.
// name: the files' stem (<dir>/<name>.dat and .txt; the final estimate of a run is kept as
// "estimate" in the same format).
void writeCheckpoint(const std::string& dir, Vec x, const std::vector<std::uint64_t>& keys,
                     const Checkpoint& c, const std::string& name = "checkpoint");
// Collective. Reads the iterate into x. InputError when the files are missing or unreadable,
// when the fingerprint differs from `fingerprint` (a checkpoint of a different problem), or
// when a key of x is not in the file.
// flag: the option the files come from, for messages.
Checkpoint readCheckpoint(const std::string& dir, Vec x, const std::vector<std::uint64_t>& keys,
                          const std::string& fingerprint, const std::string& name = "checkpoint",
                          const std::string& flag = "-restart");

}  // namespace pdeinv
