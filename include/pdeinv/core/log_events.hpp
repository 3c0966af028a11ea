#pragma once
// PETSc log events for every pdeinv phase, so that -log_view shows where the time goes and a
// run can report its time per phase (summary.json "phase_times_s").
//
//   { LogScope scope(Phase::Tangent); solver.solveTangent(rhs, du); }
//
// Events nest (a forward solve contains its assembly and factorization): each time is
// inclusive, as in -log_view. The factorizations are PETSc's own events (MatCholFctrNum,
// MatLUFactorNum, PCSetUp), reported beside pdeinv's.
#include <petsclog.h>

#include <string>
#include <utility>
#include <vector>

namespace pdeinv {

enum class Phase {
  Forward,             // steady forward solve (assembly, factorization, solve)
  Adjoint,             // adjoint solve
  Tangent,             // incremental state (tangent) solve
  IncrementalAdjoint,  // incremental adjoint solve
  HessianAction,       // one reduced Hessian action
  AssembleResidual,
  AssembleJacobian,           // ∂R/∂u
  AssembleParameterJacobian,  // ∂R/∂m, matrix or action
  AssembleSecondOrder,        // W_uu, W_um, W_mu, W_mm
  Observation,                // B u, Bᵀ y
  Prior,                      // regularization value, gradient, Hessian and inverse actions
  Eigensolver,                // randomized generalized eigensolver
  AssembleResidualJacobian,   // R and ∂R/∂u in one pass (linear forward solves)
  Count
};

// The event of a phase (registered on first use).
PetscLogEvent logEvent(Phase phase);

class LogScope {
 public:
  explicit LogScope(Phase phase) : event_(logEvent(phase)) {
    PetscLogEventBegin(event_, 0, 0, 0, 0);
  }
  ~LogScope() { PetscLogEventEnd(event_, 0, 0, 0, 0); }
  LogScope(const LogScope&) = delete;
  LogScope& operator=(const LogScope&) = delete;

 private:
  PetscLogEvent event_;
};

// A PETSc log stage for the lifetime of the object (-log_view reports each stage apart):
// the driver runs the inversion in "pdeinv inversion" and the spectrum in "pdeinv identify".
class LogStage {
 public:
  explicit LogStage(const char* name);
  ~LogStage() { PetscLogStagePop(); }
  LogStage(const LogStage&) = delete;
  LogStage& operator=(const LogStage&) = delete;
};

// Turns PETSc's event logging on (pdeinv programs do this at start-up; cheap).
void startEventLogging();

// Inclusive time (s, the maximum over the ranks of comm) and count of every pdeinv phase and of
// PETSc's factorization and linear-solve events, in the named stage (default: the main stage).
// Collective.
struct PhaseTime {
  std::string name;
  double seconds = 0;
  long long count = 0;
};
std::vector<PhaseTime> phaseTimes(MPI_Comm comm, const char* stage = nullptr);

// Peak resident memory of this process (MB), the maximum over the ranks of comm. Collective.
double peakMemoryMB(MPI_Comm comm);

}  // namespace pdeinv
