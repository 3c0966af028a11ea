#include "pdeinv/optim/checkpoint.hpp"

#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"

namespace pdeinv {

namespace {

int rank(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}

// Rank 0's verdict, shared: every rank throws the same InputError or none does.
void agree(MPI_Comm comm, std::string& error) {
  int len = static_cast<int>(error.size());
  MPI_Bcast(&len, 1, MPI_INT, 0, comm);
  error.resize(static_cast<std::size_t>(len));
  if (len > 0) MPI_Bcast(error.data(), len, MPI_CHAR, 0, comm);
  if (!error.empty()) throw InputError(error);
}

}  // namespace

void writeCheckpoint(const std::string& dir, Vec x, const Checkpoint& c) {
  const MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(x));
  const std::string vec = dir + "/checkpoint.vec", txt = dir + "/checkpoint.txt";
  {
    Owned<PetscViewer> v;
    PDEINV_CALL(PetscViewerBinaryOpen(comm, (vec + ".tmp").c_str(), FILE_MODE_WRITE, v.out()));
    PDEINV_CALL(PetscViewerBinarySetSkipInfo(v, PETSC_TRUE));
    PDEINV_CALL(VecView(x, v));
  }
  std::string error;
  if (rank(comm) == 0) {
    {
      std::ofstream out(txt + ".tmp");
      out << std::setprecision(17);
      out << "iteration " << c.iteration << "\n";
      out << "fingerprint " << c.fingerprint << "\n";
      for (const auto& [k, v] : c.state) out << "state " << k << " " << v << "\n";
      if (!out) error = "cannot write checkpoint '" + txt + "'";
    }
    // The vector first: a record never points to a missing or partial iterate.
    if (error.empty() && (std::rename((vec + ".tmp").c_str(), vec.c_str()) != 0 ||
                          std::rename((txt + ".tmp").c_str(), txt.c_str()) != 0)) {
      error = "cannot move checkpoint files into '" + dir + "'";
    }
  }
  agree(comm, error);
}

Checkpoint readCheckpoint(const std::string& dir, Vec x, const std::string& fingerprint) {
  const MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(x));
  const std::string vec = dir + "/checkpoint.vec", txt = dir + "/checkpoint.txt";
  Checkpoint c;
  std::string error, text;
  if (rank(comm) == 0) {
    std::ifstream in(txt);
    std::ostringstream all;
    all << in.rdbuf();
    text = all.str();
    if (!in || text.empty()) {
      error = "cannot read restart file '" + txt + "' (-restart): no checkpoint in '" + dir + "'";
    }
  }
  agree(comm, error);
  int len = static_cast<int>(text.size());
  MPI_Bcast(&len, 1, MPI_INT, 0, comm);
  text.resize(static_cast<std::size_t>(len));
  MPI_Bcast(text.data(), len, MPI_CHAR, 0, comm);
  std::istringstream in(text);
  std::string line;
  bool haveIteration = false, haveFingerprint = false;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string key;
    ls >> key;
    if (key == "iteration") {
      haveIteration = static_cast<bool>(ls >> c.iteration);
    } else if (key == "fingerprint") {
      std::getline(ls >> std::ws, c.fingerprint);
      haveFingerprint = true;
    } else if (key == "state") {
      std::string name;
      double v = 0;
      if (ls >> name >> v) c.state[name] = v;
    }
  }
  require(haveIteration && haveFingerprint,
          "restart file '" + txt + "' (-restart) is not a pdeinv checkpoint");
  require(c.fingerprint == fingerprint,
          "restart file '" + txt +
              "' (-restart) is from a different problem: it was written for [" + c.fingerprint +
              "], this run is [" + fingerprint + "]");
  Owned<PetscViewer> v;
  Owned<Vec> loaded;
  PDEINV_CALL(VecDuplicate(x, loaded.out()));
  try {
    PDEINV_CALL(PetscViewerBinaryOpen(comm, vec.c_str(), FILE_MODE_READ, v.out()));
    PDEINV_CALL(PetscViewerBinarySetSkipInfo(v, PETSC_TRUE));
    PDEINV_CALL(VecLoad(loaded, v));
  } catch (const PetscFailure&) {
    throw InputError("cannot read restart iterate '" + vec + "' (-restart)");
  }
  PDEINV_CALL(VecCopy(loaded, x));
  return c;
}

}  // namespace pdeinv
