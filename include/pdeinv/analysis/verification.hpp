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

// How strict the checks are and where they look (-verify_h0, -verify_steps, -verify_seed; the
// solver tolerance is read off the state solver by verifyInverseProblem).
struct VerificationSettings {
  PetscReal h0 = 0.1;  // first Taylor step; then h0/2, h0/4, ...
  int steps = 8;       // Taylor steps
  PetscReal slopeTolerance = 0.1;
  // Relative tolerance of the linear solves inside the checked maps (0: direct solves, round-
  // off). Values computed through such solves carry relative errors of about this size, so
  // the noise floor of Taylor remainders and the tolerance of dot-product and symmetry tests
  // that pass through solves are derived from it (never fixed numbers a user must tighten the
  // solver to meet).
  PetscReal solverRtol = 0;
  // Relative noise level of a value computed through the solves: max(1e-13, 10 rtol).
  PetscReal relativeNoise() const;
  // Remainders all below this (relative) level: the expansion is exact, max(1e-11, 100 rtol).
  PetscReal exactLevel() const;
  // Tolerance of a dot-product or symmetry test through solves: max(1e-10, 1000 rtol).
  PetscReal solveTolerance() const;
  void validate() const;  // InputError naming the option
};
// The settings the check functions below use (a scope of verifyInverseProblem sets them).
const VerificationSettings& verificationSettings();
void setVerificationSettings(const VerificationSettings& s);

// Strict Taylor verdict. Remainders at or below the noise floor (relativeNoise × valueScale,
// the size of the function values the remainders are differences of: their round-off, or the
// error of the solves they come from; valueScale < 0: scale) are left out; of the slopes
// between the remaining consecutive steps, the last three — the asymptotic range, just before
// the floor — must all be at least `expected` − tolerance (a faster decay means the next-order
// term vanishes; a wrong derivative shows one order less exactly there). Remainders all below
// exactLevel × scale mean the expansion is exact (a linear or quadratic map, or zero): passed,
// and marked exact; so do the last four or more, when they are at least half (a piecewise
// quadratic map such as Huber's loss, whose first steps cross a kink). Fewer than three slopes above the floor otherwise: failed (a larger
// -verify_h0 or more -verify_steps show more of the range). scale < 0: no exactness test and,
// without valueScale, no floor.
void judgeTaylor(CheckResult& r, PetscReal tolerance, PetscReal scale = -1,
                 PetscReal valueScale = -1);

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
// Taylor tests of Φ' and Φ'', their symmetry, and the Gauss–Newton weight: symmetric and
// positive semi-definite.
std::vector<CheckResult> checkMisfit(Misfit& misfit, Vec y, unsigned long seed);
std::vector<CheckResult> checkRegularization(Regularization& R, Vec m, unsigned long seed);
std::vector<CheckResult> checkParameterMap(const ParameterMap& map, Vec m, unsigned long seed);
// Gradient and Hessian Taylor tests and symmetry of a reduced functional (Newton when the
// operator provides second-order terms).
std::vector<CheckResult> checkReducedFunctional(Objective& J, Vec m, unsigned long seed);

// Taylor test of the Gauss–Newton Hessian of an inverse problem (field parameters): vᵀH_GN v
// against ‖Φ''^{1/2} D_h‖² + vᵀR''v with D_h = (F(x+hv) − F(x−hv))/(2h) the central difference
// of the predicted observations — remainder O(h²), slope 2; exact for a forward map linear in
// x. Checks the Jacobian the Gauss–Newton Hessian is built from, which no Newton test covers.
CheckResult checkGaussNewtonHessian(InverseProblem& inv, Vec x, unsigned long seed);

// Every derivative in an inverse problem, checked at its starting point (what -mode verify
// runs): the parameter map, the operator (Jacobians, adjoints, second-order blocks, AD twin),
// the observation, the misfit, the regularization, region embedding, the transient space-time
// tangent/adjoint pair, and the reduced functional (Taylor tests of gradient and Hessians,
// Hessian symmetry). The random directions come from seed (each component its own offset).
// The settings' solverRtol is taken from the state solver (its KSP's rtol, 0 for a direct
// solve).
VerificationReport verifyInverseProblem(InverseProblem& inv, unsigned long seed,
                                        VerificationSettings settings = {});

}  // namespace pdeinv
