#include "pdeinv/transient/ksp_linear_solver.hpp"

#include <nvector/nvector_petsc.h>

#include "pdeinv/core/error.hpp"

namespace pdeinv {

namespace {

struct KspContent {
  KSP ksp = nullptr;
  KspSetupCallback setup, prepare;
  PetscInt lastIterations = 0;
  long totalIterations = 0;
  PetscReal lastResidual = 0;
  sunindextype lastFlag = SUNLS_SUCCESS;
  std::exception_ptr failure;  // the PETSc error of a failed KSPSolve
};

KspContent* content(SUNLinearSolver S) {
  return static_cast<KspContent*>(S->content);
}

SUNLinearSolver_Type getType(SUNLinearSolver) {
  return SUNLINEARSOLVER_MATRIX_EMBEDDED;
}
SUNLinearSolver_ID getId(SUNLinearSolver) {
  return SUNLINEARSOLVER_CUSTOM;
}

// ARKODE hands an operator-product routine to every non-direct solver (and requires the hook
// for a mass solver with ARKStepSetMassTimes); the KSP applies its own assembled operator.
int setATimes(SUNLinearSolver, void*, SUNATimesFn) {
  return SUNLS_SUCCESS;
}

// Accepts ARKODE's preconditioner hooks without calling them: registering any preconditioner
// setup (ARKStepSetPreconditioner) is what keeps ARKODE 6 calling setup() for a solver without
// a SUNMatrix; the KSP's own preconditioner is used.
int setPreconditioner(SUNLinearSolver, void*, SUNPSetupFn, SUNPSolveFn) {
  return SUNLS_SUCCESS;
}

int setup(SUNLinearSolver S, SUNMatrix) {
  auto* c = content(S);
  int flag = 0;
  try {
    flag = c->setup ? c->setup() : 0;
  } catch (...) {
    flag = -1;
  }
  c->lastFlag =
      flag == 0 ? SUNLS_SUCCESS : (flag > 0 ? SUNLS_PSET_FAIL_REC : SUNLS_PSET_FAIL_UNREC);
  return static_cast<int>(c->lastFlag);
}

int solve(SUNLinearSolver S, SUNMatrix, N_Vector x, N_Vector b, realtype) {
  auto* c = content(S);
  Vec xv = N_VGetVector_Petsc(x), bv = N_VGetVector_Petsc(b);
  if (c->prepare) {
    int flag = 0;
    try {
      flag = c->prepare();
    } catch (...) {
      flag = -1;
    }
    if (flag != 0) {
      c->lastFlag = flag > 0 ? SUNLS_PSET_FAIL_REC : SUNLS_PSET_FAIL_UNREC;
      return static_cast<int>(c->lastFlag);
    }
  }
  try {
    PDEINV_CALL(KSPSolve(c->ksp, bv, xv));
  } catch (const PetscFailure&) {
    c->failure = std::current_exception();
    c->lastFlag = SUNLS_PACKAGE_FAIL_UNREC;
    return SUNLS_PACKAGE_FAIL_UNREC;
  }
  KSPConvergedReason reason;
  KSPGetConvergedReason(c->ksp, &reason);
  KSPGetIterationNumber(c->ksp, &c->lastIterations);
  KSPGetResidualNorm(c->ksp, &c->lastResidual);
  c->totalIterations += c->lastIterations;
  c->lastFlag = reason < 0 ? SUNLS_CONV_FAIL : SUNLS_SUCCESS;
  return static_cast<int>(c->lastFlag);
}

int numIters(SUNLinearSolver S) {
  return static_cast<int>(content(S)->lastIterations);
}
realtype resNorm(SUNLinearSolver S) {
  return content(S)->lastResidual;
}
sunindextype lastFlag(SUNLinearSolver S) {
  return content(S)->lastFlag;
}
int freeSolver(SUNLinearSolver S) {
  if (!S) return SUNLS_SUCCESS;
  delete content(S);
  S->content = nullptr;
  SUNLinSolFreeEmpty(S);
  return SUNLS_SUCCESS;
}

}  // namespace

SUNLinearSolver createKspLinearSolver(SUNContext ctx, KSP ksp, KspSetupCallback setupFn,
                                      KspSetupCallback prepareFn) {
  SUNLinearSolver S = SUNLinSolNewEmpty(ctx);
  if (!S) return nullptr;
  S->ops->gettype = getType;
  S->ops->getid = getId;
  S->ops->setatimes = setATimes;
  S->ops->setpreconditioner = setPreconditioner;
  S->ops->setup = setup;
  S->ops->solve = solve;
  S->ops->numiters = numIters;
  S->ops->resnorm = resNorm;
  S->ops->lastflag = lastFlag;
  S->ops->free = freeSolver;
  auto* c = new KspContent;
  c->ksp = ksp;
  c->setup = std::move(setupFn);
  c->prepare = std::move(prepareFn);
  S->content = c;
  return S;
}

std::exception_ptr kspLinearSolverFailure(SUNLinearSolver S) {
  return content(S)->failure;
}

long kspLinearSolverIterations(SUNLinearSolver S) {
  return content(S)->totalIterations;
}

}  // namespace pdeinv
