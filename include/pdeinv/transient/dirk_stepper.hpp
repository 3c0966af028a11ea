#pragma once
// DirkStepper: one step of a stiffly accurate DIRK method (dirk_tableau.hpp) for the
// semi-discrete system  M u̇ = −R(t, u, m)  of a PdeOperator, with its tangent and its exact
// discrete adjoint. This is what a transient inverse problem differentiates; TransientSolver
// (ARKODE) integrates the same system with the same tableau and chooses adaptive step sequences.
//
// Why pdeinv steps by itself here: the exact adjoint of a Runge–Kutta step needs the stage values
// and a stage solve that is a deterministic function of the step's input (so that recomputing a
// step from a checkpoint reproduces it bit for bit). ARKODE exposes neither (its stage predictor
// depends on step history) and has no adjoint; CVODES's adjoint is for BDF.
//
// Step n (t = t_n, h = t_{n+1} − t_n, A, b = A[s−1,:], c the tableau):
//   stage i   M U_i + h a_ii R(t_i, U_i) = M u_n − h Σ_{j<i} a_ij R(t_j, U_j)
//             (U_1 = u_n when a_11 = 0: an explicit first stage)
//   update    u_{n+1} = U_s   (stiffly accurate)
// Each implicit stage is a linear solve (R linear in u; the stage matrix M + h a_ii ∂R/∂u is kept
// while h a_ii does not change) or a Newton solve by SNES, started from u_n.
//
// Tangent (δu_n, δm ↦ δu_{n+1}), with Y_j = R_u,j δU_j + R_m,j δm:
//   (M + h a_ii R_u,i) δU_i = M δu_n − h Σ_{j<i} a_ij Y_j − h a_ii R_m,i δm
// Adjoint (Λ_{n+1} = ∂J/∂u_{n+1} as a dual vector ↦ Λ_n, and ∂J/∂m += …), stages in reverse,
// with Z_i = Σ_{k>i} a_ki μ_k:
//   (M + h a_ii R_u,i)ᵀ μ_i = [i = s] Λ_{n+1} − h R_u,iᵀ Z_i
//   Λ_n = M Σ_{implicit i} μ_i − [U_1 = u_n] h R_u,1ᵀ Z_1
//   ∂J/∂m += −h Σ_i R_m,iᵀ (Z_i + a_ii μ_i)
// (M symmetric). These are the transposes of the tangent equations, so tangent and adjoint agree
// to the accuracy of the linear solves (KSP rtol 1e-12 by default).
//
// Options (prefix "ts_"): -ts_stage_ksp_*, -ts_stage_pc_* for the stage solves (defaults: CG +
// GAMG for symmetric positive definite operators, else GMRES + block Jacobi; rtol 1e-12) and
// -ts_stage_snes_* for the Newton solves of operators nonlinear in u.
#include <memory>
#include <string>
#include <vector>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/fem/assembler.hpp"
#include "pdeinv/physics/pde_operator.hpp"
#include "pdeinv/transient/dirk_tableau.hpp"

namespace pdeinv {

struct StepperStats {
  long steps = 0, tangentSteps = 0, adjointSteps = 0;
  long stageSolves = 0, transposeSolves = 0, matrixSetups = 0, linearIterations = 0;
};

// A KSP for stage systems (M + γ ∂R/∂u) x = b of `op` on `state` under the options prefix: the
// default of core/linear_solver.hpp (a sparse factorization for 2-D and small 3-D problems,
// -<prefix>solver), else CG + GAMG when ∂R/∂u is symmetric positive definite and GMRES + block
// Jacobi otherwise, rtol 1e-12. Options are not read here (the caller, or a SNES owning it,
// calls KSPSetFromOptions).
Owned<KSP> createStageKsp(const FunctionSpace& state, const PdeOperator& op,
                          const std::string& prefix, PetscInt maxIterations);

class DirkStepper {
 public:
  DirkStepper(std::shared_ptr<const PdeOperator> op, const FunctionSpace& state,
              const FunctionSpace& parameter, std::vector<const FunctionSpace*> dataSpaces,
              std::vector<Vec> dataValues, DirkTableau tableau,
              const Options& opts = Options("ts_"));
  ~DirkStepper();
  DirkStepper(const DirkStepper&) = delete;
  DirkStepper& operator=(const DirkStepper&) = delete;

