#pragma once
// SteadySolver: solves R(u, m) = 0 with SNES/KSP under the options prefix "state_", and the
// linearised problems the adjoint layer needs, with the same KSP and preconditioner:
//   tangent    (∂R/∂u) du = r
//   transpose  (∂R/∂u)ᵀ λ = r          (KSPSolveTranspose)
// plus the parameter Jacobian ∂R/∂m as an action in both directions or an assembled matrix,
// and the derivatives ∂R/∂θ_k in the operator's scalar parameters θ (if it declares any).
// All linearisations are at the (u, m) of the last solve().
//
// Defaults: Newton line search; for operators linear in u a single KSP solve (snes ksponly);
// for SPD elliptic operators (spdElliptic) CG preconditioned by hypre BoomerAMG; ksp_rtol 1e-10 so
// that derivatives built on these solves are exact to solver tolerance. All are overridable with
// -state_snes_*, -state_ksp_*, -state_pc_*.
#include <exception>
#include <memory>
#include <vector>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/fem/assembler.hpp"
#include "pdeinv/physics/pde_operator.hpp"

namespace pdeinv {

// The forward solve did not converge (an optimizer treats it as a rejected step). Solver
// convergence verdicts are collective, so every rank raises it.
class ForwardSolveFailure : public CollectiveError {
 public:
  using CollectiveError::CollectiveError;
};

// The Newton iterations of the last solve, recorded when asked (the unrolled adjoint):
// iterates u_0 … u_K and the line-search step lengths α_0 … α_{K−1}, with
// u_{k+1} = u_k + α_k s_k,  ∂R/∂u(u_k) s_k = −R(u_k).
struct NewtonHistory {
  std::vector<Owned<Vec>> iterates;
  std::vector<PetscReal> stepLengths;
  PetscInt iterations() const { return static_cast<PetscInt>(stepLengths.size()); }
};

struct SolverStats {
  PetscInt forwardSolves = 0, tangentSolves = 0, transposeSolves = 0;
  PetscInt lastNewtonIterations = 0, lastLinearIterations = 0, totalLinearIterations = 0;
};

class SteadySolver {
 public:
  // parameter: the space of m; data: the operator's data fields (spaces and values), in order.
  SteadySolver(std::shared_ptr<const PdeOperator> op, const FunctionSpace& state,
               const FunctionSpace& parameter, std::vector<const FunctionSpace*> dataSpaces,
               std::vector<Vec> dataValues, const Options& opts = Options("state_"));
  ~SteadySolver();

  // Solves R(u, m) = 0; u holds the initial guess on entry. Throws ForwardSolveFailure.
  void solve(Vec m, Vec u);
  // (∂R/∂u) du = rhs and (∂R/∂u)ᵀ λ = rhs at the last solve's (u, m).
  void solveTangent(Vec rhs, Vec du);
  void solveTranspose(Vec rhs, Vec lambda);
  // The same for every column of the dense matrix B (state-vector rows): X = R_u⁻ᵀ B. With a
  // symmetric Jacobian the columns share one KSPMatSolve (a factorization's MatMatSolve);
  // otherwise one transpose solve per column.
  void solveTransposeMany(Mat B, Mat X);
  // (∂R/∂u)ᵀ λ = rhs at (u, m) for any state u and the last solve's m, with the same KSP and
  // preconditioner type (both rebuilt at u; the next solveTangent/solveTranspose rebuilds them at
  // the solution again).
  void solveTransposeAt(Vec u, Vec rhs, Vec lambda);
  // out = (∂R/∂m) dm  or  out = (∂R/∂m)ᵀ λ, matrix-free, at the last solve's (u, m) (or at the
  // state `at` with the last solve's m).
  void applyParameterJacobian(Vec dm, Vec out);
  void applyParameterJacobianTranspose(Vec lambda, Vec out, Vec at = nullptr);

