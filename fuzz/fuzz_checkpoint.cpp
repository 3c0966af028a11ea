// Fuzz target: the checkpoint reader, readCheckpoint (optim/checkpoint.hpp). The input holds
// both files of a checkpoint directory: checkpoint.txt up to the first NUL byte, checkpoint.dat
// after it (without a NUL there is no checkpoint.dat). The iterate read is a vector of three
// entries, once keyed by global index and once by explicit keys, for the fingerprint "fuzz".
#include <petscvec.h>

#include <algorithm>
#include <filesystem>

#include "fuzz_common.hpp"
#include "pdeinv/core/handle.hpp"
#include "pdeinv/optim/checkpoint.hpp"

namespace {
Vec iterate = nullptr;  // made once: the reader fills it
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  pdeinv::fuzz::initialize();
  PDEINV_CALL(VecCreateSeq(PETSC_COMM_SELF, 3, &iterate));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::uint8_t* nul = std::find(data, data + size, std::uint8_t{0});
  pdeinv::fuzz::writeFile("checkpoint.txt", data, static_cast<std::size_t>(nul - data));
  const std::string dat = pdeinv::fuzz::scratchDir() + "/checkpoint.dat";
  if (nul != data + size) {
    pdeinv::fuzz::writeFile("checkpoint.dat", nul + 1,
                            static_cast<std::size_t>(data + size - nul - 1));
  } else {
    std::filesystem::remove(dat);
  }
  const auto& dir = pdeinv::fuzz::scratchDir();
  pdeinv::fuzz::read([&] { (void)pdeinv::readCheckpoint(dir, iterate, {}, "fuzz"); });
  pdeinv::fuzz::read([&] {
    (void)pdeinv::readCheckpoint(dir, iterate, {2, 5, 1ull << 40}, "fuzz");
  });
  return 0;
}
