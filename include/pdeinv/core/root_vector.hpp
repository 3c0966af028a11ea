#pragma once
// Root vectors: a few global scalars (region values, a source position and strength) as a
// PETSc vector of global size k held entirely by rank 0 — what optimizers and PETSc solvers
// take — and read on every rank with gatherRootVector.
#include <petscvec.h>

#include <vector>

#include "pdeinv/core/handle.hpp"

namespace pdeinv {

// A vector of global size `size`, all of it on rank 0 of comm.
Owned<Vec> createRootVector(MPI_Comm comm, PetscInt size);
// Every rank gets all entries of a root vector.
std::vector<PetscReal> gatherRootVector(Vec v);
// v = the values (the same on every rank).
void setRootVector(Vec v, const std::vector<PetscReal>& values);
// v = Σ over ranks of each rank's `local` (the transpose of gatherRootVector).
void sumToRootVector(const std::vector<PetscReal>& local, Vec v);

}  // namespace pdeinv
