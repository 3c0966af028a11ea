#pragma once
// A small serial HDF5 writer (one process writes; the others send it their data): 2-D double
// datasets, 1-D unsigned 64-bit datasets and scalar attributes of the root group. PETSc's HDF5
// viewer writes distributed vectors in their partition's order; this writes arrays a rank has
// assembled itself (e.g. MCMC samples in partition-independent key order). Errors throw
// pdeinv::Error naming the file and dataset.
#include <cstdint>
#include <string>
#include <vector>

namespace pdeinv {

class Hdf5Writer {
 public:
  explicit Hdf5Writer(const std::string& path);  // creates (truncates) the file
  ~Hdf5Writer();
  Hdf5Writer(const Hdf5Writer&) = delete;
  Hdf5Writer& operator=(const Hdf5Writer&) = delete;
  // rows × cols, row-major.
  void writeMatrix(const std::string& name, std::size_t rows, std::size_t cols,
                   const std::vector<double>& data);
  void writeKeys(const std::string& name, const std::vector<std::uint64_t>& keys);
  void attribute(const std::string& name, double value);
  void attribute(const std::string& name, const std::string& value);

 private:
  std::string path_;
  long long file_ = -1;  // hid_t
};

}  // namespace pdeinv
