#include "pdeinv/forward/steady_solver.hpp"

#include <cmath>
#include <exception>
#include <string>
#include <utility>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/linear_solver.hpp"
#include "pdeinv/forward/line_search.hpp"

namespace pdeinv {

namespace {
// Forgets a failed factorization: PETSc 3.18 keeps the failed reason of the preconditioner
// inside PCREDUNDANT (2 ranks and more) after the next factorization succeeds, so every later
// solve reported DIVERGED_PC_FAILED (found by MCMC, which rejects a failed proposal and goes on).
void clearFailure(KSP ksp) {
  PC pc = nullptr;
  PDEINV_CALL(KSPGetPC(ksp, &pc));
  if (PC inner = redundantInnerPc(pc)) PDEINV_CALL(PCSetFailedReason(inner, PC_NOERROR));
  PDEINV_CALL(PCSetFailedReason(pc, PC_NOERROR));
}

std::vector<const FunctionSpace*> auxSpaces(const FunctionSpace& parameter,
                                            const std::vector<const FunctionSpace*>& data) {
  std::vector<const FunctionSpace*> s = {&parameter};
  s.insert(s.end(), data.begin(), data.end());
  return s;
}
}  // namespace

SteadySolver::SteadySolver(std::shared_ptr<const PdeOperator> op, const FunctionSpace& state,
                           const FunctionSpace& parameter,
                           std::vector<const FunctionSpace*> dataSpaces,
                           std::vector<Vec> dataValues, const Options& opts)
    : op_(std::move(op)),
      state_(&state),
      parameter_(&parameter),
      dataSpaces_(dataSpaces),
      data_(std::move(dataValues)),
      assembler_(state, auxSpaces(parameter, dataSpaces), op_->extraQuadraturePoints()) {
  require(data_.size() == op_->dataFields().size(), "operator '" + op_->name() + "' needs " +
                                                        std::to_string(op_->dataFields().size()) +
                                                        " data fields");
  MPI_Comm comm = state.mesh().comm();
  registerHalvingLineSearch();  // -state_snes_linesearch_type halving
  for (const auto& s : op_->scalarParameters(state.dim())) theta_.push_back(s.defaultValue);
  assembler_.setConstants(kernelConstants());
  J_ = assembler_.createStateMatrix();
  m_ = parameter.createVector();
  u_ = state.createVector();
  PDEINV_CALL(SNESCreate(comm, snes_.out()));
  PDEINV_CALL(SNESSetOptionsPrefix(snes_, opts.prefix().c_str()));
  PDEINV_CALL(SNESSetDM(snes_, state.dm()));
  PDEINV_CALL(SNESSetFunction(snes_, nullptr, &SteadySolver::formFunction, this));
  PDEINV_CALL(SNESSetJacobian(snes_, J_, J_, &SteadySolver::formJacobian, this));
  // The DM is used only for its vectors; the assembler computes residuals and Jacobians.
  PDEINV_CALL(SNESSetUseMatrixFree(snes_, PETSC_FALSE, PETSC_FALSE));
  KSP ksp = nullptr;
  PC pc = nullptr;
  PDEINV_CALL(SNESGetKSP(snes_, &ksp));
  PDEINV_CALL(KSPGetPC(ksp, &pc));
  if (op_->linearInState()) PDEINV_CALL(SNESSetType(snes_, SNESKSPONLY));
  PDEINV_CALL(KSPSetTolerances(ksp, 1e-10, 1e-50, PETSC_DEFAULT, 1000));
  // Direct factorization (once per linearization point, reused by every tangent and adjoint
  // solve) or CG + AMG for SPD operators, GMRES otherwise (core/linear_solver.hpp).
  PetscInt n = 0;
  PDEINV_CALL(MatGetSize(J_, &n, nullptr));
  LinearSolverDefaults d;
  d.kind = op_->spdElliptic() ? MatrixKind::Spd : MatrixKind::General;
  d.dim = state.dim();
  d.globalSize = n;
  d.rtol = 1e-10;
  if (!setDefaultLinearSolver(ksp, opts, d) && !op_->spdElliptic()) {
    PDEINV_CALL(KSPSetTolerances(ksp, 1e-10, 1e-50, PETSC_DEFAULT, 1000));
  }
  PDEINV_CALL(SNESSetTolerances(snes_, PETSC_DEFAULT, 1e-10, PETSC_DEFAULT, 50, PETSC_DEFAULT));
  PDEINV_CALL(SNESSetFromOptions(snes_));
}

SteadySolver::~SteadySolver() = default;

std::vector<Vec> SteadySolver::aux(Vec m) const {
  std::vector<Vec> a = {m};
  a.insert(a.end(), data_.begin(), data_.end());
  return a;
}

PetscErrorCode SteadySolver::formFunction(SNES snes, Vec u, Vec r, void* ctx) {
  auto* self = static_cast<SteadySolver*>(ctx);
  try {
    PetscBool ksponly = PETSC_FALSE;
    PDEINV_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(snes), SNESKSPONLY, &ksponly));
    self->jacobianVec_ = nullptr;
    if (ksponly && self->op_->linearInState()) {
      self->assembler_.residualAndJacobian(self->op_->residual(), self->op_->stateJacobian(), u,
                                           self->aux(self->m_), r, self->J_);
      self->jacobianVec_ = u;
    } else {
      self->assembler_.residual(self->op_->residual(), u, self->aux(self->m_), r);
    }
  } catch (...) {
    self->pending_ = std::current_exception();  // rethrown by solve() with its message intact
    return PETSC_ERR_LIB;
  }
  return 0;
}

