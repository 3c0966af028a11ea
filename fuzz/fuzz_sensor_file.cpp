// Fuzz target: the sensor file reader behind -obs_type file -obs_file <path>
// (inverse/observation.hpp): the file is read (CSV, or HDF5 when the input starts with HDF5's
// signature) and its points are located in a mesh, as the observation operator is built. The
// meshes are boxes of 4×4 quadrilaterals and 2×2×2 hexahedra on [0, 1]^d, made once.
#include <petscsys.h>

#include <memory>
#include <vector>

#include "fuzz_common.hpp"
#include "pdeinv/fem/function_space.hpp"
#include "pdeinv/inverse/observation.hpp"
#include "pdeinv/mesh/mesh.hpp"

namespace {

struct Space {
  pdeinv::Mesh mesh;
  pdeinv::FunctionSpace V;
  explicit Space(const pdeinv::BoxSpec& box)
      : mesh(pdeinv::Mesh::box(PETSC_COMM_SELF, box)), V(mesh, pdeinv::ElementSpec{}, "state") {}
};
std::vector<std::unique_ptr<Space>> spaces;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  pdeinv::fuzz::initialize();
  spaces.push_back(std::make_unique<Space>(pdeinv::BoxSpec{2, {4, 4}, {0, 0}, {1, 1}, false}));
  spaces.push_back(
      std::make_unique<Space>(pdeinv::BoxSpec{3, {2, 2, 2}, {0, 0, 0}, {1, 1, 1}, false}));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const bool hdf5 = pdeinv::fuzz::isHdf5(data, size);
  const auto path = pdeinv::fuzz::writeFile(hdf5 ? "sensors.h5" : "sensors.csv", data, size);
  PetscOptionsSetValue(nullptr, "-obs_file", path.c_str());
  for (const auto& s : spaces) {
    auto reader = [&] {
      (void)pdeinv::observationRegistry().create("file", s->V, pdeinv::Options("obs_"));
    };
    hdf5 ? pdeinv::fuzz::readHdf5(reader) : pdeinv::fuzz::read(reader);
  }
  PetscOptionsClearValue(nullptr, "-obs_file");
  return 0;
}
