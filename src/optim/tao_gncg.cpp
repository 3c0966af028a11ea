#include "pdeinv/optim/tao_gncg.hpp"

#include <petsc/private/taoimpl.h>

#include <cmath>
#include <exception>
#include <string>
#include <utility>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"

namespace pdeinv {
namespace {

enum Forcing { kForcingSqrt, kForcingEW2, kForcingFixed };
const char* const kForcingNames[] = {"sqrt", "ew2", "fixed", "Forcing", "", nullptr};
enum PcKind { kPcPmat, kPcNone };
const char* const kPcNames[] = {"pmat", "none", "PcKind", "", nullptr};
enum StepKind { kStepCG, kStepDataSpace };
const char* const kStepNames[] = {"cg", "data_space", "StepKind", "", nullptr};

// Name under which the Hessian switch is composed on the Tao (so that it can be set before the
// type is chosen, and is ignored by other TAO types).
constexpr const char* kSwitchKey = "pdeinv_gncg_hessian_switch";

using HessianSwitch = std::function<void(bool)>;
// Name under which the data-space step is composed on the Tao.
constexpr const char* kDataSpaceKey = "pdeinv_gncg_data_space_step";
using DataSpaceStepFn = std::function<void(Vec, Vec, Vec)>;

struct GNCG {
  // Options.
  Forcing forcing = kForcingSqrt;
  PetscReal etaMax = 0.5;
  PetscReal ewGamma = 0.9;
  PetscReal ewAlpha = 2.0;
  PetscInt cgMaxit = 100;
  PcKind pc = kPcPmat;
  StepKind step = kStepCG;
  PetscReal cArmijo = 1e-4;
  PetscInt maxBacktrack = 12;
  PetscReal armijoFtol = 1e-12;
  PetscBool newton = PETSC_FALSE;
  PetscInt gnIterations = 3;

  // State between iterations (and between solves, for restarts).
  GNCGState state;
  bool resume = false;  // the next TaoSolve starts from `state`
  GNCGStatistics stats;

