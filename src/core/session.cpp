#include "pdeinv/core/session.hpp"

#include "pdeinv/core/plugin.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/log_events.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/options_file.hpp"

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

namespace {

// Whether every rank of comm raised an error (all call this from their error handler): a
// non-blocking barrier on a communicator of its own (so it cannot match another collective),
// waited for up to `seconds`. A rank whose error is its own waits in vain while the others are
// blocked elsewhere; it then reports the error itself instead of leaving the run hung.
bool allRanksFailed(MPI_Comm errors, double seconds) {
  MPI_Request request;
  MPI_Ibarrier(errors, &request);
  const double start = MPI_Wtime();
  int done = 0;
  while (!done) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (!done && MPI_Wtime() - start > seconds) return false;  // the request is abandoned
    if (!done) usleep(1000);
  }
  return true;
}

}  // namespace

namespace {
double& startTime() {
  static double t = MPI_Wtime();
  return t;
}
}  // namespace

double secondsSinceStart() {
  return MPI_Wtime() - startTime();
}

int runMain(int argc, char** argv, const char* help, const std::function<int(MPI_Comm)>& body) {
  // MPI first, so that a bad options file is reported once (by rank 0) before PETSc reads it.
  int mpiReady = 0;
  MPI_Initialized(&mpiReady);
  const bool ownMpi = !mpiReady;
  if (ownMpi) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  }
  startTime() = MPI_Wtime();
  {
    std::string problem = rankOf(MPI_COMM_WORLD) == 0 ? checkOptionsFiles(argc, argv) : "";
    int len = static_cast<int>(problem.size());
    MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (len > 0) {
      if (rankOf(MPI_COMM_WORLD) == 0) std::cerr << "pdeinv: error: " << problem << std::endl;
      if (ownMpi) MPI_Finalize();
      return ExitError;
    }
  }
  if (PetscInitialize(&argc, &argv, nullptr, help)) {
    std::fprintf(stderr, "pdeinv: error: PETSc failed to initialize (check -options_file)\n");
    return ExitError;
  }
  installPetscErrorHandler();
  startEventLogging();
  MPI_Comm comm = PETSC_COMM_WORLD;
  MPI_Comm errors = MPI_COMM_NULL;  // for the error agreement only
  MPI_Comm_dup(comm, &errors);
  int status = 0;
  double agreement = 20;  // seconds a rank waits for the others to report the same error
  try {
    agreement = Options().getReal(
        "error_agreement_timeout", 20,
        "seconds a rank with an error waits for the others before reporting it alone");
    // Fault injection, to test this policy: a collective-looking error on one rank only.
    const PetscInt faultRank =
        Options().getInt("fault_rank", -1, "testing: raise an error on this rank only");
    if (faultRank == rankOf(comm)) {
      throw InputError("fault injected on rank " + std::to_string(faultRank) + " (-fault_rank)");
    }
    loadPlugins(comm);  // before the body reads any option that names a component
    status = body(comm);
    if (status == 0) checkAllOptionsUsed(true);
  } catch (const CollectiveError& e) {
    // Raised alike on every rank by design; checked, because a rank-local one would otherwise
    // leave the other ranks waiting in their next collective for ever.
    if (sizeOf(comm) == 1 || allRanksFailed(errors, agreement)) {
      if (rankOf(comm) == 0) std::cerr << "pdeinv: error: " << e.what() << std::endl;
      status = ExitError;
    } else {
      std::cerr << "pdeinv: error: on rank " << rankOf(comm) << " alone: " << e.what() << std::endl;
      MPI_Abort(MPI_COMM_WORLD, ExitRankError);
      status = ExitRankError;
    }
  } catch (const std::exception& e) {
    std::cerr << "pdeinv: fatal error on rank " << rankOf(comm) << ": " << e.what() << std::endl;
    if (sizeOf(comm) > 1) MPI_Abort(MPI_COMM_WORLD, ExitRankError);
    status = ExitRankError;
  }
  // Options may have been left unread because the run stopped early; that is not the error.
  PetscOptionsSetValue(nullptr, "-options_left", "0");
  if (errors != MPI_COMM_NULL) MPI_Comm_free(&errors);
  PetscFinalize();
  if (ownMpi) MPI_Finalize();
  return status;
}

}  // namespace pdeinv
