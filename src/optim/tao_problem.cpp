#include "pdeinv/optim/tao_problem.hpp"

// TAO's public API has no getter for the step length of the last iteration that works for
// every type (TaoLineSearchGetStepLength exists only for line-search types); the monitor reads
// tao->step, which every type sets through TaoMonitor().
#include <petsc/private/taoimpl.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/log_events.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/forward/steady_solver.hpp"
#include "pdeinv/optim/tao_gncg.hpp"

namespace pdeinv {

namespace {

PetscInt totalSolves(const SolveCounts& c) {
  return c.forward + c.adjoint + c.tangent + c.incrementalAdjoint;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace

std::vector<std::string> supportedTaoTypes() {
  return {"blmvm", "bnls", "bntr", "bqnls", "lmvm", "nls", "ntr", "pdeinvgncg"};
}

std::string taoTypeHelp(const std::string& type) {
  static const std::map<std::string, std::string> help = {
      {"blmvm", "bound-constrained limited-memory quasi-Newton (TAO)"},
      {"bnls", "bound-constrained Newton-Krylov with line search (TAO)"},
      {"bntr", "bound-constrained Newton-Krylov trust region (TAO)"},
      {"bqnls", "bound-constrained quasi-Newton line search (TAO)"},
      {"lmvm", "limited-memory variable metric quasi-Newton (TAO)"},
      {"nls", "Newton-Krylov with line search (TAO)"},
      {"ntr", "Newton-Krylov trust region (TAO)"},
      {"pdeinvgncg", "pdeinv's inexact Gauss-Newton-CG, Armijo backtracking (the default)"},
  };
  auto it = help.find(type);
  return it == help.end() ? std::string() : it->second;
}

void setTaoDefaults(Tao tao) {
  // Defaults a user can override: the gradient norm reduced 10⁶-fold.
  PDEINV_CALL(TaoSetTolerances(tao, 0.0, 0.0, 1e-6));
  PDEINV_CALL(TaoSetMaximumIterations(tao, 200));
  registerTaoGNCG();
  PDEINV_CALL(TaoSetType(tao, TAOPDEINVGNCG));
}

TaoProblem::TaoProblem(Objective& J, Regularization* regularization, const std::string& prefix)
    : J_(J), reg_(regularization) {
  auto x = J_.createParameterVector();
  const MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(x.get()));
  PDEINV_CALL(TaoCreate(comm, tao_.out()));
  if (!prefix.empty()) PDEINV_CALL(TaoSetOptionsPrefix(tao_, prefix.c_str()));
  PDEINV_CALL(VecDuplicate(x, xH_.out()));
  PDEINV_CALL(TaoSetSolution(tao_, x));
  PDEINV_CALL(TaoSetObjective(tao_, objective, this));
  PDEINV_CALL(TaoSetObjectiveAndGradient(tao_, nullptr, objectiveAndGradient, this));

  PetscInt n = 0, N = 0;
  PDEINV_CALL(VecGetLocalSize(x, &n));
  PDEINV_CALL(VecGetSize(x, &N));
  PDEINV_CALL(MatCreateShell(comm, n, n, N, N, this, H_.out()));
  PDEINV_CALL(MatShellSetOperation(H_, MATOP_MULT, reinterpret_cast<void (*)(void)>(hessianMult)));
  PDEINV_CALL(MatSetOption(H_, MAT_SYMMETRIC, PETSC_TRUE));
  PDEINV_CALL(TaoSetHessian(tao_, H_, H_, hessian, this));
  // The regularization's Hessian: the initial Hessian of the quasi-Newton types.
  PDEINV_CALL(MatCreateShell(comm, n, n, N, N, this, H0_.out()));
  PDEINV_CALL(
      MatShellSetOperation(H0_, MATOP_MULT, reinterpret_cast<void (*)(void)>(regularizationMult)));
  PDEINV_CALL(MatSetOption(H0_, MAT_SYMMETRIC, PETSC_TRUE));
  // Its inverse, as a matrix (pdeinvgncg's preconditioner).
  PDEINV_CALL(MatCreateShell(comm, n, n, N, N, this, Pinv_.out()));
  PDEINV_CALL(
      MatShellSetOperation(Pinv_, MATOP_MULT, reinterpret_cast<void (*)(void)>(inverseMult)));
  PDEINV_CALL(MatSetOption(Pinv_, MAT_SYMMETRIC, PETSC_TRUE));
  PDEINV_CALL(TaoSetMonitor(tao_, monitor, this, nullptr));
  setTaoDefaults(tao_);
  // pdeinvgncg asks for Gauss–Newton or Newton before each Hessian (-tao_gncg_newton,
  // -tao_gncg_gn_iterations); the other types keep the Hessian chosen by setHessianType.
  taoGNCGSetHessianSwitch(tao_, [this](bool newton) {
    hessianType_ = newton ? HessianType::Newton : baseHessianType_;
  });
}

TaoProblem::~TaoProblem() = default;

void TaoProblem::setBounds(Vec lower, Vec upper) {
  PDEINV_CALL(VecDuplicate(lower, lower_.out()));
  PDEINV_CALL(VecCopy(lower, lower_));
  PDEINV_CALL(VecDuplicate(upper, upper_.out()));
  PDEINV_CALL(VecCopy(upper, upper_));
  PDEINV_CALL(TaoSetVariableBounds(tao_, lower_, upper_));
}

void TaoProblem::setMonitor(std::function<void(const IterationRecord&)> m) {
  monitor_ = std::move(m);
}

bool TaoProblem::typeIs(std::initializer_list<const char*> names) const {
  for (const char* n : names) {
    PetscBool same = PETSC_FALSE;
    PDEINV_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(tao_.get()), n, &same));
    if (same) return true;
  }
  return false;
}

