#pragma once
// Session: PetscInitialize/PetscFinalize and the error policy of every pdeinv program.
//
//   int main(int argc, char** argv) {
//     return pdeinv::runMain(argc, argv, help, [&](MPI_Comm comm) { ...; return 0; });
//   }
//
// A CollectiveError (bad input, a diverged forward solve: raised identically on every rank) or a
// PetscFailure (a PETSc error; nearly always from a collective call: an option value PETSc
// cannot parse, an unknown type) is printed once by rank 0 as "pdeinv: error: <message>" and
// the program exits with status 1, at any number of ranks. That it was raised on every rank is
// checked (a non-blocking barrier on a communicator of its own, -error_agreement_timeout
// seconds, default 20): a rank that raised one alone prints "pdeinv: error: on rank r alone:
// <message>" and aborts MPI with status 4 (ExitRankError) instead of leaving the others waiting
// for ever. Any other exception may be rank-local: it is printed by the rank that raised it and
// MPI is aborted with status 4. -fault_rank r injects a rank-local error, to test this policy.
//
// Options files are checked before PETSc reads them (core/options_file.hpp; PETSc would print a
// traceback from PetscInitialize, or silently keep an unbalanced quote): every -options_file and
// -options_file_yaml on the command line, and the files a plain file includes, must exist; a
// plain file must hold "-name [value]" or "alias -a -b" lines with balanced double quotes; a
// YAML file must parse (libyaml, as PETSc) to a mapping. Otherwise rank 0 prints one
// "pdeinv: error: ..." line naming the file (and line) and every rank exits with status 1.
// PETSC_OPTIONS and .petscrc files are left to PETSc. runMain initialises MPI itself for this
// (and finalises it after PetscFinalize) unless the caller already did.
//
// A PETSc error carries PETSc's message and the pdeinv call site, without PETSc's traceback,
// unless PETSc's own error handling is asked for: with -on_error_abort, -on_error_mpiabort,
// -on_error_attach_debugger, -start_in_debugger or -stop_for_debugger PETSc's handler stays in
// charge (installPetscErrorHandler, core/error.hpp), as in any PETSc program.
//
// -help, in a program that gives runMain a ProgramHelp: answered before anything is built and
// whatever else is given — on rank 0 the program's option catalogue (every option of every
// mode, by component), its `components`, then PETSc's general help (held back while
// PetscInitialize runs, so the program's comes first) and, from `solvers`, the options of the
// solvers as PETSc prints them; exit status 0, the body never runs. -options_catalog_check
// makes a run fail at its end if it read an option the catalogue lacks (to test the
// catalogue). Without a ProgramHelp, -help is PETSc's alone and the body runs.
#include <petscsys.h>

#include <functional>
#include <ostream>
#include <span>

#include "pdeinv/core/options.hpp"

namespace pdeinv {

// The exit status of every pdeinv program, one meaning each.
enum ExitCode : int {
  ExitOk = 0,            // done: the run converged, every check passed
  ExitError = 1,         // an error, reported once ("pdeinv: error: ..."): bad input, a failure
  ExitNotConverged = 2,  // the optimizer stopped without converging (results are written)
  ExitCheckFailed = 3,   // a derivative check failed (-mode verify)
  ExitRankError = 4,     // an error raised on one rank only: that rank reports it, MPI aborts
};

struct ProgramHelp {
  std::span<const CatalogOption> options;         // the option catalogue
  std::function<void(std::ostream&)> components;  // printed after it, on rank 0
  std::function<void(MPI_Comm)> solvers;          // collective: PETSc prints their options
};

int runMain(int argc, char** argv, const char* help, const std::function<int(MPI_Comm)>& body);
int runMain(int argc, char** argv, const char* help, const ProgramHelp& programHelp,
            const std::function<int(MPI_Comm)>& body);

// Seconds since runMain started (the process's clock origin for "wall time with set-up"); a
// program that does not use runMain counts from its first call.
double secondsSinceStart();

// Rank of comm (convenience for rank-0 printing).
int rankOf(MPI_Comm comm);
int sizeOf(MPI_Comm comm);

}  // namespace pdeinv
