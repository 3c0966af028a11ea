#include "pdeinv/core/error.hpp"

#include <sstream>

namespace pdeinv {
namespace {
// PETSc's first (innermost) message of the current error chain. PETSc calls the handler once
// per stack frame; the PETSC_ERROR_INITIAL call carries the specific message.
thread_local std::string g_last_petsc_message;

PetscErrorCode recordingHandler(MPI_Comm, int line, const char* func, const char* file,
                                PetscErrorCode code, PetscErrorType type, const char* mess, void*) {
  if (type == PETSC_ERROR_INITIAL) {
    std::ostringstream os;
    const char* text = nullptr;
    PetscErrorMessage(code, &text, nullptr);
    if (code == PETSC_ERR_MEM || (func && std::string(func) == "PetscMallocAlign")) {
      // PETSc 3.18 reports a failed allocation from PetscMallocAlign (with a code that is not
      // always PETSC_ERR_MEM); its message is the name of the routine that allocated.
      os << outOfMemoryAdvice() << " (PETSc could not allocate memory in "
         << (mess && *mess ? mess : (func ? func : "?")) << ")";
    } else {
      os << (mess && *mess ? mess : (text ? text : "unknown PETSc error"));
    }
    os << " [PETSc " << (text ? text : "") << " in " << (func ? func : "?") << " at "
       << (file ? file : "?") << ":" << line << "]";
    g_last_petsc_message = os.str();
  }
  return code;
}
}  // namespace

PetscFailure::PetscFailure(PetscErrorCode code, const std::string& call,
                           const SourceLocation& where)
    : Error([&] {
        std::ostringstream os;
        os << (g_last_petsc_message.empty() ? "PETSc error" : g_last_petsc_message) << " (in "
           << call << " at " << where.file_name() << ":" << where.line() << ")";
        return os.str();
      }()),
      code_(code) {
  g_last_petsc_message.clear();
}

void raiseFromRoot(MPI_Comm comm, std::string problem) {
  int len = static_cast<int>(problem.size());
  MPI_Bcast(&len, 1, MPI_INT, 0, comm);
  problem.resize(static_cast<std::size_t>(len));
  if (len > 0) MPI_Bcast(problem.data(), len, MPI_CHAR, 0, comm);
  if (len > 0) throw InputError(problem);
}

std::string outOfMemoryAdvice() {
  return "out of memory: the problem needs more memory than this process could get; use more "
         "ranks or nodes, a coarser mesh (-mesh_refine, -mesh_faces), or a larger memory limit "
         "for the job";
}

bool petscErrorHandlingAsked() {
  // The options PETSc reads in PetscInitialize to push an error handler of its own (abort,
  // MPI_Abort, a debugger); as PETSc reads them (a bool may be given as -on_error_abort 0).
  PetscBool on = PETSC_FALSE;
  for (const char* flag : {"-on_error_abort", "-on_error_mpiabort"}) {
    PetscBool value = PETSC_FALSE;
    PetscOptionsGetBool(nullptr, nullptr, flag, &value, nullptr);
    on = static_cast<PetscBool>(on || value);
  }
  for (const char* flag :
       {"-on_error_attach_debugger", "-start_in_debugger", "-stop_for_debugger"}) {
    PetscBool set = PETSC_FALSE;
    PetscOptionsHasName(nullptr, nullptr, flag, &set);
    on = static_cast<PetscBool>(on || set);
  }
  return on;
}

void installPetscErrorHandler() {
  // Pushed over PETSc's handler, ours would silently disable what the user asked PETSc for.
  if (petscErrorHandlingAsked()) return;
  PetscPushErrorHandler(recordingHandler, nullptr);
}

std::string realText(PetscReal v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace pdeinv