std::string TaoProblem::typeName() const {
  TaoType type = nullptr;
  PDEINV_CALL(TaoGetType(tao_, &type));
  return type ? type : "";
}

void TaoProblem::setFromOptions() {
  // An unknown type would be a PETSc error deep inside TaoSetFromOptions: name it here.
  const char* prefix = nullptr;
  PDEINV_CALL(TaoGetOptionsPrefix(tao_, &prefix));
  const std::string flag = std::string("-") + (prefix ? prefix : "") + "tao_type";
  char requested[256] = "";
  PetscBool set = PETSC_FALSE;
  PDEINV_CALL(
      PetscOptionsGetString(nullptr, prefix, "-tao_type", requested, sizeof requested, &set));
  if (set) {
    Owned<Tao> probe;
    PDEINV_CALL(TaoCreate(PETSC_COMM_SELF, probe.out()));
    bool known = true;
    try {
      PDEINV_CALL(TaoSetType(probe, requested));
    } catch (const PetscFailure&) {
      known = false;
    }
    require(known, "unknown TAO type '" + std::string(requested) + "' (" + flag +
                       "); available: " + joined(supportedTaoTypes()));
  }
  PDEINV_CALL(TaoSetFromOptions(tao_));
  // TAO accepts negative limits and tolerances and then stops at once or never: refuse them.
  {
    const std::string p = std::string("-") + (prefix ? prefix : "") + "tao_";
    PetscInt maxIt = 0, maxFuncs = 0;
    PDEINV_CALL(TaoGetMaximumIterations(tao_, &maxIt));
    PDEINV_CALL(TaoGetMaximumFunctionEvaluations(tao_, &maxFuncs));
    require(maxIt >= 0, p + "max_it must be non-negative, got " + std::to_string(maxIt));
    require(maxFuncs >= -1,
            p + "max_funcs must be -1 (no limit) or non-negative, got " + std::to_string(maxFuncs));
    PetscReal tol[3] = {0, 0, 0};
    PDEINV_CALL(TaoGetTolerances(tao_, &tol[0], &tol[1], &tol[2]));
    const char* names[3] = {"gatol", "grtol", "gttol"};
    for (int i = 0; i < 3; ++i) {
      char text[64];
      std::snprintf(text, sizeof text, "%g", static_cast<double>(tol[i]));
      require(std::isfinite(tol[i]) && tol[i] >= 0,
              p + names[i] + " must be a non-negative number, got " + text);
    }
  }
  const bool bounded = lower_ || upper_;
  if (bounded) {
    require(!typeIs({TAOLMVM, TAONLS, TAONTR, TAOCG, TAONM}),
            flag + " " + typeName() +
                " does not handle bounds on the parameter; use pdeinvgncg, bqnls, blmvm, bnls or "
                "bntr");
  }
  require(!(bounded && taoGNCGUsesDataSpace(tao_)),
          std::string("-") + (prefix ? prefix : "") +
              "tao_gncg_step data_space does not handle bounds on the parameter; use the CG step");
  wirePreconditioner();
  wireDataSpaceStep(std::string("-") + (prefix ? prefix : "") + "tao_gncg_step");
  configured_ = true;
}