  // Work vectors.
  Vec p = nullptr, r = nullptr, z = nullptr, d = nullptr, Hd = nullptr, xTrial = nullptr;
  // Bounds (TaoSetVariableBounds): the free-variable mask (1 free, 0 held at a bound) of the
  // current iterate; null without bounds.
  Vec freeMask = nullptr;
};

GNCG* dataOf(Tao tao) {
  return static_cast<GNCG*>(tao->data);
}

bool finite(PetscReal v) {
  return !PetscIsInfOrNanReal(v);
}
// A failed objective evaluation: NaN, ±inf, or PETSc's PETSC_INFINITY (PETSC_MAX_REAL/4, which
// is a finite double).
bool failedValue(PetscReal f) {
  return !finite(f) || f >= PETSC_INFINITY;
}

PetscErrorCode TaoSetUp_GNCG(Tao tao) {
  GNCG* gn = dataOf(tao);
  PetscFunctionBegin;
  if (!tao->gradient) PetscCall(VecDuplicate(tao->solution, &tao->gradient));
  if (!tao->stepdirection) PetscCall(VecDuplicate(tao->solution, &tao->stepdirection));
  for (Vec* v : {&gn->r, &gn->z, &gn->d, &gn->Hd, &gn->xTrial}) {
    if (!*v) PetscCall(VecDuplicate(tao->solution, v));
  }
  if (tao->XL || tao->XU) {
    if (!gn->freeMask) PetscCall(VecDuplicate(tao->solution, &gn->freeMask));
  }
  gn->p = tao->stepdirection;
  PetscFunctionReturn(0);
}

PetscErrorCode TaoDestroy_GNCG(Tao tao) {
  GNCG* gn = dataOf(tao);
  PetscFunctionBegin;
  for (Vec* v : {&gn->r, &gn->z, &gn->d, &gn->Hd, &gn->xTrial, &gn->freeMask})
    PetscCall(VecDestroy(v));
  delete gn;
  tao->data = nullptr;
  PetscFunctionReturn(0);
}

PetscErrorCode TaoSetFromOptions_GNCG(Tao tao, PetscOptionItems* PetscOptionsObject) {
  GNCG* gn = dataOf(tao);
  PetscInt forcing = gn->forcing, pc = gn->pc, step = gn->step;
  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Inexact Gauss-Newton-CG (pdeinvgncg) options");
  PetscCall(PetscOptionsEList("-tao_gncg_forcing", "Forcing term of the inexact CG solve", "",
                              kForcingNames, 3, kForcingNames[forcing], &forcing, nullptr));
  PetscCall(PetscOptionsReal("-tao_gncg_eta_max", "Upper bound of the forcing term", "", gn->etaMax,
                             &gn->etaMax, nullptr));
  PetscCall(PetscOptionsReal("-tao_gncg_ew_gamma", "Eisenstat-Walker gamma (ew2)", "", gn->ewGamma,
                             &gn->ewGamma, nullptr));
  PetscCall(PetscOptionsReal("-tao_gncg_ew_alpha", "Eisenstat-Walker alpha (ew2)", "", gn->ewAlpha,
                             &gn->ewAlpha, nullptr));
  PetscCall(PetscOptionsInt("-tao_gncg_cg_maxit", "Maximum CG iterations per step", "", gn->cgMaxit,
                            &gn->cgMaxit, nullptr));
  PetscCall(PetscOptionsEList("-tao_gncg_pc",
                              "CG preconditioner: the action of hessian_pre or none", "", kPcNames,
                              2, kPcNames[pc], &pc, nullptr));
  PetscCall(PetscOptionsEList(
      "-tao_gncg_step",
      "Gauss-Newton step: cg (inexact, in parameter space) or data_space (exact, through the "
      "n_obs x n_obs data space; for few observations)",
      "", kStepNames, 2, kStepNames[step], &step, nullptr));
  PetscCall(PetscOptionsReal("-tao_gncg_c_armijo", "Armijo sufficient-decrease constant", "",
                             gn->cArmijo, &gn->cArmijo, nullptr));
  PetscCall(PetscOptionsInt("-tao_gncg_max_backtrack", "Maximum step halvings", "",
                            gn->maxBacktrack, &gn->maxBacktrack, nullptr));
  PetscCall(PetscOptionsReal("-tao_gncg_armijo_ftol",
                             "Relative rounding error of the objective allowed in the Armijo test",
                             "", gn->armijoFtol, &gn->armijoFtol, nullptr));
  PetscCall(PetscOptionsBool("-tao_gncg_newton", "Use the Newton Hessian after gn_iterations", "",
                             gn->newton, &gn->newton, nullptr));
  PetscCall(PetscOptionsInt("-tao_gncg_gn_iterations",
                            "Gauss-Newton iterations before Newton (with -tao_gncg_newton)", "",
                            gn->gnIterations, &gn->gnIterations, nullptr));
  PetscOptionsHeadEnd();
  gn->forcing = static_cast<Forcing>(forcing);
  gn->pc = static_cast<PcKind>(pc);
  gn->step = static_cast<StepKind>(step);
  MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(tao));
  PetscCheck(gn->etaMax > 0 && gn->etaMax < 1, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-tao_gncg_eta_max must be in (0, 1), got %g", static_cast<double>(gn->etaMax));
  PetscCheck(gn->cgMaxit >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-tao_gncg_cg_maxit must be positive, got %" PetscInt_FMT, gn->cgMaxit);
  PetscCheck(gn->cArmijo > 0 && gn->cArmijo < 1, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-tao_gncg_c_armijo must be in (0, 1), got %g", static_cast<double>(gn->cArmijo));
  PetscCheck(gn->maxBacktrack >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-tao_gncg_max_backtrack must be >= 0, got %" PetscInt_FMT, gn->maxBacktrack);
  PetscCheck(gn->armijoFtol >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-tao_gncg_armijo_ftol must be >= 0, got %g", static_cast<double>(gn->armijoFtol));
  PetscCheck(gn->gnIterations >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-tao_gncg_gn_iterations must be >= 0, got %" PetscInt_FMT, gn->gnIterations);
  PetscFunctionReturn(0);
}

PetscErrorCode TaoView_GNCG(Tao tao, PetscViewer viewer) {
  GNCG* gn = dataOf(tao);
  PetscBool ascii = PETSC_FALSE;
  PetscFunctionBegin;
  PetscCall(
      PetscObjectTypeCompare(reinterpret_cast<PetscObject>(viewer), PETSCVIEWERASCII, &ascii));
  if (!ascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPushTab(viewer));
  PetscCall(PetscViewerASCIIPrintf(viewer, "Inexact Gauss-Newton-CG with Armijo backtracking\n"));
  if (gn->forcing == kForcingEW2) {
    PetscCall(PetscViewerASCIIPrintf(
        viewer, "forcing: ew2, eta_max %g, gamma %g, alpha %g\n", static_cast<double>(gn->etaMax),
        static_cast<double>(gn->ewGamma), static_cast<double>(gn->ewAlpha)));
  } else {
    PetscCall(PetscViewerASCIIPrintf(viewer, "forcing: %s, eta_max %g\n",
                                     kForcingNames[gn->forcing], static_cast<double>(gn->etaMax)));
  }
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "CG: max %" PetscInt_FMT " iterations, preconditioner %s\n",
                                   gn->cgMaxit, kPcNames[gn->pc]));
  PetscCall(PetscViewerASCIIPrintf(
      viewer,
      "line search: Armijo c %g, f rounding tolerance %g, at most %" PetscInt_FMT " backtracks\n",
      static_cast<double>(gn->cArmijo), static_cast<double>(gn->armijoFtol), gn->maxBacktrack));
  HessianSwitch* sw = nullptr;
  PetscCall(composedValue(reinterpret_cast<PetscObject>(tao), kSwitchKey, &sw));
  if (gn->step == kStepDataSpace) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "Gauss-Newton steps: exact, in data space\n"));
  }
  if (gn->newton) {
    PetscCall(PetscViewerASCIIPrintf(
        viewer, "Hessian: Gauss-Newton for %" PetscInt_FMT " iterations, then Newton%s\n",
        gn->gnIterations, sw ? "" : " (but the application set no Hessian switch)"));
  } else {
    PetscCall(PetscViewerASCIIPrintf(viewer, "Hessian: Gauss-Newton throughout\n"));
  }
  const GNCGStatistics& s = gn->stats;
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "last solve: %" PetscInt_FMT " Hessians, %" PetscInt_FMT
                                   " CG its, %" PetscInt_FMT
                                   " negative-curvature exits, %" PetscInt_FMT
                                   " backtracks, %" PetscInt_FMT " failed evaluations\n",
                                   s.hessianEvaluations, s.cgIterations, s.negativeCurvatureExits,
                                   s.backtracks, s.failedEvaluations));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

// z = M r (the preconditioner action), or z = r without one; with a free-variable mask F,
// z = F M F r (the preconditioner of the reduced system; r is already zero on held variables).
PetscErrorCode applyPreconditioner(Mat M, Vec r, Vec z, Vec freeMask = nullptr) {
  PetscFunctionBegin;
  if (M) {
    PetscCall(MatMult(M, r, z));
  } else {
    PetscCall(VecCopy(r, z));
  }
  if (freeMask) PetscCall(VecPointwiseMult(z, z, freeMask));
  PetscFunctionReturn(0);
}

// Bounds: the variables held at a bound at x are those at (within a relative 1e-12 of) a bound
// whose gradient points out of the feasible set; the others are free. freeMask = 1 on free
// variables, 0 on held ones. An active-set method as TAO's bnls: CG on the free variables, a
// projected line search.
PetscErrorCode updateFreeMask(Tao tao, Vec x, Vec g, Vec freeMask) {
  const PetscScalar *px = nullptr, *pg = nullptr, *pl = nullptr, *pu = nullptr;
  PetscScalar* pf = nullptr;
  PetscInt n = 0;
  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(x, &n));
  PetscCall(VecGetArrayRead(x, &px));
  PetscCall(VecGetArrayRead(g, &pg));
  if (tao->XL) PetscCall(VecGetArrayRead(tao->XL, &pl));
  if (tao->XU) PetscCall(VecGetArrayRead(tao->XU, &pu));
  PetscCall(VecGetArray(freeMask, &pf));
  for (PetscInt i = 0; i < n; ++i) {
    const PetscReal tol = 1e-12 * (1 + PetscAbsReal(px[i]));
    const bool atLower = pl && pl[i] > PETSC_NINFINITY && px[i] <= pl[i] + tol && pg[i] > 0;
    const bool atUpper = pu && pu[i] < PETSC_INFINITY && px[i] >= pu[i] - tol && pg[i] < 0;
    pf[i] = atLower || atUpper ? 0.0 : 1.0;
  }
  PetscCall(VecRestoreArray(freeMask, &pf));
  if (tao->XU) PetscCall(VecRestoreArrayRead(tao->XU, &pu));
  if (tao->XL) PetscCall(VecRestoreArrayRead(tao->XL, &pl));
  PetscCall(VecRestoreArrayRead(g, &pg));
  PetscCall(VecRestoreArrayRead(x, &px));
  PetscFunctionReturn(0);
}

