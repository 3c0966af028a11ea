#pragma once
// Two helpers for code that calls the HDF5 C API itself (io/hdf5_file.hpp, the observation
// data reader's storage check): an owned HDF5 identifier, and a scope in which HDF5 does not
// print its error stack (its failures become pdeinv messages instead). Needs <hdf5.h>, so it
// is included by sources only.
#include <hdf5.h>

namespace pdeinv {

// An HDF5 identifier closed by its own close function (H5Fclose, H5Dclose, ...).
struct Hdf5Id {
  hid_t id = H5I_INVALID_HID;
  herr_t (*close)(hid_t) = nullptr;
  Hdf5Id(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  Hdf5Id(const Hdf5Id&) = delete;
  Hdf5Id& operator=(const Hdf5Id&) = delete;
  ~Hdf5Id() {
    if (id >= 0) close(id);
  }
  bool ok() const { return id >= 0; }
};

// HDF5's automatic error printing off for the scope's lifetime, then as before.
class Hdf5QuietErrors {
 public:
  Hdf5QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &handler_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~Hdf5QuietErrors() { H5Eset_auto2(H5E_DEFAULT, handler_, data_); }
  Hdf5QuietErrors(const Hdf5QuietErrors&) = delete;
  Hdf5QuietErrors& operator=(const Hdf5QuietErrors&) = delete;

 private:
  H5E_auto2_t handler_ = nullptr;
  void* data_ = nullptr;
};

}  // namespace pdeinv