void TaoProblem::wireDataSpaceStep(const std::string& flag) {
  dataSpace_.reset();
  taoGNCGSetDataSpaceStep(tao_, nullptr);
  if (!taoGNCGUsesDataSpace(tao_)) return;
  const std::string why = J_.dataSpaceUnavailableReason();
  require(why.empty(), flag + " data_space: " + why);
  bool covariance = false;
  if (reg_) {
    auto probe = J_.createParameterVector(), out = J_.createParameterVector();
    PDEINV_CALL(VecSet(probe, 0.0));
    covariance = reg_->applyHessianInverse(probe, out);
  }
  require(preconditioned_ && covariance,
          flag +
              " data_space needs a regularization with an inverse Hessian (the prior "
              "covariance: -reg_type l2, h1 with delta > 0, or bilaplacian) and "
              "-tao_pdeinv_pc regularization");
  dataSpace_ = std::make_unique<DataSpaceStep>(
      J_, [this](Vec r, Vec out) { applyRegularizationInverse(r, out); });
  taoGNCGSetDataSpaceStep(tao_, [this](Vec x, Vec g, Vec p) { dataSpace_->compute(x, g, p); });
}

void TaoProblem::wirePreconditioner() {
  // Only a regularization that can apply its Hessian's inverse preconditions.
  preconditioned_ = false;
  if (!reg_) return;
  const char* prefix = nullptr;
  PDEINV_CALL(TaoGetOptionsPrefix(tao_, &prefix));
  const Options opts(std::string(prefix ? prefix : "") + "tao_pdeinv_");
  const auto pcChoice = opts.getString(
      "pc", "regularization",
      "preconditioner / initial quasi-Newton Hessian: regularization (its inverse Hessian) | none");
  require(pcChoice == "regularization" || pcChoice == "none",
          opts.flag("pc") + " must be regularization or none, got '" + pcChoice + "'");
  if (pcChoice == "none") return;
  {
    // Does R have a Hessian inverse (a quadratic regularization)? Applied once to zero.
    auto probe = J_.createParameterVector(), out = J_.createParameterVector();
    PDEINV_CALL(VecSet(probe, 0.0));
    if (!reg_->applyPreconditioner(probe, out)) return;
  }
  PC pc = nullptr;
  if (typeIs({TAOPDEINVGNCG})) {
    // pdeinvgncg's CG applies MatMult(hessian_pre) as the preconditioner (see tao_gncg.hpp).
    PDEINV_CALL(TaoSetHessian(tao_, H_, Pinv_, hessian, this));
    preconditioned_ = true;
    return;
  }
  // The bound-constrained quasi-Newton types keep TAO's own initial Hessian: with J0 = R their
  // projected line searches stall in the tail (flagship problem, -mesh_refine 0: bqnls not
  // converged after 300 iterations with R, 63 with TAO's J0; blmvm with an active bound in
  // tests/optim/test_tao_problem.cpp: not converged after 500 with R).
  if (typeIs({TAOBLMVM, TAOBQNLS, TAOBQNKLS, TAOBQNKTR, TAOBQNKTL})) return;
  if (typeIs({TAOLMVM, TAOBLMVM, TAOBQNLS, TAOBQNKLS, TAOBQNKTR, TAOBQNKTL})) {
    // Quasi-Newton types: the initial Hessian is J0 = R (the regularization's Hessian), applied
    // as J0⁻¹ = R⁻¹ by a PCSHELL (on the H0 KSP of lmvm/blmvm, as the J0 PC of bqn*). R is the
    // metric of the parameter space: in it the Hessian is R + (data term), a compact perturbation
    // of R with a mesh-independent spectrum, so the iteration count does not grow with the mesh
    // (with PETSc's default J0, a scaled identity in the Euclidean metric of the coefficients,
    // it does). But R is not the Hessian's *size*: when the data dominate (weak regularization,
    // small noise), R underestimates the curvature of the ~(number of observations) informed
    // directions by orders of magnitude, and three things go wrong with TAO's defaults:
    //  1. The first step -R⁻¹g is enormous; the forward solve fails there (f = PETSC_INFINITY,
    //     which is finite for PetscIsInfOrNanReal), and More–Thuente's interpolation cannot
    //     recover from it: DIVERGED_LS_FAILURE.
    //     -> The first step is -R⁻¹g/σ0 with σ0 = gᵀR⁻¹g/(2|f|): the step whose linear model
    //        predicts the decrease 2|f|, the Gauss–Newton step of a zero-residual linear misfit
    //        ½|r|². Both numbers are continuum quantities (f and the R⁻¹-norm of the gradient),
    //        so this bound does not depend on the mesh. From the second iteration on, σ = 1.
    //        Rescaling J0 at every iteration with the usual L-BFGS factor in the R-metric,
    //        σ_k = yᵀR⁻¹y/sᵀy (PETSc's own scalar scaling, -tao_lmvm_mat_lmvm_scale_type, is
    //        ignored once a J0 matrix/PC is set), was tried: it fits J0 to the largest
    //        curvature, so the regularization-dominated directions move by 1/σ_k ≈ 1e-6 per
    //        iteration and the method stalls (500 iterations at 32², gradient reduced 216-fold);
    //        σ_k = sᵀy/sᵀRs fails in More–Thuente like (1).
    //  2. Later BFGS directions are still too long in the informed directions not yet in the
    //     memory, and trial points may fail.
    //     -> lmvm's line search defaults to Armijo backtracking (from step 1, halving), which
    //        rejects a failed evaluation (f = PETSC_INFINITY fails the sufficient-decrease
    //        test) and backtracks, instead of More–Thuente. Only when -tao_ls_type is not given,
    //        and only for lmvm: blmvm and bqn* keep their line searches (Armijo does not
    //        project onto the bounds). With More–Thuente they still fail as in (1) from the
    //        second iteration on (DIVERGED_LS_FAILURE at 16²); blmvm without bounds converges
    //        with -tao_ls_type armijo (29 iterations at 16²).
    //  3. A memory of 5 pairs captures few of the informed directions.
    //     -> The history size defaults to 30 (-<prefix>mat_lmvm_hist_size overrides it).
    struct Scaling {
      TaoProblem* self = nullptr;
      Owned<Vec> w;
      PetscReal sigma = 1.0;
      bool first = true;
    };
    const MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(tao_.get()));
    Scaling made;
    made.self = this;
    made.w = J_.createParameterVector();
    // The Tao owns the scaling: the PC and the update callback only borrow it.
    Scaling* scaling = nullptr;
    PDEINV_CALL(composeValue(reinterpret_cast<PetscObject>(tao_.get()), "pdeinv_lmvm_j0_scaling",
                             std::move(made), &scaling));
    // Called by TAO at the start of every iteration, before the direction is computed.
    PDEINV_CALL(TaoSetUpdate(
        tao_,
        [](Tao tao, PetscInt, void* ctx) -> PetscErrorCode {
          auto* sc = static_cast<Scaling*>(ctx);
          return sc->self->guard([&] {
            if (!sc->first) {
              sc->sigma = 1.0;
              return;
            }
            sc->first = false;
            Vec g = nullptr;
            PetscReal f = 0, gnorm = 0, cnorm = 0, xdiff = 0, gw = 0;
            TaoConvergedReason reason;
            PDEINV_CALL(TaoGetGradient(tao, &g, nullptr, nullptr));
            PDEINV_CALL(TaoGetSolutionStatus(tao, nullptr, &f, &gnorm, &cnorm, &xdiff, &reason));
            sc->self->reg_->applyPreconditioner(g, sc->w);
            PDEINV_CALL(VecDot(g, sc->w, &gw));
            const PetscReal sigma0 = gw / (2 * std::abs(f));
            // Only ever shortens the first step (σ0 < 1 would lengthen it).
            if (std::isfinite(sigma0) && sigma0 > 1.0) sc->sigma = sigma0;
          });
        },
        scaling));
    const auto scaledInverse = [](PC p, Vec r, Vec out) -> PetscErrorCode {
      void* ctx = nullptr;
      PetscCall(PCShellGetContext(p, &ctx));
      auto* sc = static_cast<Scaling*>(ctx);
      return sc->self->guard([&] {
        sc->self->reg_->applyPreconditioner(r, out);
        if (sc->sigma != 1.0) PDEINV_CALL(VecScale(out, 1.0 / sc->sigma));
      });
    };
    {
      // (3) a longer memory, unless the user chose one. The LMVM matrix of lmvm/blmvm is not
      // reachable through the public API (TaoGetLMVMMatrix is bqn*'s), so the option is set
      // for one more TaoSetFromOptions, before TaoSetUp allocates the matrix.
      const std::string name = std::string("-") + (prefix ? prefix : "") +
                               (typeIs({TAOLMVM})    ? "tao_lmvm_"
                                : typeIs({TAOBLMVM}) ? "tao_blmvm_"
                                                     : "tao_bqnk_") +
                               "mat_lmvm_hist_size";
      PetscBool userHist = PETSC_FALSE;
      PDEINV_CALL(PetscOptionsHasName(nullptr, nullptr, name.c_str(), &userHist));
      if (!userHist) {
        PDEINV_CALL(PetscOptionsSetValue(nullptr, name.c_str(), "30"));
        PDEINV_CALL(TaoSetFromOptions(tao_));
        PDEINV_CALL(PetscOptionsClearValue(nullptr, name.c_str()));
      }
    }
    if (typeIs({TAOLMVM})) {
      // (2) Armijo backtracking, unless the user chose a line search.
      PetscBool userLs = PETSC_FALSE;
      PDEINV_CALL(PetscOptionsHasName(nullptr, prefix, "-tao_ls_type", &userLs));
      if (!userLs) {
        TaoLineSearch ls = nullptr;
        PDEINV_CALL(TaoGetLineSearch(tao_, &ls));
        PDEINV_CALL(TaoLineSearchSetType(ls, TAOLINESEARCHARMIJO));
      }
    }
    if (typeIs({TAOLMVM, TAOBLMVM})) {
      PDEINV_CALL(TaoLMVMSetH0(tao_, H0_));
      PDEINV_CALL(TaoSetUp(tao_));
      KSP ksp = nullptr;
      PDEINV_CALL(TaoLMVMGetH0KSP(tao_, &ksp));
      PDEINV_CALL(KSPSetType(ksp, KSPPREONLY));
      PDEINV_CALL(KSPGetPC(ksp, &pc));
    } else {
      Mat B = nullptr;
      PDEINV_CALL(TaoGetLMVMMatrix(tao_, &B));
      Owned<PC> own;
      PDEINV_CALL(PCCreate(comm, own.out()));
      PDEINV_CALL(PCSetOperators(own, H0_, H0_));
      PDEINV_CALL(MatLMVMSetJ0PC(B, own));
      pc = own;  // MatLMVMSetJ0PC holds a reference
    }
    PDEINV_CALL(PCSetType(pc, PCSHELL));
    PDEINV_CALL(PCShellSetContext(pc, scaling));
    PDEINV_CALL(PCShellSetApply(pc, scaledInverse));
    PDEINV_CALL(PCShellSetName(pc, "pdeinv: inverse Hessian of the regularization (J0)"));
    preconditioned_ = true;
    return;
  } else {
    // With bounds, the bound-constrained Newton types solve on the inactive set only: their KSP
    // hands the preconditioner vectors of that subset, which R⁻¹ cannot act on. TAO's own
    // preconditioner is kept then.
    if ((lower_ || upper_) && typeIs({TAOBNLS, TAOBNTR, TAOBNTL})) return;
    KSP ksp = nullptr;
    PDEINV_CALL(TaoGetKSP(tao_, &ksp));
    if (!ksp) return;  // a type without a linear solver
    const char* kspPrefix = nullptr;
    PDEINV_CALL(KSPGetOptionsPrefix(ksp, &kspPrefix));
    PetscBool userPc = PETSC_FALSE;
    PDEINV_CALL(PetscOptionsHasName(nullptr, kspPrefix, "-pc_type", &userPc));
    if (userPc) return;  // the user chose a preconditioner
    PDEINV_CALL(KSPGetPC(ksp, &pc));
  }
  PDEINV_CALL(PCSetType(pc, PCSHELL));
  PDEINV_CALL(PCShellSetContext(pc, this));
  PDEINV_CALL(PCShellSetApply(pc, preconditionerApply));
  PDEINV_CALL(PCShellSetName(pc, "pdeinv: inverse Hessian of the regularization"));
  preconditioned_ = true;
}

