#include "pdeinv/io/output.hpp"

#include <filesystem>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/session.hpp"

namespace pdeinv {

void makeDirectory(MPI_Comm comm, const std::string& path) {
  int ok = 1;
  std::string why;
  if (rankOf(comm) == 0) {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) ok = 0, why = ec.message();
  }
  MPI_Bcast(&ok, 1, MPI_INT, 0, comm);
  require(ok, "cannot create output directory '" + path + "' (-output)" +
                  (why.empty() ? "" : ": " + why));
}

void writeVtu(Vec field, const std::string& path) {
  MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(field));
  Owned<PetscViewer> viewer;
  PDEINV_CALL(PetscViewerVTKOpen(comm, path.c_str(), FILE_MODE_WRITE, viewer.out()));
  PDEINV_CALL(VecView(field, viewer));
}

std::string outputDirectoryFromOptions(const std::string& def) {
  const Options opts;
  const auto dir =
      opts.getString("output", def, "directory for the run's results ('none': write nothing)");
  require(!dir.empty(), "-output is empty: give a directory, or 'none' to write nothing");
  return dir == "none" ? std::string() : dir;
}

}  // namespace pdeinv
