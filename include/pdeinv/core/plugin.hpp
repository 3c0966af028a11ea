#pragma once
// Plugins: shared libraries that add components (operators, misfits, ...) to pdeinv's
// registries, loaded by any pdeinv program with
//
//   pdeinv -plugin ./libmyop.so[,./libother.so] -operator_type myop ...
//
// A plugin defines one entry point with the macro below, which registers what it adds:
//
//   #include "pdeinv/core/plugin.hpp"
//   #include "pdeinv/physics/ad_operator.hpp"
//   struct MyOp : pdeinv::AdPhysics { ... };
//   PDEINV_PLUGIN { pdeinv::registerAdOperator<MyOp>("what it solves"); }
//
// Build it as a CMake MODULE library linked to pdeinv::pdeinv (apps/extension_example/). The
// library is opened with dlopen (RTLD_NOW | RTLD_GLOBAL; PETSc's PetscDLLibrary does the same
// and adds nothing needed here), on every rank, before the program reads any other option.
#include <mpi.h>

#define PDEINV_PLUGIN extern "C" void pdeinv_register_plugin()

namespace pdeinv {

// Opens the libraries named by -plugin and calls their pdeinv_register_plugin(). A library
// that cannot be opened (on any rank) or lacks the entry point is one InputError naming it.
void loadPlugins(MPI_Comm comm);

}  // namespace pdeinv