PetscErrorCode TaoProblem::guard(const std::function<void()>& body) {
  try {
    body();
  } catch (...) {
    pending_ = std::current_exception();  // rethrown by solve() with its message intact
    return PETSC_ERR_LIB;
  }
  return 0;
}

PetscErrorCode TaoProblem::objective(Tao, Vec x, PetscReal* f, void* ctx) {
  auto* self = static_cast<TaoProblem*>(ctx);
  return self->guard([&] {
    try {
      *f = self->J_.value(x);
    } catch (const ForwardSolveFailure&) {
      *f = PETSC_INFINITY;  // a rejected trial point
      self->failed_++;
    }
  });
}

PetscErrorCode TaoProblem::objectiveAndGradient(Tao, Vec x, PetscReal* f, Vec g, void* ctx) {
  auto* self = static_cast<TaoProblem*>(ctx);
  return self->guard([&] {
    // Only the forward solve may fail (a rejected trial point, f = +∞ and g = 0); a failing
    // adjoint solve at a point whose forward solve converged is an error, never a zero gradient.
    try {
      self->J_.value(x);
    } catch (const ForwardSolveFailure&) {
      *f = PETSC_INFINITY;
      PDEINV_CALL(VecSet(g, 0.0));
      self->failed_++;
      return;
    }
    *f = self->J_.gradient(x, g);
  });
}

