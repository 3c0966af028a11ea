#include "pdeinv/forward/line_search.hpp"

// A new line-search type needs PETSc's implementation header (that is how PETSc's own types are
// written): the registered constructor installs the apply function.
#include <petsc/private/linesearchimpl.h>

#include "pdeinv/core/error.hpp"

namespace pdeinv {
namespace {

constexpr PetscReal kSufficientDecrease = 1e-4;

PetscErrorCode applyHalving(SNESLineSearch ls) {
  Vec X = nullptr, F = nullptr, Y = nullptr, W = nullptr, G = nullptr;
  SNES snes = nullptr;
  PetscReal xnorm = 0, fnorm = 0, ynorm = 0, lambda = 1;
  PetscReal minlambda = 0, maxstep = 0, rtol = 0, atol = 0, ltol = 0;
  PetscInt maxIts = 0;
  PetscFunctionBeginUser;
  PetscCall(SNESLineSearchGetVecs(ls, &X, &F, &Y, &W, &G));
  PetscCall(SNESLineSearchGetNorms(ls, &xnorm, &fnorm, &ynorm));
  PetscCall(SNESLineSearchGetSNES(ls, &snes));
  PetscCall(SNESLineSearchGetLambda(ls, &lambda));  // the damping, 1 unless set
  PetscCall(SNESLineSearchGetTolerances(ls, &minlambda, &maxstep, &rtol, &atol, &ltol, &maxIts));
  PetscCall(VecNorm(Y, NORM_2, &ynorm));
  const PetscReal f0 = fnorm * fnorm;
  PetscReal gnorm = 0;
  for (;;) {
    PetscCall(VecWAXPY(W, -lambda, Y, X));
    PetscCall(SNESComputeFunction(snes, W, G));
    PetscBool domainError = PETSC_FALSE;
    PetscCall(SNESGetFunctionDomainError(snes, &domainError));
    if (!domainError) {
      PetscCall(VecNorm(G, NORM_2, &gnorm));
      if (gnorm * gnorm <= (1 - 2 * kSufficientDecrease * lambda) * f0) break;
    }
    lambda *= 0.5;
    if (lambda < minlambda) {
      PetscCall(PetscInfo(snes, "halving line search: no sufficient decrease above lambda %g\n",
                          static_cast<double>(minlambda)));
      PetscCall(SNESLineSearchSetReason(ls, SNES_LINESEARCH_FAILED_REDUCT));
      PetscFunctionReturn(0);
    }
  }
  PetscCall(VecCopy(W, X));
  PetscCall(VecCopy(G, F));
  PetscCall(VecNorm(X, NORM_2, &xnorm));
  PetscCall(SNESLineSearchSetLambda(ls, lambda));
  PetscCall(SNESLineSearchSetNorms(ls, xnorm, gnorm, ynorm));
  PetscFunctionReturn(0);
}

PetscErrorCode createHalving(SNESLineSearch ls) {
  PetscFunctionBeginUser;
  ls->ops->apply = applyHalving;
  ls->ops->destroy = nullptr;
  ls->ops->setfromoptions = nullptr;
  ls->ops->reset = nullptr;
  ls->ops->view = nullptr;
  ls->ops->setup = nullptr;
  PetscFunctionReturn(0);
}

}  // namespace

void registerHalvingLineSearch() {
  static bool registered = false;
  if (registered) return;
  PDEINV_CALL(SNESLineSearchRegister("halving", createHalving));
  registered = true;
}

}  // namespace pdeinv