// x = min(max(x, lower), upper).
PetscErrorCode projectOntoBounds(Tao tao, Vec x) {
  PetscFunctionBegin;
  if (tao->XL) PetscCall(VecPointwiseMax(x, x, tao->XL));
  if (tao->XU) PetscCall(VecPointwiseMin(x, x, tao->XU));
  PetscFunctionReturn(0);
}

// Preconditioned CG for H p = -g, stopped when ‖r‖_M <= eta ‖g‖_M, after maxit iterations, or
// at the first direction of non-positive curvature. Hand-written rather than KSPCG because the
// method needs exactly this control: the step accumulated *before* negative curvature (KSPCG
// returns a diverged reason and an iterate whose meaning depends on the KSPCG type), the
// preconditioned steepest-descent step when it happens at the first direction, a relative
// tolerance measured in the preconditioner norm, and no KSP/PC object to configure or mistake
// tao->hessian_pre (an operator applying M ≈ H⁻¹) for a matrix to build a PC from.
PetscErrorCode solveNewtonStep(Tao tao, GNCG* gn, Mat M, PetscReal eta, PetscInt* its) {
  Vec g = tao->gradient, p = gn->p, r = gn->r, z = gn->z, d = gn->d, Hd = gn->Hd;
  MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(tao));
  PetscFunctionBegin;
  Vec F = gn->freeMask;  // null without bounds: every variable free
  *its = 0;
  PetscCall(VecSet(p, 0.0));
  PetscCall(VecAXPBY(r, -1.0, 0.0, g));  // r = -g - H p = -g
  if (F) PetscCall(VecPointwiseMult(r, r, F));
  PetscCall(applyPreconditioner(M, r, z, F));
  PetscReal rz = 0;
  PetscCall(VecDot(r, z, &rz));
  PetscCheck(
      finite(rz) && rz >= 0, comm, PETSC_ERR_NOT_CONVERGED,
      "pdeinvgncg: the preconditioner (tao->hessian_pre) is not positive definite: g^T M g = %g",
      static_cast<double>(rz));
  if (rz == 0) PetscFunctionReturn(0);
  const PetscReal tol = eta * std::sqrt(rz);
  PetscCall(VecCopy(z, d));
  for (PetscInt i = 0; i < gn->cgMaxit; ++i) {
    PetscCall(MatMult(tao->hessian, d, Hd));
    if (F) PetscCall(VecPointwiseMult(Hd, Hd, F));  // the reduced Hessian F H F
    PetscReal dHd = 0;
    PetscCall(VecDot(d, Hd, &dHd));
    PetscCheck(finite(dHd), comm, PETSC_ERR_FP, "pdeinvgncg: the Hessian product is Inf or NaN");
    if (dHd <= 0) {
      ++gn->stats.negativeCurvatureExits;
      if (i == 0) {  // no step yet: the preconditioned steepest-descent direction -M g
        PetscCall(VecCopy(d, p));
        ++gn->stats.steepestDescentSteps;
      }
      PetscCall(PetscInfo(tao,
                          "CG: negative curvature d^T H d = %g at iteration %" PetscInt_FMT "\n",
                          static_cast<double>(dHd), i));
      break;
    }
    *its = i + 1;
    const PetscReal alpha = rz / dHd;
    PetscCall(VecAXPY(p, alpha, d));
    PetscCall(VecAXPY(r, -alpha, Hd));
    PetscCall(applyPreconditioner(M, r, z, F));
    PetscReal rzNew = 0;
    PetscCall(VecDot(r, z, &rzNew));
    if (std::sqrt(PetscMax(rzNew, 0.0)) <= tol) break;
    const PetscReal beta = rzNew / rz;
    rz = rzNew;
    PetscCall(VecAYPX(d, beta, z));  // d = z + beta d
  }
  PetscFunctionReturn(0);
}

