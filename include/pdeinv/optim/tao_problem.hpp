#pragma once
// TaoProblem: an Objective (a steady or transient reduced functional) as a PETSc TAO problem.
//
//   objective and gradient   J(m), ∇J(m) (one forward, one adjoint solve; cached per m)
//   Hessian                  a MATSHELL whose action is the Gauss–Newton or Newton Hessian-
//                            vector product of the objective at the current iterate
//   preconditioner           (∇²R)⁻¹, the inverse Hessian of the regularization (or prior
//                            covariance) when R provides one: a PCSHELL on the Newton-Krylov
//                            types' KSP, and the initial Hessian of the quasi-Newton types
//                            (lmvm, blmvm, bqnls), whose iteration counts then do not grow
//                            with mesh refinement
//   bounds                   TaoSetVariableBounds, for the bound-constrained types
//
// Any TAO type that fits works by option: -tao_type lmvm | blmvm | bqnls | bnls | bntr | nls |
// ntr | pdeinvgncg (pdeinv's inexact Gauss–Newton–CG, see tao_gncg.hpp) ...
//
// A forward solve that fails (ForwardSolveFailure) inside an objective evaluation makes the
// objective +∞: line searches and trust regions treat the trial point as a rejected step. Any
// other exception raised in a callback stops the solve and is rethrown by solve().
#include <petsctao.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/inverse/objective.hpp"
#include "pdeinv/inverse/regularization.hpp"
#include "pdeinv/optim/data_space_step.hpp"

namespace pdeinv {

// One line of the iteration history (what the monitor prints and history.csv holds).
struct IterationRecord {
  PetscInt iteration = 0;
  PetscReal cost = 0, misfit = 0, regularization = 0, gradientNorm = 0, step = 0;
  PetscInt cgIterations = 0;  // Krylov iterations of this iteration
  PetscInt pdeSolves = 0;     // cumulative PDE solves of every kind
  double elapsed = 0;         // seconds since the start of solve()
};

class TaoProblem {
 public:
  // J and regularization must outlive this object. regularization preconditions (may be null:
  // none); it must act on the optimisation variable itself (not for region parameters). prefix is
  // the options prefix of the TAO object ("" reads -tao_type ...).
  TaoProblem(Objective& J, Regularization* regularization, const std::string& prefix = "");
  ~TaoProblem();
  TaoProblem(const TaoProblem&) = delete;
  TaoProblem& operator=(const TaoProblem&) = delete;

  Tao tao() const { return tao_; }
  // Bounds on the optimisation variable (vectors like the parameter); only for bound-
  // constrained TAO types (checked in setFromOptions / solve).
  void setBounds(Vec lower, Vec upper);
  // The Hessian of the Newton-Krylov types. pdeinvgncg uses it too, and switches to Newton by
  // itself after -tao_gncg_gn_iterations when -tao_gncg_newton is given.
  void setHessianType(HessianType type) { hessianType_ = baseHessianType_ = type; }
  HessianType hessianType() const { return hessianType_; }
  // Called once per iteration (iteration 0 = the starting point).
  void setMonitor(std::function<void(const IterationRecord&)> monitor);

  // Reads the -tao_* options (default type: pdeinvgncg; default tolerance: gradient norm reduced
  // 10⁶-fold, -tao_gttol 1e-6) and wires the preconditioner for the chosen type. An unknown type
  // is an InputError listing the available ones.
  void setFromOptions();
  // Minimises from x (overwritten with the result).
  void solve(Vec x);

  TaoConvergedReason reason() const;
  bool converged() const { return reason() > 0; }
  std::string reasonName() const;
  PetscInt iterations() const;
  std::string typeName() const;
  // Objective evaluations whose forward solve failed (treated as +∞).
  PetscInt failedEvaluations() const { return failed_; }
  const std::vector<IterationRecord>& history() const { return history_; }
  bool preconditioned() const { return preconditioned_; }

 private:
  static PetscErrorCode objective(Tao, Vec x, PetscReal* f, void* ctx);
  static PetscErrorCode objectiveAndGradient(Tao, Vec x, PetscReal* f, Vec g, void* ctx);
  static PetscErrorCode hessian(Tao, Vec x, Mat H, Mat P, void* ctx);
  static PetscErrorCode hessianMult(Mat H, Vec v, Vec out);
  static PetscErrorCode regularizationMult(Mat H, Vec v, Vec out);
  static PetscErrorCode inverseMult(Mat P, Vec r, Vec out);
  static PetscErrorCode preconditionerApply(PC pc, Vec r, Vec out);
  static PetscErrorCode monitor(Tao, void* ctx);
  PetscErrorCode guard(const std::function<void()>& body);
  void wirePreconditioner();
  // flag: -<prefix>tao_gncg_step, for the errors.
  void wireDataSpaceStep(const std::string& flag);
  // out = R⁻¹ r (logged as the prior): the preconditioner, and the data-space step's covariance.
  void applyRegularizationInverse(Vec r, Vec out);         // exact (data-space step)
  void applyRegularizationPreconditioner(Vec r, Vec out);  // CG / quasi-Newton
  bool typeIs(std::initializer_list<const char*> names) const;

  Objective& J_;
  Regularization* reg_;
  Owned<Tao> tao_;
  Owned<Mat> H_, H0_, Pinv_;
  Owned<Vec> xH_, lower_, upper_;
  HessianType hessianType_ = HessianType::GaussNewton, baseHessianType_ = HessianType::GaussNewton;
  std::function<void(const IterationRecord&)> monitor_;
  std::vector<IterationRecord> history_;
  std::exception_ptr pending_;
  PetscInt failed_ = 0, lastKspIts_ = 0;
  double start_ = 0;
  bool preconditioned_ = false, configured_ = false;
  bool firstHessian_ = true;                  // the next Hessian evaluation is the first of a solve
  std::unique_ptr<DataSpaceStep> dataSpace_;  // -tao_gncg_step data_space
};

// pdeinv's defaults on a Tao (type pdeinvgncg, the gradient norm reduced 10⁶-fold, at most 200
// iterations), which options override: TaoProblem's, and the one -help shows PETSc's options of.
void setTaoDefaults(Tao tao);

// Names of the TAO types pdeinv documents and tests (for -help and error messages).
std::vector<std::string> supportedTaoTypes();
// One line describing a supported TAO type (for listings); empty for other names.
std::string taoTypeHelp(const std::string& type);

}  // namespace pdeinv
