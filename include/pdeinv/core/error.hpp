#pragma once
// Errors in pdeinv are C++ exceptions.
//
//  * pdeinv::InputError — the user gave bad input (a missing file, an unknown name, a malformed
//    expression, an unused option). Every rank detects it the same way, so the driver prints
//    it once and exits non-zero.
//  * pdeinv::PetscFailure — a PETSc call returned an error code. It carries PETSc's own message
//    and the pdeinv call site; it may be raised on some ranks only, so the driver aborts MPI.
//
// PDEINV_CALL(expr) wraps every PETSc call: PetscErrorCode → PetscFailure.
#include <petscsys.h>

#include <stdexcept>
#include <string>
#include <version>
#if defined(__cpp_lib_source_location)
#include <source_location>
#endif

namespace pdeinv {

// Where a PETSc call was made. clang 14 (the sanitizer and fuzzing build, scripts/
// run_sanitizers.sh) has no std::source_location with libstdc++: the same two builtins stand in.
#if defined(__cpp_lib_source_location)
using SourceLocation = std::source_location;
#else
class SourceLocation {
 public:
  static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                          unsigned line = __builtin_LINE()) {
    return SourceLocation(file, line);
  }
  constexpr const char* file_name() const { return file_; }
  constexpr unsigned line() const { return line_; }

 private:
  constexpr SourceLocation(const char* file, unsigned line) : file_(file), line_(line) {}
  const char* file_;
  unsigned line_;
};
#endif

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An error every rank raises identically (so it is reported once, without aborting MPI).
class CollectiveError : public Error {
 public:
  using Error::Error;
};

// Bad input detected collectively (all ranks raise it identically).
class InputError : public CollectiveError {
 public:
  using CollectiveError::CollectiveError;
};

// A PETSc call failed. what() = "<PETSc message> (in <call> at <file>:<line>)".
class PetscFailure : public Error {
 public:
  PetscFailure(PetscErrorCode code, const std::string& call, const SourceLocation& where);
  PetscErrorCode code() const { return code_; }

 private:
  PetscErrorCode code_;
};

// Installs the PETSc error handler that records PETSc's message (instead of printing a
// traceback) so that PetscFailure can carry it. Called once by Session. Not when PETSc's own
// error handling was asked for (-on_error_abort, -on_error_mpiabort, -on_error_attach_debugger,
// -start_in_debugger, -stop_for_debugger: petscErrorHandlingAsked()): PETSc's handler, pushed
// in PetscInitialize, then stays in charge.
void installPetscErrorHandler();
// The message of an allocation that failed (PETSc's PETSC_ERR_MEM, std::bad_alloc).
std::string outOfMemoryAdvice();
bool petscErrorHandlingAsked();

namespace detail {
inline void check(PetscErrorCode code, const char* call,
                  const SourceLocation where = SourceLocation::current()) {
  if (code != 0) throw PetscFailure(code, call, where);
}
}  // namespace detail

// A number as messages show it (shortest form, as `std::ostream << v`): "0.01", "1e-12".
std::string realText(PetscReal v);

// Throws InputError with the message when the condition is false.
inline void require(bool condition, const std::string& message) {
  if (!condition) throw InputError(message);
}

// Rank 0's verdict, shared: `problem` is what rank 0 found (empty: nothing; other ranks' values
// are ignored); every rank of comm then throws the same InputError, or none does. For work done
// on rank 0 alone (reading or writing a file) whose failure must not leave the others waiting.
// Collective.
void raiseFromRoot(MPI_Comm comm, std::string problem);

}  // namespace pdeinv

#define PDEINV_CALL(...) ::pdeinv::detail::check((__VA_ARGS__), #__VA_ARGS__)