PetscErrorCode SteadySolver::formJacobian(SNES, Vec u, Mat J, Mat, void* ctx) {
  auto* self = static_cast<SteadySolver*>(ctx);
  try {
    const bool fresh = u == self->jacobianVec_ && J == self->J_;
    self->jacobianVec_ = nullptr;
    if (fresh) return 0;  // assembled with the residual at this u
    self->assembler_.stateJacobian(self->op_->stateJacobian(), u, self->aux(self->m_), J);
  } catch (...) {
    self->pending_ = std::current_exception();
    return PETSC_ERR_LIB;
  }
  return 0;
}

void SteadySolver::recordIterations(bool on) {
  record_ = on;
  if (!on) {
    history_ = NewtonHistory();
    return;
  }
  SNESType type = nullptr;
  PDEINV_CALL(SNESGetType(snes_, &type));
  const std::string t = type ? type : "";
  require(t == SNESNEWTONLS || t == SNESKSPONLY,
          "the unrolled adjoint differentiates Newton line-search iterations "
          "(-state_snes_type newtonls); got -state_snes_type " +
              t);
  PetscInt lag = 1;
  PDEINV_CALL(SNESGetLagJacobian(snes_, &lag));
  require(lag == 1,
          "the unrolled adjoint needs the Jacobian rebuilt at every Newton iterate; got "
          "-state_snes_lag_jacobian " +
              std::to_string(lag));
  if (!monitorSet_) {
    PDEINV_CALL(SNESMonitorSet(snes_, &SteadySolver::recordIterate, this, nullptr));
    monitorSet_ = true;
  }
}

PetscErrorCode SteadySolver::recordIterate(SNES snes, PetscInt it, PetscReal, void* ctx) {
  auto* self = static_cast<SteadySolver*>(ctx);
  if (!self->record_ || it == 0) return 0;  // u_0 is copied by solve() itself
  auto& h = self->history_;
  if (static_cast<size_t>(it) != h.iterates.size()) return 0;  // checked after the solve
  Vec x = nullptr;
  PetscCall(SNESGetSolution(snes, &x));
  // The step length of the line search that produced this iterate (1 for a full step).
  SNESLineSearch ls = nullptr;
  PetscReal alpha = 1;
  PetscCall(SNESGetLineSearch(snes, &ls));
  PetscCall(SNESLineSearchGetLambda(ls, &alpha));
  h.iterates.push_back(self->state_->createVector());
  PetscCall(VecCopy(x, h.iterates.back()));
  h.stepLengths.push_back(alpha);
  return 0;
}