PetscErrorCode TaoProblem::hessian(Tao, Vec x, Mat, Mat, void* ctx) {
  auto* self = static_cast<TaoProblem*>(ctx);
  return self->guard([&] {
    PDEINV_CALL(VecCopy(x, self->xH_));
    // A nonlinear regularization sets up its Hessian model and preconditioner at the iterate.
    if (self->reg_) self->reg_->linearizeAt(x, std::exchange(self->firstHessian_, false));
  });
}

PetscErrorCode TaoProblem::hessianMult(Mat H, Vec v, Vec out) {
  void* ctx = nullptr;
  PetscCall(MatShellGetContext(H, &ctx));
  auto* self = static_cast<TaoProblem*>(ctx);
  return self->guard([&] { self->J_.hessianApply(self->xH_, v, out, self->hessianType_); });
}

PetscErrorCode TaoProblem::regularizationMult(Mat H, Vec v, Vec out) {
  void* ctx = nullptr;
  PetscCall(MatShellGetContext(H, &ctx));
  auto* self = static_cast<TaoProblem*>(ctx);
  // The regularizations that precondition are quadratic: their Hessian does not depend on m.
  return self->guard([&] { self->reg_->hessianApply(self->xH_, v, out); });
}

void TaoProblem::applyRegularizationInverse(Vec r, Vec out) {
  LogScope scope(Phase::Prior);
  reg_->applyHessianInverse(r, out);
}

