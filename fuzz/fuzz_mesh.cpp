// Fuzz target: the gmsh reader, Mesh::fromGmsh (mesh/mesh.hpp): pdeinv's own pass over ASCII
// and binary MSH 2.2/4.1 (mesh/validate.hpp: scanGmshFile), PETSc's DMPlexCreateGmshFromFile on
// what that pass accepts, then the checks of the cells. The input is the .msh file.
#include <petscsys.h>

#include "fuzz_common.hpp"
#include "pdeinv/mesh/mesh.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  pdeinv::fuzz::initialize();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = pdeinv::fuzz::writeFile("mesh.msh", data, size);
  pdeinv::fuzz::read([&] { (void)pdeinv::Mesh::fromGmsh(PETSC_COMM_SELF, path, "-mesh_file"); });
  return 0;
}