void SteadySolver::solve(Vec m, Vec u) {
  PDEINV_CALL(VecCopy(m, m_));
  // A linear operator's one Newton step is exact from any initial guess, but its rounding error
  // scales with the guess: near the previous state (the usual case: Taylor tests, line
  // searches) a warm start is more accurate than zero; the state of an earlier solve at an
  // extreme parameter (a rejected MCMC proposal), orders of magnitude larger than the new one,
  // spoiled it. So the guess's norm is kept, and the solve is repeated from zero below when the
  // guess was much larger than the solution.
  PetscReal guessNorm = 0;
  if (op_->linearInState()) PDEINV_CALL(VecNorm(u, NORM_2, &guessNorm));
  pending_ = nullptr;
  jacobianVec_ = nullptr;
  if (record_) {
    history_.stepLengths.clear();
    history_.iterates.resize(1);
    if (!history_.iterates[0]) history_.iterates[0] = state_->createVector();
    PDEINV_CALL(VecCopy(u, history_.iterates[0]));
  }
  const PetscErrorCode ierr = SNESSolve(snes_, nullptr, u);
  if (pending_) std::rethrow_exception(std::exchange(pending_, nullptr));
  PDEINV_CALL(ierr);
  SNESConvergedReason reason;
  PDEINV_CALL(SNESGetConvergedReason(snes_, &reason));
  PetscInt its = 0, lits = 0;
  PDEINV_CALL(SNESGetIterationNumber(snes_, &its));
  PDEINV_CALL(SNESGetLinearSolveIterations(snes_, &lits));
  stats_.forwardSolves++;
  stats_.lastNewtonIterations = its;
  stats_.lastLinearIterations = lits;
  stats_.totalLinearIterations += lits;
  // The verdict names the solver that failed: with ksponly (linear operators) SNES only
  // relays the Krylov solver's.
  KSP ksp = nullptr;
  KSPConvergedReason kr;
  PDEINV_CALL(SNESGetKSP(snes_, &ksp));
  PDEINV_CALL(KSPGetConvergedReason(ksp, &kr));
  if (reason < 0 || (op_->linearInState() && kr < 0)) {
    haveSolution_ = false;
    std::string why = "forward solve diverged: ";
    if (kr < 0) {
      why += "linear solve " + linearSolveReason(ksp) + " after " + std::to_string(lits) +
             " iterations (see -state_ksp_*, -state_pc_*)";
    } else {
      why += std::string("Newton ") + SNESConvergedReasons[reason] + " after " +
             std::to_string(its) + " iterations (see -state_snes_*)";
    }
    // Nothing of the failure may outlive this point (a sampler rejects the proposal and goes
    // on): not the preconditioner's failed state (clearFailure), nor u, the next solve's
    // initial guess, which a failed solve may leave NaN.
    clearFailure(ksp);
    PDEINV_CALL(VecSet(u, 0.0));
    throw ForwardSolveFailure(why);
  }
  if (!finiteVector(u)) {
    haveSolution_ = false;
    PDEINV_CALL(VecSet(u, 0.0));  // not the next solve's initial guess (above)
    throw ForwardSolveFailure(
        "forward solve produced a non-finite state (NaN or Inf): the residual or the operator "
        "is not finite at this parameter");
  }
  if (record_) {
    // ksponly takes one full step without calling the monitor.
    auto& h = history_;
    if (op_->linearInState() && its == 1 && h.iterates.size() == 1) {
      h.iterates.push_back(state_->createVector());
      PDEINV_CALL(VecCopy(u, h.iterates.back()));
      h.stepLengths.push_back(1.0);
    }
    if (h.iterations() != its) {
      throw Error("SteadySolver: recorded " + std::to_string(h.iterations()) +
                  " Newton iterates of " + std::to_string(its) +
                  "; the unrolled adjoint needs every one");
    }
  }
  if (op_->linearInState() && !record_) {
    PetscReal n = 0;
    PDEINV_CALL(VecNorm(u, NORM_2, &n));
    if (guessNorm > 1e3 * n && guessNorm > 0) {
      PDEINV_CALL(VecSet(u, 0.0));
      solve(m, u);
      return;
    }
  }
  PDEINV_CALL(VecCopy(u, u_));
  haveSolution_ = true;
  // A linear operator's Jacobian does not depend on u: the one SNES built is the right one.
  linearized_ = op_->linearInState();
}

void SteadySolver::linearize() {
  if (!haveSolution_) throw Error("SteadySolver: linearisation requested before a forward solve");
  if (linearized_) return;
  assembler_.stateJacobian(op_->stateJacobian(), u_, aux(m_), J_);
  KSP ksp = nullptr;
  PDEINV_CALL(SNESGetKSP(snes_, &ksp));
  PDEINV_CALL(KSPSetOperators(ksp, J_, J_));
  linearized_ = true;
}

