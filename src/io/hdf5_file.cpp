#include "pdeinv/io/hdf5_file.hpp"

#include "pdeinv/core/error.hpp"
#include "pdeinv/io/hdf5_util.hpp"

namespace pdeinv {

namespace {
void check(bool ok, const std::string& what, const std::string& path) {
  if (!ok) throw Error("HDF5: cannot " + what + " in '" + path + "'");
}

// One dataset of `rank` dimensions from memory of type memType (stored as fileType).
bool writeDataset(hid_t file, const std::string& name, int rank, const hsize_t* dims,
                  hid_t fileType, hid_t memType, const void* data) {
  Hdf5Id space(H5Screate_simple(rank, dims, nullptr), H5Sclose);
  Hdf5Id set(
      H5Dcreate2(file, name.c_str(), fileType, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      H5Dclose);
  return set.ok() && H5Dwrite(set.id, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
}

// One scalar attribute of the root group.
bool writeAttribute(hid_t file, const std::string& name, hid_t fileType, hid_t memType,
                    const void* value) {
  Hdf5Id space(H5Screate(H5S_SCALAR), H5Sclose);
  Hdf5Id attr(H5Acreate2(file, name.c_str(), fileType, space.id, H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose);
  return attr.ok() && H5Awrite(attr.id, memType, value) >= 0;
}
}  // namespace

// Each call's failures become one pdeinv::Error instead of HDF5's printed error stack.
Hdf5Writer::Hdf5Writer(const std::string& path) : path_(path) {
  Hdf5QuietErrors quiet;
  file_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  check(file_ >= 0, "create the file", path);
}

Hdf5Writer::~Hdf5Writer() {
  if (file_ >= 0) H5Fclose(static_cast<hid_t>(file_));
}

void Hdf5Writer::writeMatrix(const std::string& name, std::size_t rows, std::size_t cols,
                             const std::vector<double>& data) {
  Hdf5QuietErrors quiet;
  check(data.size() == rows * cols, "write dataset '" + name + "' (size mismatch)", path_);
  const hsize_t dims[2] = {rows, cols};
  check(writeDataset(static_cast<hid_t>(file_), name, 2, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                     data.empty() ? nullptr : data.data()),
        "write dataset '" + name + "'", path_);
}

void Hdf5Writer::writeKeys(const std::string& name, const std::vector<std::uint64_t>& keys) {
  Hdf5QuietErrors quiet;
  const hsize_t dims[1] = {keys.size()};
  check(writeDataset(static_cast<hid_t>(file_), name, 1, dims, H5T_STD_U64LE, H5T_NATIVE_UINT64,
                     keys.empty() ? nullptr : keys.data()),
        "write dataset '" + name + "'", path_);
}

void Hdf5Writer::attribute(const std::string& name, double value) {
  Hdf5QuietErrors quiet;
  check(writeAttribute(static_cast<hid_t>(file_), name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value),
        "write attribute '" + name + "'", path_);
}

void Hdf5Writer::attribute(const std::string& name, const std::string& value) {
  Hdf5QuietErrors quiet;
  Hdf5Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id, value.empty() ? 1 : value.size());
  check(writeAttribute(static_cast<hid_t>(file_), name, type.id, type.id,
                       value.empty() ? "" : value.c_str()),
        "write attribute '" + name + "'", path_);
}

}  // namespace pdeinv