PetscReal forcingTerm(const GNCG& gn, const GNCGState& st, PetscReal gnorm) {
  switch (gn.forcing) {
    case kForcingFixed:
      return gn.etaMax;
    case kForcingEW2: {
      if (st.gnormPrev <= 0 || st.etaPrev < 0) return gn.etaMax;
      PetscReal eta = gn.ewGamma * std::pow(gnorm / st.gnormPrev, gn.ewAlpha);
      const PetscReal safeguard = gn.ewGamma * std::pow(st.etaPrev, gn.ewAlpha);
      if (safeguard > 0.1) eta = PetscMax(eta, safeguard);
      return PetscMin(gn.etaMax, eta);
    }
    case kForcingSqrt:
    default:
      if (st.gnorm0 <= 0) return gn.etaMax;
      return PetscMin(gn.etaMax, std::sqrt(gnorm / st.gnorm0));
  }
}

PetscErrorCode callHessianSwitch(Tao tao, bool newton) {
  HessianSwitch* fn = nullptr;
  PetscFunctionBegin;
  PetscCall(composedValue(reinterpret_cast<PetscObject>(tao), kSwitchKey, &fn));
  try {
    if (fn && *fn) (*fn)(newton);
  } catch (const std::exception& e) {
    SETERRQ(PetscObjectComm(reinterpret_cast<PetscObject>(tao)), PETSC_ERR_LIB,
            "pdeinvgncg: the Hessian switch failed: %s", e.what());
  }
  PetscFunctionReturn(0);
}

