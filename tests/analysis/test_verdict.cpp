// The strict Taylor verdict (judgeTaylor): what it accepts and what it rejects, on synthetic
// remainder sequences and on a reduced functional whose Hessian action is deliberately wrong.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "../test_util.hpp"
#include "pdeinv/analysis/verification.hpp"
#include "pdeinv/core/random.hpp"
#include "pdeinv/inverse/objective.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

using namespace pdeinv;
using pdeinv::test::meshPath;
using pdeinv::test::ScopedOptions;

namespace {

// A Taylor result from remainders r(h_i) on halving steps.
CheckResult taylor(PetscReal expected, const std::vector<PetscReal>& remainder) {
  CheckResult r;
  r.kind = "taylor";
  r.expected = expected;
  r.h = halvingSteps(0.1, static_cast<int>(remainder.size()));
  r.remainder = remainder;
  for (size_t i = 0; i + 1 < remainder.size(); ++i)
    r.slope.push_back(std::log(remainder[i] / remainder[i + 1]) / std::log(2.0));
  return r;
}

// Remainders with the given slopes from r0.
std::vector<PetscReal> fromSlopes(PetscReal r0, const std::vector<PetscReal>& slopes) {
  std::vector<PetscReal> r = {r0};
  for (PetscReal s : slopes) r.push_back(r.back() / std::pow(2.0, s));
  return r;
}

}  // namespace

TEST(TaylorVerdict, asymptotic_order_passes) {
  auto r = taylor(3, fromSlopes(1e-2, {3.3, 3.15, 3.05, 3.02, 3.01, 3.0, 3.0}));
  judgeTaylor(r, 0.1, 1.0);
  EXPECT_TRUE(r.passed);
}

TEST(TaylorVerdict, good_early_slopes_then_the_error_order_fail) {
  // The sequence the old verdict (any three slopes >= 2.9) passed: a wrong Hessian whose
  // error shows once h is small.
  auto r = taylor(3, fromSlopes(1e-2, {4.0, 5.0, 6.0, 1.6, 2.2, 2.0, 2.0}));
  judgeTaylor(r, 0.1, 1.0);
  EXPECT_FALSE(r.passed);
  auto g = taylor(2, fromSlopes(1e-2, {2.0, 2.0, 2.0, 1.2, 1.0, 1.0}));
  judgeTaylor(g, 0.1, 1.0);
  EXPECT_FALSE(g.passed);
}

TEST(TaylorVerdict, noise_below_the_floor_is_left_out) {
  // Slope 2 down to 1e-12 (relative to scale 1), then round-off: the noisy tail is not judged.
  auto rem = fromSlopes(1e-4, {2.0, 2.0, 2.0, 2.0});
  for (PetscReal x : {3e-14, 8e-14, 2e-14}) rem.push_back(x);
  auto r = taylor(2, rem);
  judgeTaylor(r, 0.1, 1.0);
  EXPECT_TRUE(r.passed) << "slopes before the floor are 2";
  // ... but too few slopes above the floor is not a pass.
  auto shortRange = taylor(2, {1e-9, 2.5e-10, 4e-14, 5e-14, 3e-14});
  judgeTaylor(shortRange, 0.1, 1.0);
  EXPECT_FALSE(shortRange.passed);
}

TEST(TaylorVerdict, a_kink_crossed_by_the_first_steps_is_exact) {
  // Huber's loss: the first two steps cross a kink, the next five stay in one piece.
  auto r = taylor(3, {2e-3, 4e-5, 3e-14, 1e-14, 5e-14, 2e-14, 1e-14});
  judgeTaylor(r, 0.1, 1.0);
  EXPECT_TRUE(r.passed);
  EXPECT_TRUE(r.exact);
  // Round-off over fewer than half of the steps is no evidence of exactness.
  auto few = taylor(3, {2e-3, 4e-4, 5e-5, 6e-6, 3e-14, 1e-14, 5e-14, 2e-14});
  judgeTaylor(few, 0.1, 1.0);
  EXPECT_TRUE(few.exact);  // four of eight at round-off: half
  auto fewer = taylor(3, {2e-3, 4e-4, 5e-5, 6e-6, 7e-7, 3e-14, 1e-14, 5e-14, 2e-14});
  judgeTaylor(fewer, 0.1, 1.0);
  EXPECT_FALSE(fewer.exact);
}