namespace {
// `finite`: whether the solution is finite (checked by the caller: one vector or several).
void checkLinearSolve(KSP ksp, bool finite, const std::string& what) {
  KSPConvergedReason reason;
  PDEINV_CALL(KSPGetConvergedReason(ksp, &reason));
  if (reason < 0) {
    const auto why = linearSolveReason(ksp);
    clearFailure(ksp);
    throw ForwardSolveFailure(what + " solve diverged: " + why);
  }
  if (!finite)
    throw ForwardSolveFailure(what + " solve produced a non-finite solution (NaN or Inf)");
}
}  // namespace

void SteadySolver::solveTangent(Vec rhs, Vec du) {
  linearize();
  KSP ksp = nullptr;
  PDEINV_CALL(SNESGetKSP(snes_, &ksp));
  PDEINV_CALL(KSPSolve(ksp, rhs, du));
  checkLinearSolve(ksp, finiteVector(du), "tangent");
  PetscInt its = 0;
  PDEINV_CALL(KSPGetIterationNumber(ksp, &its));
  stats_.tangentSolves++;
  stats_.totalLinearIterations += its;
}

void SteadySolver::solveTranspose(Vec rhs, Vec lambda) {
  linearize();
  transposeSolve(rhs, lambda);
}

void SteadySolver::solveTransposeMany(Mat B, Mat X) {
  linearize();
  KSP ksp = nullptr;
  PDEINV_CALL(SNESGetKSP(snes_, &ksp));
  PetscInt n = 0;
  PDEINV_CALL(MatGetSize(B, nullptr, &n));
  if (n == 0) return;
  if (op_->symmetricJacobian()) {
    if (!blockFactorSolve(ksp, B, X)) PDEINV_CALL(KSPMatSolve(ksp, B, X));
    PetscReal norm = 0;
    PDEINV_CALL(MatNorm(X, NORM_FROBENIUS, &norm));
    checkLinearSolve(ksp, std::isfinite(norm),
                     "transpose (adjoint, " + std::to_string(n) + " right-hand sides)");
    PetscInt its = 0;
    PDEINV_CALL(KSPGetIterationNumber(ksp, &its));
    stats_.transposeSolves += n;
    stats_.totalLinearIterations += its;
    return;
  }
  for (PetscInt j = 0; j < n; ++j) {
    Vec b = nullptr, x = nullptr;
    PDEINV_CALL(MatDenseGetColumnVecRead(B, j, &b));
    PDEINV_CALL(MatDenseGetColumnVecWrite(X, j, &x));
    transposeSolve(b, x);
    PDEINV_CALL(MatDenseRestoreColumnVecWrite(X, j, &x));
    PDEINV_CALL(MatDenseRestoreColumnVecRead(B, j, &b));
  }
}

void SteadySolver::solveTransposeAt(Vec u, Vec rhs, Vec lambda) {
  if (!haveSolution_) throw Error("SteadySolver: transpose solve requested before a solve");
  assembler_.stateJacobian(op_->stateJacobian(), u, aux(m_), J_);
  KSP ksp = nullptr;
  PDEINV_CALL(SNESGetKSP(snes_, &ksp));
  PDEINV_CALL(KSPSetOperators(ksp, J_, J_));
  linearized_ = false;  // J_ is no longer ∂R/∂u at the solution
  transposeSolve(rhs, lambda);
}

void SteadySolver::transposeSolve(Vec rhs, Vec lambda) {
  KSP ksp = nullptr;
  PDEINV_CALL(SNESGetKSP(snes_, &ksp));
  // For a symmetric Jacobian Jᵀ = J, so the plain solve is the transpose solve. It is also the
  // only correct one with hypre: PETSc 3.18's PCApplyTranspose for BoomerAMG returns zero.
  if (op_->symmetricJacobian()) {
    PDEINV_CALL(KSPSolve(ksp, rhs, lambda));
  } else {
    PDEINV_CALL(KSPSolveTranspose(ksp, rhs, lambda));
  }
  checkLinearSolve(ksp, finiteVector(lambda), "transpose (adjoint)");
  PetscInt its = 0;
  PDEINV_CALL(KSPGetIterationNumber(ksp, &its));
  stats_.transposeSolves++;
  stats_.totalLinearIterations += its;
}

void SteadySolver::applyParameterJacobian(Vec dm, Vec out) {
  if (!haveSolution_) throw Error("SteadySolver: parameter Jacobian requested before a solve");
  assembler_.applyAuxJacobian(op_->parameterJacobian(), 0, u_, aux(m_), dm, out, false);
}

