#pragma once
// TransientSolver: integrates the semi-discrete system  M u̇ = −R(u, m)  of a steady PdeOperator
// (R its residual, M the FE mass matrix) from t = 0 to the final time with ARKODE's ARKStep,
// diagonally implicit Runge–Kutta (no explicit part). With the Poisson operator this is the heat
// equation u̇ − ∇·(e^m ∇u) = f.
//
//  * The implicit right-hand side is fi = −R(u, m) (not −M⁻¹R): M is ARKODE's (time-independent)
//    mass matrix. Newton systems (M − γ J) x = b with J = ∂fi/∂u = −∂R/∂u are assembled as
//    M + γ ∂R/∂u and solved by a PETSc KSP (prefix "<ts>newton_"), mass solves M x = b by a
//    second KSP (prefix "<ts>mass_"); both wrapped as SUNLinearSolvers (ksp_linear_solver.hpp).
//    M + γ ∂R/∂u is rebuilt when γ changes; ∂R/∂u is assembled once for operators linear in u
//    (ARKStepSetLinear), else once per stage at ARKODE's current iterate (modified Newton).
//  * Vectors are NVECTOR_PETSC over the state space's global vectors, so Dirichlet dofs are not
//    unknowns (their values enter through the residual, at time t).
//  * Every accepted step's end time is recorded (steps()), for a later discrete adjoint.
//
// Options (prefix "ts_" by default): the time grid's (-ts_final_time, -ts_dt, -ts_adapt,
// -ts_rtol, -ts_atol, -ts_tableau, -ts_max_steps; see time_grid.hpp) and the KSPs'
// -ts_newton_ksp_*, -ts_mass_ksp_* (defaults CG + Jacobi/AMG, rtol 1e-12).
#include <memory>
#include <string>
#include <vector>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/fem/assembler.hpp"
#include "pdeinv/forward/steady_solver.hpp"
#include "pdeinv/physics/pde_operator.hpp"
#include "pdeinv/transient/dirk_tableau.hpp"
#include "pdeinv/transient/time_grid.hpp"

namespace pdeinv {

struct TransientStats {
  long steps = 0, rhsEvaluations = 0, linearSetups = 0, newtonIterations = 0, errorTestFails = 0;
  long newtonKspIterations = 0, massKspIterations = 0;
};

class TransientSolver {
 public:
  // The names accepted by -ts_tableau.
  static std::vector<std::string> tableauNames();

  // The time grid from the options (TimeGrid::fromOptions(opts)), or given; opts also prefixes
  // the KSPs' options.
  TransientSolver(std::shared_ptr<const PdeOperator> op, const FunctionSpace& state,
                  const FunctionSpace& parameter, std::vector<const FunctionSpace*> dataSpaces,
                  std::vector<Vec> dataValues, const Options& opts = Options("ts_"));
  TransientSolver(std::shared_ptr<const PdeOperator> op, const FunctionSpace& state,
                  const FunctionSpace& parameter, std::vector<const FunctionSpace*> dataSpaces,
                  std::vector<Vec> dataValues, const TimeGrid& grid, const Options& opts);
  ~TransientSolver();
  TransientSolver(const TransientSolver&) = delete;
  TransientSolver& operator=(const TransientSolver&) = delete;

  // Integrates from u(0) = u (on entry) to u(finalTime()) (on exit) for the parameter m.
  // Throws ForwardSolveFailure when ARKODE fails (step too small, too many steps, solver failure;
  // ARKODE's message is in what()); u then holds the last state ARKODE reached.
  void solve(Vec m, Vec u);

  PetscReal finalTime() const { return grid_.finalTime; }
  bool adaptive() const { return grid_.adapt; }
  const std::string& tableau() const { return grid_.tableau; }
  // Accepted steps of the last solve: times t_0 = 0 < t_1 < … < t_N = finalTime().
  const std::vector<PetscReal>& steps() const { return times_; }
  const TransientStats& stats() const { return stats_; }
  const Assembler& assembler() const { return assembler_; }
  Mat massMatrix() const { return M_; }

 private:
  struct Impl;
  std::vector<Vec> aux() const;

  std::shared_ptr<const PdeOperator> op_;
  const FunctionSpace* state_;
  std::vector<Vec> data_;
  Assembler assembler_;
  Owned<Mat> M_, J_, A_;
  Owned<KSP> newtonKsp_, massKsp_;
  Owned<Vec> m_;
  TimeGrid grid_;
  std::vector<PetscReal> times_;
  TransientStats stats_;
};

}  // namespace pdeinv