PetscErrorCode callDataSpaceStep(Tao tao, Vec x, Vec g, Vec p) {
  DataSpaceStepFn* fn = nullptr;
  PetscFunctionBegin;
  PetscCall(composedValue(reinterpret_cast<PetscObject>(tao), kDataSpaceKey, &fn));
  PetscCheck(fn && *fn, PetscObjectComm(reinterpret_cast<PetscObject>(tao)), PETSC_ERR_ORDER,
             "pdeinvgncg: -tao_gncg_step data_space needs a data-space step from the application "
             "(taoGNCGSetDataSpaceStep)");
  try {
    (*fn)(x, g, p);
  } catch (const std::exception& e) {
    SETERRQ(PetscObjectComm(reinterpret_cast<PetscObject>(tao)), PETSC_ERR_LIB,
            "pdeinvgncg: the data-space step failed: %s", e.what());
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TaoSolve_GNCG(Tao tao) {
  GNCG* gn = dataOf(tao);
  Vec x = tao->solution, g = tao->gradient, p = gn->p, xt = gn->xTrial;
  PetscFunctionBegin;
  PetscCheck(tao->ops->computehessian, PetscObjectComm(reinterpret_cast<PetscObject>(tao)),
             PETSC_ERR_ORDER, "pdeinvgncg needs a Hessian: call TaoSetHessian()");
  gn->stats = GNCGStatistics{};
  GNCGState st = gn->resume ? gn->state : GNCGState{};
  gn->resume = false;
  tao->niter = st.iteration;
  tao->ksp_its = 0;
  tao->ksp_tot_its = st.cgTotal;
  const PetscInt cgTotalAtStart = st.cgTotal;
  tao->reason = TAO_CONTINUE_ITERATING;
  Mat M = nullptr;
  if (gn->pc == kPcPmat && tao->hessian_pre && tao->hessian_pre != tao->hessian)
    M = tao->hessian_pre;

  // With bounds (TaoSetVariableBounds) the iterates stay feasible: the start is projected onto
  // the bounds, CG works on the free variables, the line search projects, and the gradient norm
  // that monitors and convergence tests see is that of the free variables (the projected
  // gradient).
  Vec F = gn->freeMask;
  PetscCheck(!F || gn->step != kStepDataSpace, PetscObjectComm(reinterpret_cast<PetscObject>(tao)),
             PETSC_ERR_SUP, "pdeinvgncg: -tao_gncg_step data_space does not handle bounds");
  if (F) PetscCall(projectOntoBounds(tao, x));
  auto gradientNorm = [&](PetscReal* norm) -> PetscErrorCode {
    PetscFunctionBegin;
    if (F) {
      PetscCall(updateFreeMask(tao, x, g, F));
      PetscCall(VecPointwiseMult(gn->r, g, F));
      PetscCall(VecNorm(gn->r, NORM_2, norm));
    } else {
      PetscCall(VecNorm(g, NORM_2, norm));
    }
    PetscFunctionReturn(0);
  };
  PetscReal f = 0, gnorm = 0;
  PetscCall(TaoComputeObjective(tao, x, &f));
  if (failedValue(f)) {
    PetscCall(PetscInfo(tao, "pdeinvgncg: the objective at the initial point is Inf or NaN\n"));
    tao->reason = TAO_DIVERGED_NAN;
    gn->state = st;
    PetscFunctionReturn(0);
  }
  PetscCall(TaoComputeGradient(tao, x, g));
  PetscCall(gradientNorm(&gnorm));
  if (st.gnorm0 < 0) st.gnorm0 = gnorm;
  gn->state = st;  // from here on, the state that goes with the current iterate

  while (true) {
    // The history counts the CG iterations of this TaoSolve (its cumulative argument).
    PetscCall(TaoLogConvergenceHistory(tao, f, gnorm, 0.0, tao->ksp_tot_its - cgTotalAtStart));
    PetscCall(TaoMonitor(tao, tao->niter, f, gnorm, 0.0, st.step));
    tao->gnorm0 = st.gnorm0;  // TaoMonitor sets it only at iteration 0; a restart keeps the first
    PetscUseTypeMethod(tao, convergencetest, tao->cnvP);
    if (tao->reason != TAO_CONTINUE_ITERATING) break;

    const PetscReal eta = forcingTerm(*gn, st, gnorm);
    const bool newton = gn->newton && tao->niter >= gn->gnIterations;
    if (newton) ++gn->stats.newtonIterations;
    PetscCall(callHessianSwitch(tao, newton));
    PetscCall(TaoComputeHessian(tao, x, tao->hessian, tao->hessian_pre));
    ++gn->stats.hessianEvaluations;

    PetscInt its = 0;
    if (gn->step == kStepDataSpace && !newton) {
      PetscCall(callDataSpaceStep(tao, x, g, p));  // the exact Gauss–Newton step, no CG
      ++gn->stats.dataSpaceSteps;
    } else {
      PetscCall(solveNewtonStep(tao, gn, M, eta, &its));
    }
    tao->ksp_its = its;
    tao->ksp_tot_its += its;
    gn->stats.cgIterations += its;

    PetscReal gp = 0;
    PetscCall(VecDot(g, p, &gp));
    if (!(gp < 0)) {  // cannot happen with an SPD preconditioner; a safeguard: -M g, then -g
      PetscCall(PetscInfo(tao, "pdeinvgncg: CG step is not a descent direction; using -M g\n"));
      PetscCall(VecAXPBY(gn->r, -1.0, 0.0, g));
      if (F) PetscCall(VecPointwiseMult(gn->r, gn->r, F));
      PetscCall(applyPreconditioner(M, gn->r, p, F));
      PetscCall(VecDot(g, p, &gp));
      if (!(gp < 0)) {
        PetscCall(VecAXPBY(p, -1.0, 0.0, g));
        if (F) PetscCall(VecPointwiseMult(p, p, F));
        PetscCall(VecDot(g, p, &gp));
      }
    }

    // Armijo backtracking; an Inf/NaN objective (failed evaluation) is a rejected step. Near
    // the minimiser the predicted decrease c α gᵀp falls below the rounding error of f itself
    // (f is usually a sum of larger terms that cancel); a decrease is then undecidable from f,
    // so the test allows that error, ftol |f| (otherwise the line search "fails" long before the
    // gradient tolerance is reached).
    const PetscReal fRoundoff = gn->armijoFtol * PetscAbsReal(f);
    PetscReal alpha = 1.0, ft = 0;
    bool accepted = false;
    for (PetscInt bt = 0;; ++bt) {
      PetscCall(VecWAXPY(xt, alpha, p, x));
      // The predicted decrease gᵀ(x_t − x): α gᵀp, or with bounds that of the projected step.
      PetscReal decrease = alpha * gp;
      if (F) {
        PetscCall(projectOntoBounds(tao, xt));
        PetscCall(VecWAXPY(gn->r, -1.0, x, xt));
        PetscCall(VecDot(g, gn->r, &decrease));
      }
      PetscCall(TaoComputeObjective(tao, xt, &ft));
      if (failedValue(ft)) {
        ++gn->stats.failedEvaluations;
        PetscCall(PetscInfo(tao, "pdeinvgncg: objective failed (Inf/NaN) at step %g\n",
                            static_cast<double>(alpha)));
      } else if (ft <= f + gn->cArmijo * decrease + fRoundoff) {
        accepted = true;
        break;
      }
      if (bt == gn->maxBacktrack) break;
      alpha *= 0.5;
      ++gn->stats.backtracks;
    }
    if (!accepted) {
      PetscCall(PetscInfo(tao,
                          "pdeinvgncg: no sufficient decrease after %" PetscInt_FMT " backtracks\n",
                          gn->maxBacktrack));
      tao->reason = TAO_DIVERGED_LS_FAILURE;
      break;
    }
    PetscCall(VecCopy(xt, x));
    f = ft;
    st.gnormPrev = gnorm;
    st.etaPrev = eta;
    st.step = alpha;
    PetscCall(TaoComputeGradient(tao, x, g));
    PetscCall(gradientNorm(&gnorm));
    PetscCheck(finite(gnorm), PetscObjectComm(reinterpret_cast<PetscObject>(tao)), PETSC_ERR_FP,
               "pdeinvgncg: the gradient is Inf or NaN at a point with a finite objective");
    ++tao->niter;
    st.iteration = tao->niter;
    st.cgTotal = tao->ksp_tot_its;
    gn->state = st;
  }
  gn->state = st;
  PetscFunctionReturn(0);
}

PetscErrorCode TaoCreate_GNCG(Tao tao) {
  PetscFunctionBegin;
  tao->ops->setup = TaoSetUp_GNCG;
  tao->ops->solve = TaoSolve_GNCG;
  tao->ops->view = TaoView_GNCG;
  tao->ops->setfromoptions = TaoSetFromOptions_GNCG;
  tao->ops->destroy = TaoDestroy_GNCG;
  if (!tao->max_it_changed) tao->max_it = 50;
  tao->data = new GNCG;
  PetscFunctionReturn(0);
}

GNCG* gncgOf(Tao tao, const char* who) {
  PetscBool is = PETSC_FALSE;
  PDEINV_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(tao), TAOPDEINVGNCG, &is));
  if (!is || !tao->data) {
    const char* type = nullptr;
    PDEINV_CALL(TaoGetType(tao, &type));
    throw Error(std::string(who) + ": the Tao is of type '" + (type ? type : "(none)") +
                "', not '" TAOPDEINVGNCG "'");
  }
  return dataOf(tao);
}

