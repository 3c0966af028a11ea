#pragma once
// Helpers the benchmark apps share: option defaults that the command line overrides, and the
// wall time of a collective piece of work (the slowest rank's).
#include <petscsys.h>
#include <petsctime.h>

#include <string>

#include "pdeinv/core/error.hpp"

namespace pdeinv::bench {

// Sets -name value unless the command line (or an options file) gave it.
inline void setDefault(const char* name, const std::string& value) {
  PetscBool set = PETSC_FALSE;
  PDEINV_CALL(PetscOptionsHasName(nullptr, nullptr, name, &set));
  if (!set) PDEINV_CALL(PetscOptionsSetValue(nullptr, name, value.c_str()));
}

inline double seconds() {
  PetscLogDouble t = 0;
  PDEINV_CALL(PetscTime(&t));
  return t;
}

// Seconds f() takes on the slowest rank (ranks start together).
template <class F>
double timeCollective(MPI_Comm comm, F&& f) {
  PDEINV_CALL(MPI_Barrier(comm));
  const double t0 = seconds();
  f();
  double dt = seconds() - t0;
  PDEINV_CALL(MPI_Allreduce(MPI_IN_PLACE, &dt, 1, MPI_DOUBLE, MPI_MAX, comm));
  return dt;
}

}  // namespace pdeinv::bench
