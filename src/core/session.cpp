#include "pdeinv/core/session.hpp"

#include "pdeinv/core/plugin.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <iostream>
#include <map>
#include <new>
#include <sstream>
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

// PETSc's help text (PetscHelpPrintf) while PetscInitialize runs, kept on rank 0 so that a
// program's own help comes first (runMain). "-help intro" asks for PETSc's banner alone, after
// which PetscInitialize exits: that is printed at once.
std::string g_petscHelp;

PetscErrorCode keepPetscHelp(MPI_Comm comm, const char format[], ...) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (rank != 0) return 0;  // as PetscHelpPrintfDefault: rank 0 of comm prints
  char value[16] = "";
  PetscBool set = PETSC_FALSE;
  PetscOptionsGetString(nullptr, nullptr, "-help", value, sizeof value, &set);
  va_list args;
  va_start(args, format);
  if (set && std::string(value) == "intro") {
    std::vfprintf(stdout, format, args);
  } else {
    va_list count;
    va_copy(count, args);
    const int n = std::vsnprintf(nullptr, 0, format, count);
    va_end(count);
    if (n > 0) {
      std::string text(static_cast<size_t>(n) + 1, '\0');
      std::vsnprintf(text.data(), text.size(), format, args);
      text.pop_back();
      g_petscHelp += text;
    }
  }
  va_end(args);
  return 0;
}

void printKeptPetscHelp() {
  std::fputs(g_petscHelp.c_str(), stdout);
  std::fflush(stdout);
  g_petscHelp.clear();
}

// -help in a program with a catalogue: its options (every one, whatever the mode), its
// components, PETSc's general options, then the solvers' as PETSc prints them. Collective.
void answerHelp(MPI_Comm comm, const char* description, const ProgramHelp& h) {
  if (rankOf(comm) == 0) {
    if (description) std::cout << description;
    std::cout << "\nOptions of every mode, by component: -flag <type> (default)  help. Then "
                 "the registered\ncomponents with their operators' data fields (plugin "
                 "components, -plugin, included), then\nPETSc's options.\n";
    printOptionCatalog(std::cout, h.options);
    if (h.components) {
      std::cout << "\n";
      h.components(std::cout);
    }
    std::cout << "\n" << std::flush;
  }
  printKeptPetscHelp();
  if (h.solvers) h.solvers(comm);
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
  return runMain(argc, argv, help, ProgramHelp{}, body);
}

int runMain(int argc, char** argv, const char* help, const ProgramHelp& programHelp,
            const std::function<int(MPI_Comm)>& body) {
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
  // PETSc prints its general help inside PetscInitialize; a program with a catalogue prints its
  // own first, so PETSc's is kept until then (-help may also come from an options file or
  // PETSC_OPTIONS, so argv alone cannot tell whether it is asked for).
  const bool ownHelp = !programHelp.options.empty();
  auto* const petscHelpPrintf = PetscHelpPrintf;
  if (ownHelp) PetscHelpPrintf = keepPetscHelp;
  // (The program's one-line description too: PETSc would print it with a rule under it.)
  const PetscErrorCode initialized =
      PetscInitialize(&argc, &argv, nullptr, ownHelp ? nullptr : help);
  PetscHelpPrintf = petscHelpPrintf;
  if (initialized) {
    printKeptPetscHelp();
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
  // An error every rank raised: reported once, exit status 1. Checked, because a rank-local
  // one would otherwise leave the other ranks waiting in their next collective for ever.
  auto reportOnce = [&](const std::exception& e) {
    if (sizeOf(comm) == 1 || allRanksFailed(errors, agreement)) {
      if (rankOf(comm) == 0) std::cerr << "pdeinv: error: " << e.what() << std::endl;
      return static_cast<int>(ExitError);
    }
    std::cerr << "pdeinv: error: on rank " << rankOf(comm) << " alone: " << e.what() << std::endl;
    MPI_Abort(MPI_COMM_WORLD, ExitRankError);
    return static_cast<int>(ExitRankError);
  };
  try {
    agreement = Options().getReal(
        "error_agreement_timeout", 20,
        "seconds a rank with an error waits for the others before reporting it alone");
    PetscBool helpAsked = PETSC_FALSE;
    PDEINV_CALL(PetscOptionsHasHelp(nullptr, &helpAsked));
    if (ownHelp && helpAsked) {
      loadPlugins(comm);  // their components are listed too
      answerHelp(comm, help, programHelp);
    } else {
      printKeptPetscHelp();  // -version
      // Fault injection, to test this policy: a collective-looking error on one rank only.
      const PetscInt faultRank =
          Options().getInt("fault_rank", -1, "testing: raise an error on this rank only");
      const auto faultKind = Options().getString(
          "fault_kind", "input", "testing: the error -fault_rank raises: input | memory");
      require(faultKind == "input" || faultKind == "memory",
              "-fault_kind must be input or memory, got '" + faultKind + "'");
      if (faultRank == rankOf(comm)) {
        if (faultKind == "memory") throw std::bad_alloc();
        throw InputError("fault injected on rank " + std::to_string(faultRank) + " (-fault_rank)");
      }
      const bool checkCatalog =
          ownHelp && Options().getBool("options_catalog_check", false,
                                       "testing: fail if the run read an option that -help does "
                                       "not list (the catalogue is generated from the sources)");
      loadPlugins(comm);  // before the body reads any option that names a component
      status = body(comm);
      if (checkCatalog) {
        const auto missing = optionsMissingFromCatalog(programHelp.options);
        std::string list;
        for (const auto& flag : missing) list += (list.empty() ? "" : ", ") + flag;
        require(missing.empty(), "options read but missing from the -help catalogue: " + list +
                                     " (scripts/gen_option_catalog.py)");
      }
      if (status == 0) checkAllOptionsUsed(true);
    }
  } catch (const CollectiveError& e) {
    // Raised alike on every rank by design.
    status = reportOnce(e);
  } catch (const PetscFailure& e) {
    // Nearly always from a collective call, so raised on every rank too: an option value PETSc
    // cannot parse, an unknown type, a solver that failed.
    status = reportOnce(e);
  } catch (const std::bad_alloc&) {
    // An allocation that failed: on every rank alike (one message) or on one rank alone.
    status = reportOnce(Error(outOfMemoryAdvice() + " (an allocation of pdeinv's failed)"));
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