  const DirkTableau& tableau() const { return tableau_; }
  int stages() const { return tableau_.stages; }
  // Stage vectors a step records: one per stage, except an explicit first stage (U_1 = u_n).
  int recordedStages() const { return stages() - (tableau_.explicitFirstStage() ? 1 : 0); }
  // The (physical) parameter field every following step uses.
  void setParameter(Vec m);
  Vec parameter() const { return m_; }

  // u_{n+1} from u_n (un and unext distinct). With stages non-null (recordedStages() vectors),
  // the stage values are kept there for tangentStep/adjointStep. Throws ForwardSolveFailure when
  // a stage solve fails.
  void step(PetscReal t, PetscReal h, Vec un, Vec unext, const std::vector<Vec>* stages);
  // δu_{n+1} from δu_n and δm (dm may be null: δm = 0), with the recorded stages of the step.
  void tangentStep(PetscReal t, PetscReal h, Vec un, const std::vector<Vec>& stages, Vec dun,
                   Vec dm, Vec dunext);
  // Λ_n from Λ_{n+1} (distinct vectors); gm (parameter space, may be null) accumulates ∂J/∂m.
  // For autonomous operators linear in u the ∂J/∂m terms are only collected (as cell-local
  // pairs, see Assembler::accumulatePairs) and reach gm in finishParameterGradient: one
  // assembly per sweep instead of one per stage. A reverse sweep is therefore bracketed by
  // beginParameterGradient() and finishParameterGradient(gm).
  void beginParameterGradient();
  void finishParameterGradient(Vec gm);
  void adjointStep(PetscReal t, PetscReal h, Vec un, const std::vector<Vec>& stages, Vec lambdaNext,
                   Vec lambda, Vec gm);

  Mat massMatrix() const { return M_; }
  const StepperStats& stats() const { return stats_; }
  const FunctionSpace& state() const { return *state_; }
  const Assembler& assembler() const { return assembler_; }

 private:
  struct Newton;
  std::vector<Vec> aux() const;
  // Stage value i (0-based) of the recorded step.
  Vec stage(int i, Vec un, const std::vector<Vec>& stages) const;
  // The stage matrix M + γ ∂R/∂u(u) into A_ (and the KSP), re-used while γ (and, for operators
  // nonlinear in u, the linearisation point) is unchanged.
  void stageMatrix(PetscReal gamma, PetscReal t, Vec u);
  // J_ = ∂R/∂u at u (assembled once for operators linear in u).
  void jacobianAt(PetscReal t, Vec u);
  void solveStage(PetscReal gamma, PetscReal t, Vec rhs, Vec guess, Vec U);
  // out = R(t, u): for an autonomous operator linear in u as J u + R(0) (no assembly), else
  // assembled.
  void residualAt(PetscReal t, Vec u, Vec out);
  // Throws ForwardSolveFailure if the last solve failed or its solution is not finite.
  void checkKsp(const char* what, Vec solution);

  std::shared_ptr<const PdeOperator> op_;
  const FunctionSpace* state_;
  std::vector<Vec> data_;
  DirkTableau tableau_;
  Assembler assembler_;
  Owned<Mat> M_, J_, A_;
  Owned<KSP> ksp_;
  Owned<SNES> snes_;
  Owned<Vec> m_, work_, work2_, work3_;
  std::vector<Owned<Vec>> U_;  // stage values of a step that is not recorded
  std::vector<Owned<Vec>> F_;  // per stage: R(t_j, U_j) (forward) or Y_j (tangent) or μ_j (adjoint)
  PetscReal matrixGamma_ = -1;
  bool haveJ_ = false, matrixValid_ = false;
  bool affine_ = false;  // linear in u and autonomous: R(u) = J u + r0
  bool haveR0_ = false;
  Owned<Vec> r0_, gpart_;
  Assembler::CellPairs pairs_;
  std::unique_ptr<Newton> newton_;
  StepperStats stats_;
};

}  // namespace pdeinv