TEST(TaylorVerdict, remainders_at_round_off_are_exact) {
  auto r = taylor(2, {3e-13, 1e-13, 4e-14, 2e-13, 1e-13});
  judgeTaylor(r, 0.1, 1.0);
  EXPECT_TRUE(r.passed);
  EXPECT_TRUE(r.exact);
}

TEST(TaylorVerdict, floor_follows_the_solver_tolerance) {
  // Values computed through solves at rtol 1e-6 carry errors ~1e-6: remainders of 1e-8 are
  // noise there, signal with direct solves.
  auto rem = fromSlopes(1e-2, {2.0, 2.0, 2.0});
  for (PetscReal x : {1e-6, 3e-7, 2e-6}) rem.push_back(x);  // noise of the iterative solves
  VerificationSettings loose;
  loose.solverRtol = 1e-6;
  const auto saved = verificationSettings();
  setVerificationSettings(loose);
  auto r = taylor(2, rem);
  judgeTaylor(r, 0.1, 1.0);
  setVerificationSettings(saved);
  EXPECT_TRUE(r.passed);
  auto direct = taylor(2, rem);
  judgeTaylor(direct, 0.1, 1.0);
  EXPECT_FALSE(direct.passed) << "with direct solves the same tail is an error";
}

namespace {
// The objective of an inverse problem with its Newton Hessian action perturbed by eps·dx.
class PerturbedHessian : public Objective {
 public:
  PerturbedHessian(Objective& J, PetscReal eps) : J_(J), eps_(eps) {}
  Owned<Vec> createParameterVector() const override { return J_.createParameterVector(); }
  PetscReal value(Vec x) override { return J_.value(x); }
  PetscReal gradient(Vec x, Vec g) override { return J_.gradient(x, g); }
  void hessianApply(Vec x, Vec dx, Vec out, HessianType type) override {
    J_.hessianApply(x, dx, out, type);
    VecAXPY(out, eps_, dx);
  }
  PetscReal misfitValue() const override { return J_.misfitValue(); }
  PetscReal regularizationValue() const override { return J_.regularizationValue(); }
  const SolveCounts& counts() const override { return J_.counts(); }
  Vec state() const override { return J_.state(); }
  bool newtonAvailable() const override { return J_.newtonAvailable(); }

 private:
  Objective& J_;
  PetscReal eps_;
};
}  // namespace

TEST(TaylorVerdict, a_perturbed_hessian_is_rejected_the_exact_one_passes) {
  ScopedOptions o("-mode invert -mesh_file " + meshPath("unit_square_coarse.msh") +
                  " -state_element P2 -parameter_element P1 -truth 1+x*y -obs_type grid "
                  "-obs_grid 4,4 -reg_type bilaplacian -m_init 0.3");
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  auto& J = inv->objective();
  auto m = inv->initialGuess(), v = J.createParameterVector();
  fillRandom(v, 11);
  const auto hs = halvingSteps(0.1, 10);
  const auto exact = checkHessian(J, m, v, HessianType::Newton, hs);
  EXPECT_TRUE(exact.passed) << ::testing::PrintToString(exact.slope) << "\n"
                            << ::testing::PrintToString(exact.remainder);
  // A relative error of about 1e-4 in vᵀHv: invisible at large h, slope 2 at small h.
  auto Hv = J.createParameterVector();
  J.hessianApply(m, v, Hv, HessianType::Newton);
  PetscReal vHv = 0, vv = 0;
  VecDot(v, Hv, &vHv);
  VecDot(v, v, &vv);
  PerturbedHessian wrong(J, 1e-4 * std::abs(vHv) / vv);
  const auto bad = checkHessian(wrong, m, v, HessianType::Newton, hs);
  EXPECT_FALSE(bad.passed) << ::testing::PrintToString(bad.slope);
}
