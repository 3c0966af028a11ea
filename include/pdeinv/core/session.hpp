#pragma once
// Session: PetscInitialize/PetscFinalize and the error policy of every pdeinv program.
//
//   int main(int argc, char** argv) {
//     return pdeinv::runMain(argc, argv, help, [&](MPI_Comm comm) { ...; return 0; });
//   }
//
// A CollectiveError (bad input, a diverged forward solve: raised identically on every rank) is
// printed once by rank 0 as "pdeinv: error: <message>" and the program exits with status 1. Any
// other exception may be rank-local: it is printed by the rank that raised it and MPI is aborted
// (non-zero exit).
#include <petscsys.h>

#include <functional>

namespace pdeinv {

int runMain(int argc, char** argv, const char* help, const std::function<int(MPI_Comm)>& body);

// Rank of comm (convenience for rank-0 printing).
int rankOf(MPI_Comm comm);
int sizeOf(MPI_Comm comm);

}  // namespace pdeinv
