// Operators from their residual alone: forward-mode AD at the quadrature point
// (physics/ad_operator.hpp) supplies ∂R/∂u, ∂R/∂m, the second-order terms and the Newton
// Hessian's blocks.
#include <gtest/gtest.h>

#include <sstream>

#include "../test_util.hpp"
#include "pdeinv/analysis/verification.hpp"
#include "pdeinv/fem/expression.hpp"
#include "pdeinv/forward/steady_problem.hpp"
#include "pdeinv/physics/ad_operator.hpp"
#include "pdeinv/physics/kernels.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

using namespace pdeinv;
using pdeinv::test::meshPath;
using pdeinv::test::ScopedOptions;

namespace {

// −Δu + e^m u + u³ = f: nonlinear in u (W_uu ≠ 0), the parameter in a reaction term. The whole
// operator is these lines.
struct CubicReaction : AdPhysics {
  static constexpr const char* name = "ad_cubic_reaction";
  static constexpr int numDataFields = 1;
  static constexpr bool spdElliptic = true, symmetricJacobian = true;
  static constexpr int stateComponents(int) { return 1; }
  static constexpr int parameterComponents(int) { return 1; }
  static std::vector<PdeOperator::DataField> dataFields() { return {{"source", "1", "f"}}; }
  template <class T>
  static void residual(const PointArgs<T>& p, T f0[], T f1[]) {
    f0[0] = exp(p.m[0]) * p.u[0] + p.u[0] * p.u[0] * p.u[0] - p.data[0][0];
    for (int k = 0; k < p.dim; ++k) f1[k] = p.grad_u[k];
  }
};

// The same operator with a hand-written ∂R/∂u that is 1 % off in its stiffness block: the
// comparison with its AD twin must catch it.
void wrongStiffness(PDEINV_POINT_G(g3)) {
  for (PetscInt d = 0; d < dim; ++d) g3[d * dim + d] = 1.01;
}
class WrongCubicReaction final : public AdOperator<CubicReaction> {
 public:
  std::string name() const override { return "ad_cubic_reaction_wrong"; }
  JacobianKernels stateJacobian() const override {
    JacobianKernels k = AdOperator<CubicReaction>::stateJacobian();
    k.g3 = wrongStiffness;
    k.all = nullptr;  // the separate kernels: AD g0 (e^m + 3u²), the wrong g3
    return k;
  }
};

const std::string kMesh =
    "-mesh_file " + meshPath("unit_square_coarse.msh") + " -state_element P2 -parameter_element P1";

void registerOnce() {
  static const bool done = [] {
    registerAdOperator<CubicReaction>("-lap u + exp(m) u + u^3 = f (test, AD only)");
    operatorRegistry().add(
        "ad_cubic_reaction_wrong", [] { return std::make_unique<WrongCubicReaction>(); },
        "ad_cubic_reaction with a wrong hand-written stiffness block (test)");
    return true;
  }();
  (void)done;
}

std::string describe(const CheckResult& c) {
  std::ostringstream s;
  s << c.component << " " << c.kind << " " << c.what;
  if (c.kind == "taylor") {
    s << " slopes";
    for (PetscReal v : c.slope) s << ' ' << v;
  } else {
    s << " rel. error " << c.relativeError;
  }
  return s.str();
}

std::vector<CheckResult> operatorChecks(const std::string& op, const std::string& extra = "") {
  ScopedOptions o(kMesh + " -operator_type " + op +
                  " -state_ksp_rtol 1e-13 -state_snes_rtol 1e-12 " + extra);
  auto p = SteadyProblem::fromOptions(PETSC_COMM_WORLD);
  auto m = p->parameter().createVector();
  p->parameter().interpolate(Expression("0.3*sin(3*x) + 0.5*y", "-m"), m);
  return checkOperator(p->solver(), m, 11);
}

}  // namespace

TEST(AdOperator, residual_only_operator_passes_the_generic_operator_checks) {
  registerOnce();
  const auto checks = operatorChecks("ad_cubic_reaction", "-ad_cubic_reaction_source 1+x*y");
  int taylor = 0;
  for (const auto& c : checks) {
    EXPECT_TRUE(c.passed) << describe(c);
    taylor += c.kind == "taylor";
  }
  EXPECT_GE(taylor, 2);
}

TEST(AdOperator, residual_only_operator_has_an_exact_newton_hessian) {
  registerOnce();
  ScopedOptions o(kMesh +
                  " -operator_type ad_cubic_reaction -state_snes_rtol 1e-12 -state_ksp_rtol 1e-13 "
                  "-truth 0.5+0.4*sin(3*x)*y -obs_type grid -obs_grid 6,6 -noise_relative 0.01 "
                  "-m_init 0.2 -reg_type h1 -reg_gamma 1e-2");
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  ASSERT_TRUE(inv->objective().newtonAvailable());
  auto m = inv->initialGuess();
  const auto checks = checkReducedFunctional(inv->objective(), m, 61);
  bool sawNewton = false;
  for (const auto& c : checks) {
    EXPECT_TRUE(c.passed) << describe(c);
    if (c.kind == "taylor" && c.what == "hessian (newton)") {
      sawNewton = true;
      int third = 0;
      for (PetscReal s : c.slope) third += s >= 2.9;
      EXPECT_GE(third, 3) << describe(c);
    }
  }
  EXPECT_TRUE(sawNewton);
}

TEST(AdOperator, poisson_hand_kernels_equal_their_ad_twin) {
  int compared = 0;
  for (const auto& c : operatorChecks("poisson", "-poisson_source 1+x")) {
    EXPECT_TRUE(c.passed) << describe(c);
    if (c.kind == "comparison" && c.what.find("hand = AD") != std::string::npos) {
      ++compared;
      EXPECT_LE(c.relativeError, 1e-13) << describe(c);
    }
  }
  EXPECT_EQ(compared, 7);  // R, ∂R/∂u, ∂R/∂m, two second-order residuals, W_um, W_mm
}

TEST(AdOperator, a_taken_name_is_refused) {
  registerOnce();
  try {
    registerAdOperator<CubicReaction>("again");
    FAIL() << "a second registration under the same name was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'ad_cubic_reaction' is already registered"),
              std::string::npos)
        << e.what();
  }
}

TEST(AdOperator, a_wrong_hand_kernel_is_caught_by_the_comparison_with_its_ad_twin) {
  registerOnce();
  bool caught = false;
  for (const auto& c : operatorChecks("ad_cubic_reaction_wrong")) {
    if (c.what == "dR/du hand = AD") {
      caught = !c.passed && c.relativeError > 1e-4;
      EXPECT_FALSE(c.passed) << describe(c);
    } else if (c.kind == "comparison") {
      EXPECT_TRUE(c.passed) << describe(c);  // only the stiffness block is wrong
    }
  }
  EXPECT_TRUE(caught);
}
