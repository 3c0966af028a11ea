#pragma once
// Run output: fields as ParaView-readable VTK unstructured-grid files (.vtu), written by
// PETSc's VTK viewer, and the run directory itself.
#include <petscvec.h>

#include <string>

namespace pdeinv {

// Creates the directory (and parents) on rank 0; collective.
void makeDirectory(MPI_Comm comm, const std::string& path);
// Writes a field (a global vector whose DM is a FunctionSpace's) to path, which ends in .vtu.
void writeVtu(Vec field, const std::string& path);

}  // namespace pdeinv
