#include "pdeinv/io/hdf5_file.hpp"

#include <hdf5.h>

#include "pdeinv/core/error.hpp"

namespace pdeinv {

namespace {
void check(bool ok, const std::string& what, const std::string& path) {
  if (!ok) throw Error("HDF5: cannot " + what + " in '" + path + "'");
}
}  // namespace

Hdf5Writer::Hdf5Writer(const std::string& path) : path_(path) {
  file_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  check(file_ >= 0, "create the file", path);
}

Hdf5Writer::~Hdf5Writer() {
  if (file_ >= 0) H5Fclose(static_cast<hid_t>(file_));
}

namespace {
// One dataset of `rank` dimensions from memory of type memType (stored as fileType).
bool writeDataset(hid_t file, const std::string& name, int rank, const hsize_t* dims,
                  hid_t fileType, hid_t memType, const void* data) {
  const hid_t space = H5Screate_simple(rank, dims, nullptr);
  const hid_t set =
      H5Dcreate2(file, name.c_str(), fileType, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const bool ok = set >= 0 && H5Dwrite(set, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
  if (set >= 0) H5Dclose(set);
  H5Sclose(space);
  return ok;
}
}  // namespace

void Hdf5Writer::writeMatrix(const std::string& name, std::size_t rows, std::size_t cols,
                             const std::vector<double>& data) {
  check(data.size() == rows * cols, "write dataset '" + name + "' (size mismatch)", path_);
  const hsize_t dims[2] = {rows, cols};
  check(writeDataset(static_cast<hid_t>(file_), name, 2, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                     data.empty() ? nullptr : data.data()),
        "write dataset '" + name + "'", path_);
}

void Hdf5Writer::writeKeys(const std::string& name, const std::vector<std::uint64_t>& keys) {
  const hsize_t dims[1] = {keys.size()};
  check(writeDataset(static_cast<hid_t>(file_), name, 1, dims, H5T_STD_U64LE, H5T_NATIVE_UINT64,
                     keys.empty() ? nullptr : keys.data()),
        "write dataset '" + name + "'", path_);
}

void Hdf5Writer::attribute(const std::string& name, double value) {
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(static_cast<hid_t>(file_), name.c_str(), H5T_IEEE_F64LE, space,
                                H5P_DEFAULT, H5P_DEFAULT);
  const bool ok = attr >= 0 && H5Awrite(attr, H5T_NATIVE_DOUBLE, &value) >= 0;
  if (attr >= 0) H5Aclose(attr);
  H5Sclose(space);
  check(ok, "write attribute '" + name + "'", path_);
}

void Hdf5Writer::attribute(const std::string& name, const std::string& value) {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, value.empty() ? 1 : value.size());
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr =
      H5Acreate2(static_cast<hid_t>(file_), name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
  const bool ok = attr >= 0 && H5Awrite(attr, type, value.empty() ? "" : value.c_str()) >= 0;
  if (attr >= 0) H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
  check(ok, "write attribute '" + name + "'", path_);
}

}  // namespace pdeinv