// Keeps a std::function on the Tao under `key`; an empty one removes what was there.
template <class Fn>
void composeFunction(Tao tao, const char* key, Fn fn) {
  auto obj = reinterpret_cast<PetscObject>(tao);
  if (fn) {
    PDEINV_CALL(composeValue(obj, key, std::move(fn)));
  } else {
    PDEINV_CALL(PetscObjectCompose(obj, key, nullptr));
  }
}

}  // namespace

void registerTaoGNCG() {
  // TaoRegister replaces an entry of the same name, so calling it again is harmless (and it
  // must be called again after a PetscFinalize/PetscInitialize cycle, which empties TaoList).
  PDEINV_CALL(TaoRegister(TAOPDEINVGNCG, TaoCreate_GNCG));
}

void taoGNCGSetHessianSwitch(Tao tao, std::function<void(bool newton)> hessianSwitch) {
  composeFunction<HessianSwitch>(tao, kSwitchKey, std::move(hessianSwitch));
}

void taoGNCGSetDataSpaceStep(Tao tao, std::function<void(Vec x, Vec g, Vec p)> step) {
  composeFunction<DataSpaceStepFn>(tao, kDataSpaceKey, std::move(step));
}

bool taoGNCGUsesDataSpace(Tao tao) {
  PetscBool is = PETSC_FALSE;
  PDEINV_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(tao), TAOPDEINVGNCG, &is));
  return is && tao->data && dataOf(tao)->step == kStepDataSpace;
}

GNCGState taoGNCGGetState(Tao tao) {
  return gncgOf(tao, "taoGNCGGetState")->state;
}

void taoGNCGSetState(Tao tao, const GNCGState& state) {
  GNCG* gn = gncgOf(tao, "taoGNCGSetState");
  if (state.iteration < 0) throw InputError("taoGNCGSetState: negative iteration number");
  gn->state = state;
  gn->resume = true;
}

GNCGStatistics taoGNCGGetStatistics(Tao tao) {
  return gncgOf(tao, "taoGNCGGetStatistics")->stats;
}

}  // namespace pdeinv
