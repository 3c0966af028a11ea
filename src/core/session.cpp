#include "pdeinv/core/session.hpp"

#include <cstdio>
#include <iostream>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/options.hpp"

namespace pdeinv {

int rankOf(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}
int sizeOf(MPI_Comm comm) {
  int s = 1;
  MPI_Comm_size(comm, &s);
  return s;
}

int runMain(int argc, char** argv, const char* help, const std::function<int(MPI_Comm)>& body) {
  if (PetscInitialize(&argc, &argv, nullptr, help)) {
    std::fprintf(stderr, "pdeinv: error: PETSc failed to initialize (check -options_file)\n");
    return 1;
  }
  installPetscErrorHandler();
  MPI_Comm comm = PETSC_COMM_WORLD;
  int status = 0;
  try {
    status = body(comm);
    if (status == 0) checkAllOptionsUsed(true);
  } catch (const CollectiveError& e) {
    if (rankOf(comm) == 0) std::cerr << "pdeinv: error: " << e.what() << std::endl;
    status = 1;
  } catch (const std::exception& e) {
    std::cerr << "pdeinv: fatal error on rank " << rankOf(comm) << ": " << e.what() << std::endl;
    if (sizeOf(comm) > 1) MPI_Abort(MPI_COMM_WORLD, 2);
    status = 2;
  }
  // Options may have been left unread because the run stopped early; that is not the error.
  PetscOptionsSetValue(nullptr, "-options_left", "0");
  PetscFinalize();
  return status;
}

}  // namespace pdeinv
