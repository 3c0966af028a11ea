#pragma once
// Verification as a library (as ROL's checkGradient/checkHessVec): each check returns what it
// measured — step sizes, Taylor remainders and their slopes, or relative errors — and a
// verdict; a VerificationReport collects them, prints a table and writes verify.json.
//
//   Taylor (gradient)   r1(h) = |J(m+h v) − J(m)|                       slope 1
//                       r2(h) = |J(m+h v) − J(m) − h ⟨∇J, v⟩|           slope 2
//   Taylor (Hessian)    r3(h) = |J(m+h v) − J(m) − h ⟨∇J, v⟩ − ½h² ⟨v, H v⟩|   slope 3
//   dot product         |⟨A x, y⟩ − ⟨x, Aᵀ y⟩| / max(|⟨A x, y⟩|, |⟨x, Aᵀ y⟩|)
//   symmetry            |⟨H x, y⟩ − ⟨x, H y⟩| / max(...)
//   comparison          ‖A − B‖ / ‖B‖ of two computations of one matrix (lhs ‖A − B‖, rhs ‖B‖)
#include <petscvec.h>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace pdeinv {

class Objective;
enum class HessianType;
class SteadySolver;
class ObservationOperator;
class Misfit;
class Regularization;
class ParameterMap;
class InverseProblem;

struct CheckResult {
  std::string component;  // e.g. "reduced functional", "observation points", "operator poisson"
  std::string kind;       // "taylor", "dot_product", "symmetry", "comparison"
  std::string what;       // e.g. "gradient", "hessian (newton)", "B / B^T"
  // Taylor: step sizes, remainders (order `expected`), their slopes; first-order remainders.
  std::vector<PetscReal> h, remainder, slope, firstOrder;
  PetscReal expected = 0;  // expected slope (taylor)
  // dot_product / symmetry: the two numbers and their relative difference.
  PetscReal lhs = 0, rhs = 0, relativeError = 0, tolerance = 0;
  bool passed = false;
  bool exact = false;  // taylor: remainders at round-off (the map is linear / quadratic)
};

class VerificationReport {
 public:
  void add(CheckResult r) { checks_.push_back(std::move(r)); }
  const std::vector<CheckResult>& checks() const { return checks_; }
  bool allPassed() const;
  void print(std::ostream& os) const;
  // JSON: {"checks": [{"component", "kind", "what", "passed", figures...}], "passed": bool}
  void writeJson(const std::string& path) const;

 private:
  std::vector<CheckResult> checks_;
};

// Taylor verdict: at least three consecutive slopes within `tolerance` of `expected` (or above
// expected − tolerance when atLeast) — the asymptotic range, before round-off takes over.
// With scale ≥ 0, remainders all below 1e-11·scale mean the expansion is exact (a linear or
// quadratic map, or zero): passed, and marked exact. scale < 0: no exactness test.
void judgeTaylor(CheckResult& r, PetscReal tolerance, bool atLeast, PetscReal scale = -1);

// Step sizes h0, h0/2, ..., (n of them).
std::vector<PetscReal> halvingSteps(PetscReal h0, int n);

CheckResult checkGradient(Objective& J, Vec m, Vec v, const std::vector<PetscReal>& hs);
CheckResult checkHessian(Objective& J, Vec m, Vec v, HessianType type,
                         const std::vector<PetscReal>& hs);
CheckResult checkHessianSymmetry(Objective& J, Vec m, Vec x, Vec y, HessianType type,
                                 PetscReal tolerance = 1e-10);
// ⟨A x, y⟩ vs ⟨x, Aᵀ y⟩; Ax and ATy are computed by the callbacks into vectors shaped like
// y and x respectively.
CheckResult checkDotProduct(const std::string& component, const std::string& what, Vec x, Vec y,
                            const std::function<void(Vec x, Vec Ax)>& A,
                            const std::function<void(Vec y, Vec ATy)>& AT,
                            PetscReal tolerance = 1e-10);

// Component checks, used by `pdeinv -verify` and the generic derivative tests. Each takes
// random directions from `seed` and returns the checks it made.
// The second-order blocks an operator gives as Jacobian kernels (PdeOperator::secondOrderBlock)
// against the same blocks probed from its second-order residual kernels, at (u, m) with adjoint
// λ: one "comparison" result per given block, ‖W_kernels − W_probed‖_F / ‖W_probed‖_F ≤ 1e-12.
// Part of checkOperator.
std::vector<CheckResult> checkSecondOrderBlocks(SteadySolver& solver, Vec u, Vec m, Vec lambda);
// The operator's kernels against its AD twin (PdeOperator::adTwin, when it has one), at (u, m)
// with adjoint λ and a random direction: R, ∂R/∂u, ∂R/∂m, the second-order residuals and the
// Newton Hessian's blocks, each a "comparison" result (relative difference ≤ 1e-12). Part of
// checkOperator; a wrong hand-written derivative fails here.
std::vector<CheckResult> checkAdTwin(SteadySolver& solver, Vec u, Vec m, Vec lambda,
                                     unsigned long seed);
// checkOperator includes checkOperatorScalars when the operator declares scalar parameters.
std::vector<CheckResult> checkOperator(SteadySolver& solver, Vec m, unsigned long seed);
// ∂R/∂θ (Taylor test of θ ↦ R(u, m; θ)) and, if provided, Σ ∂²R/∂θ∂θ (Taylor test of
// θ ↦ Σ_k w_k ∂R/∂θ_k), at the solver's θ; u must be the solver's last solution for m.
std::vector<CheckResult> checkOperatorScalars(SteadySolver& solver, Vec u, Vec m,
                                              unsigned long seed);
std::vector<CheckResult> checkObservation(const ObservationOperator& B, const std::string& name,
                                          Vec stateLike, unsigned long seed);
std::vector<CheckResult> checkMisfit(Misfit& misfit, Vec y, unsigned long seed);
std::vector<CheckResult> checkRegularization(Regularization& R, Vec m, unsigned long seed);
std::vector<CheckResult> checkParameterMap(const ParameterMap& map, Vec m, unsigned long seed);
// Gradient and Hessian Taylor tests and symmetry of a reduced functional (Newton when the
// operator provides second-order terms).
std::vector<CheckResult> checkReducedFunctional(Objective& J, Vec m, unsigned long seed);

// Every derivative in an inverse problem, checked at its starting point (what -mode verify
// runs): the parameter map, the operator (Jacobians, adjoints, second-order blocks, AD twin),
// the observation, the misfit, the regularization, region embedding, the transient space-time
// tangent/adjoint pair, and the reduced functional (Taylor tests of gradient and Hessians,
// Hessian symmetry). The random directions come from seed (each component its own offset).
VerificationReport verifyInverseProblem(InverseProblem& inv, unsigned long seed);

}  // namespace pdeinv
