#pragma once
// Optimizer checkpoints: the iterate (a PETSc binary vector, any rank count) and a small text
// record — the iteration, the optimizer's own state (named numbers), and a fingerprint of the
// problem — in a directory. Writing is atomic (temporary files renamed into place), so a run
// killed at any moment leaves the previous complete checkpoint behind.
//
//   <dir>/checkpoint.vec    the iterate
//   <dir>/checkpoint.txt    iteration, fingerprint, state
#include <petscvec.h>

#include <map>
#include <string>

namespace pdeinv {

struct Checkpoint {
  PetscInt iteration = 0;
  std::string fingerprint;              // what the problem was (sizes, names, data)
  std::map<std::string, double> state;  // optimizer state to resume exactly
};

// Collective. x is the iterate.
void writeCheckpoint(const std::string& dir, Vec x, const Checkpoint& c);
// Collective. Reads the iterate into x (which must have the right size). InputError when the
// files are missing or unreadable, or when the fingerprint differs from `fingerprint` (a
// checkpoint of a different problem).
Checkpoint readCheckpoint(const std::string& dir, Vec x, const std::string& fingerprint);

}  // namespace pdeinv