  // Record the Newton iterates of every following solve (see NewtonHistory). Requires Newton
  // with a line search (newtonls, or ksponly for operators linear in u) and a Jacobian rebuilt
  // at every iterate (no -state_snes_lag_jacobian); throws naming the option otherwise.
  void recordIterations(bool on);
  const NewtonHistory& history() const { return history_; }
  // ∂R/∂m assembled (rows: state dofs, columns: parameter dofs).
  Owned<Mat> assembleParameterJacobian();
  // The same into an existing matrix from a previous call (its sparsity is reused).
  void assembleParameterJacobian(Mat A);
  // R(u, m) for any u, m (and the current θ).
  void residual(Vec m, Vec u, Vec r);

  // The operator's scalar parameters θ (PdeOperator::scalarParameters): their declared
  // defaults until set. Kernels see (operator constants, θ, dθ) as constants[]; dθ is zero
  // except in scalarSecondDerivative. Setting a different θ keeps the last solve's (u, m) as
  // the linearisation point (∂R/∂u is re-assembled at the new θ when next needed).
  PetscInt numScalars() const { return static_cast<PetscInt>(theta_.size()); }
  const std::vector<PetscReal>& scalars() const { return theta_; }
  void setScalars(const std::vector<PetscReal>& theta);
  std::vector<PetscScalar> kernelConstants(const std::vector<PetscReal>& dtheta = {}) const;
  // out = ∂R/∂θ_k, and out = Σ_l ∂²R/∂θ_k∂θ_l dθ_l, at the last solve's (u, m) and θ.
  void scalarDerivative(int k, Vec out);
  void scalarSecondDerivative(int k, const std::vector<PetscReal>& dtheta, Vec out);
  // J = ∂/∂u (∂R/∂θ_k) (operators with scalarStateCoupled()), J from createStateMatrix.
  void scalarStateCoupling(int k, Mat J);
  // ‖R(u, m)‖₂ at the last solve (one residual evaluation).
  PetscReal residualNorm();
  // ∂R/∂u at the last solve (assembled, the matrix the preconditioner is built from).
  Mat stateJacobian();

  const SolverStats& stats() const { return stats_; }
  const FunctionSpace& state() const { return *state_; }
  const FunctionSpace& parameter() const { return *parameter_; }
  const std::vector<const FunctionSpace*>& dataSpaces() const { return dataSpaces_; }
  const std::vector<Vec>& dataValues() const { return data_; }
  // The (u, m) of the last successful solve.
  Vec solution() const { return u_; }
  Vec linearizationParameter() const { return m_; }
  SNES snes() const { return snes_; }
  const Assembler& assembler() const { return assembler_; }
  const PdeOperator& op() const { return *op_; }

 private:
  std::vector<Vec> aux(Vec m) const;
  void linearize();
  static PetscErrorCode formFunction(SNES, Vec u, Vec r, void* ctx);
  static PetscErrorCode formJacobian(SNES, Vec u, Mat J, Mat P, void* ctx);
  static PetscErrorCode recordIterate(SNES, PetscInt it, PetscReal fnorm, void* ctx);
  // The transpose solve with the KSP's current operators.
  void transposeSolve(Vec rhs, Vec lambda);

  std::shared_ptr<const PdeOperator> op_;
  const FunctionSpace* state_;
  const FunctionSpace* parameter_;
  std::vector<const FunctionSpace*> dataSpaces_;
  std::vector<Vec> data_;
  Assembler assembler_;
  Owned<SNES> snes_;
  Owned<Mat> J_;
  Owned<Vec> m_, u_;  // linearisation point
  std::vector<PetscReal> theta_;
  bool haveSolution_ = false, linearized_ = false;
  bool record_ = false, monitorSet_ = false;
  NewtonHistory history_;
  std::exception_ptr pending_;  // an exception raised inside a SNES callback
  // A linear solve (ksponly) needs R and ∂R/∂u at the same u, asked for one after the other:
  // formFunction assembles both in one pass and remembers the vector, so that the next
  // formJacobian, with that vector, skips (SNESKSPONLY does not touch u in between).
  Vec jacobianVec_ = nullptr;
  SolverStats stats_;
};

}  // namespace pdeinv
