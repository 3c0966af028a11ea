// Fuzz target: the observation data reader, readObservationData (inverse/observation.hpp), for
// meshes of dimension 1, 2 and 3. An input that starts with HDF5's signature is written as
// data.h5 and read through PETSc's HDF5 viewer (fuzz_common.hpp: readHdf5); any other as
// data.csv.
#include <petscsys.h>

#include "fuzz_common.hpp"
#include "pdeinv/inverse/observation.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  pdeinv::fuzz::initialize();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const bool hdf5 = pdeinv::fuzz::isHdf5(data, size);
  const auto path = pdeinv::fuzz::writeFile(hdf5 ? "data.h5" : "data.csv", data, size);
  for (int dim = 1; dim <= 3; ++dim) {
    auto reader = [&] { (void)pdeinv::readObservationData(PETSC_COMM_SELF, path, dim); };
    hdf5 ? pdeinv::fuzz::readHdf5(reader) : pdeinv::fuzz::read(reader);
  }
  return 0;
}