void SteadySolver::applyParameterJacobianTranspose(Vec lambda, Vec out, Vec at) {
  if (!haveSolution_) throw Error("SteadySolver: parameter Jacobian requested before a solve");
  assembler_.applyAuxJacobian(op_->parameterJacobian(), 0, at ? at : u_.get(), aux(m_), lambda, out,
                              true);
}

Owned<Mat> SteadySolver::assembleParameterJacobian() {
  auto A = assembler_.createAuxMatrix(0);
  assembleParameterJacobian(A);
  return A;
}

void SteadySolver::assembleParameterJacobian(Mat A) {
  if (!haveSolution_) throw Error("SteadySolver: parameter Jacobian requested before a solve");
  assembler_.auxJacobian(op_->parameterJacobian(), 0, u_, aux(m_), A);
}

void SteadySolver::residual(Vec m, Vec u, Vec r) {
  assembler_.residual(op_->residual(), u, aux(m), r);
}

std::vector<PetscScalar> SteadySolver::kernelConstants(const std::vector<PetscReal>& dtheta) const {
  require(dtheta.empty() || dtheta.size() == theta_.size(),
          "SteadySolver: dθ has " + std::to_string(dtheta.size()) + " entries, θ " +
              std::to_string(theta_.size()));
  auto c = op_->constants();
  c.insert(c.end(), theta_.begin(), theta_.end());
  if (dtheta.empty()) {
    c.insert(c.end(), theta_.size(), 0.0);
  } else {
    c.insert(c.end(), dtheta.begin(), dtheta.end());
  }
  return c;
}

void SteadySolver::setScalars(const std::vector<PetscReal>& theta) {
  require(theta.size() == theta_.size(),
          "operator '" + op_->name() + "' has " + std::to_string(theta_.size()) +
              " scalar parameters, got " + std::to_string(theta.size()));
  if (theta == theta_) return;
  theta_ = theta;
  assembler_.setConstants(kernelConstants());
  linearized_ = false;  // ∂R/∂u may depend on θ
}

namespace {
void requireScalar(int k, PetscInt n, const std::string& op) {
  if (k < 0 || k >= n) {
    throw Error("operator '" + op + "': scalar parameter " + std::to_string(k) + " of " +
                std::to_string(n) + " requested");
  }
}
}  // namespace

void SteadySolver::scalarDerivative(int k, Vec out) {
  if (!haveSolution_) throw Error("SteadySolver: ∂R/∂θ requested before a solve");
  requireScalar(k, numScalars(), op_->name());
  assembler_.residual(op_->scalarDerivative(state_->dim()).at(static_cast<size_t>(k)), u_, aux(m_),
                      out);
}

void SteadySolver::scalarSecondDerivative(int k, const std::vector<PetscReal>& dtheta, Vec out) {
  if (!haveSolution_) throw Error("SteadySolver: ∂²R/∂θ² requested before a solve");
  requireScalar(k, numScalars(), op_->name());
  const auto kernels = op_->scalarSecondDerivative(state_->dim());
  if (kernels.size() != theta_.size()) {
    throw Error("operator '" + op_->name() + "' provides no second derivatives in θ");
  }
  assembler_.setConstants(kernelConstants(dtheta));
  try {
    assembler_.residual(kernels[static_cast<size_t>(k)], u_, aux(m_), out);
  } catch (...) {
    assembler_.setConstants(kernelConstants());
    throw;
  }
  assembler_.setConstants(kernelConstants());
}

void SteadySolver::scalarStateCoupling(int k, Mat J) {
  if (!haveSolution_) throw Error("SteadySolver: ∂²R/∂u∂θ requested before a solve");
  requireScalar(k, numScalars(), op_->name());
  const auto kernels = op_->scalarStateCoupling(state_->dim());
  if (kernels.size() != theta_.size()) {
    throw Error("operator '" + op_->name() + "' provides no ∂²R/∂u∂θ kernels");
  }
  assembler_.stateJacobian(kernels[static_cast<size_t>(k)], u_, aux(m_), J);
}

PetscReal SteadySolver::residualNorm() {
  if (!haveSolution_) throw Error("SteadySolver: residual norm requested before a solve");
  auto r = state_->createVector();
  assembler_.residual(op_->residual(), u_, aux(m_), r);
  PetscReal n = 0;
  PDEINV_CALL(VecNorm(r, NORM_2, &n));
  return n;
}

Mat SteadySolver::stateJacobian() {
  linearize();
  return J_;
}

}  // namespace pdeinv