void TaoProblem::applyRegularizationPreconditioner(Vec r, Vec out) {
  LogScope scope(Phase::Prior);
  reg_->applyPreconditioner(r, out);
}

PetscErrorCode TaoProblem::inverseMult(Mat P, Vec r, Vec out) {
  void* ctx = nullptr;
  PetscCall(MatShellGetContext(P, &ctx));
  auto* self = static_cast<TaoProblem*>(ctx);
  return self->guard([&] { self->applyRegularizationPreconditioner(r, out); });
}

PetscErrorCode TaoProblem::preconditionerApply(PC pc, Vec r, Vec out) {
  void* ctx = nullptr;
  PetscCall(PCShellGetContext(pc, &ctx));
  auto* self = static_cast<TaoProblem*>(ctx);
  return self->guard([&] { self->applyRegularizationPreconditioner(r, out); });
}

PetscErrorCode TaoProblem::monitor(Tao tao, void* ctx) {
  auto* self = static_cast<TaoProblem*>(ctx);
  return self->guard([&] {
    IterationRecord rec;
    PetscReal f = 0, gnorm = 0, cnorm = 0, xdiff = 0;
    TaoConvergedReason reason;
    PDEINV_CALL(TaoGetSolutionStatus(tao, &rec.iteration, &f, &gnorm, &cnorm, &xdiff, &reason));
    Vec x = nullptr;
    PDEINV_CALL(TaoGetSolution(tao, &x));
    // The parts of J at the iterate (cached unless the last evaluation was a trial point).
    rec.cost = self->J_.value(x);
    rec.misfit = self->J_.misfitValue();
    rec.regularization = self->J_.regularizationValue();
    rec.gradientNorm = gnorm;
    rec.step = rec.iteration == 0 ? 0.0 : tao->step;
    PetscInt kspIts = 0;
    PDEINV_CALL(TaoGetLinearSolveIterations(tao, &kspIts));
    rec.cgIterations = kspIts - self->lastKspIts_;
    self->lastKspIts_ = kspIts;
    rec.pdeSolves = totalSolves(self->J_.counts());
    rec.elapsed = MPI_Wtime() - self->start_;
    self->history_.push_back(rec);
    if (self->monitor_) self->monitor_(rec);
  });
}

void TaoProblem::solve(Vec x) {
  if (!configured_) setFromOptions();
  PDEINV_CALL(TaoSetSolution(tao_, x));
  history_.clear();
  lastKspIts_ = 0;
  start_ = MPI_Wtime();
  pending_ = nullptr;
  firstHessian_ = true;
  const PetscErrorCode ierr = TaoSolve(tao_);
  if (pending_) std::rethrow_exception(std::exchange(pending_, nullptr));
  PDEINV_CALL(ierr);
}

TaoConvergedReason TaoProblem::reason() const {
  TaoConvergedReason r;
  PDEINV_CALL(TaoGetConvergedReason(tao_, &r));
  return r;
}

std::string TaoProblem::reasonName() const {
  const TaoConvergedReason r = reason();
  return TaoConvergedReasons[r];
}

PetscInt TaoProblem::iterations() const {
  PetscInt its = 0;
  PDEINV_CALL(TaoGetIterationNumber(tao_, &its));
  return its;
}

}  // namespace pdeinv
