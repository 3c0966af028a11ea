#pragma once
// Run output: fields as ParaView-readable VTK unstructured-grid files (.vtu), written by
// PETSc's VTK viewer, and the run directory itself.
#include <petscvec.h>

#include <string>

namespace pdeinv {

// Creates the directory (and parents) on rank 0; collective.
void makeDirectory(MPI_Comm comm, const std::string& path);
// The run directory of -output (default def); "none" is returned as the empty string (write
// nothing). An empty value is an InputError (a lost variable in a script, not "write nothing").
std::string outputDirectoryFromOptions(const std::string& def);
// Writes a field (a global vector whose DM is a FunctionSpace's) to path, which ends in .vtu.
void writeVtu(Vec field, const std::string& path);

}  // namespace pdeinv
