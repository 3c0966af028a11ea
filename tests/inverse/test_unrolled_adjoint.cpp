// The unrolled adjoint (-adjoint unrolled) against the implicit one, at 1 and 2 ranks:
//  - converged Newton (the default tolerances): both gradients pass the reduced functional's
//    Taylor test and agree with each other to the solver tolerance;
//  - a fixed number of Newton iterations (the truncated solver map u_K(m) from u_0 = 0): the
//    unrolled gradient is the exact derivative of what was computed (Taylor slope 2, and it
//    matches a central difference), while the implicit gradient at the same unconverged state
//    is visibly wrong;
//  - an operator linear in u (one Newton step): the two are the same gradient.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "../test_util.hpp"
#include "pdeinv/analysis/derivative_check.hpp"
#include "pdeinv/analysis/verification.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

using namespace pdeinv;
using pdeinv::test::ScopedOptions;

namespace {

const std::string kNonlinear =
    "-mesh_faces 8,8 -state_element Q1 -parameter_element Q1 -operator_type nonlinear_diffusion "
    "-nonlinear_diffusion_source 20 -truth 0.5+0.3*sin(3*x)*y -obs_type grid -obs_grid 5,5 "
    "-noise_relative 0.01 -reg_type h1 -reg_gamma 0.001 -m_init 0.2 -state_ksp_rtol 1e-13";

PetscReal dot(Vec a, Vec b) {
  PetscScalar d = 0;
  PDEINV_CALL(VecDot(a, b, &d));
  return d;
}

void expectGradientTaylorPasses(Objective& J, Vec m, const std::string& context) {
  for (const auto& c : checkReducedFunctional(J, m, 17)) {
    std::ostringstream s;
    for (PetscReal x : c.slope) s << ' ' << x;
    EXPECT_TRUE(c.passed) << context << ": " << c.what << s.str() << " rel. error "
                          << c.relativeError;
  }
}

}  // namespace

TEST(UnrolledAdjoint, converged_newton_gives_the_implicit_gradient) {
  ScopedOptions o(kNonlinear);
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  auto* J = inv->steadyObjective();
  auto m = inv->initialGuess();
  auto gImplicit = J->createParameterVector(), gUnrolled = J->createParameterVector();
  J->gradient(m, gImplicit);
  const auto adjointsImplicit = J->counts().adjoint;
  J->setAdjointMode(AdjointMode::Unrolled);
  J->gradient(m, gUnrolled);
  const auto iterations = inv->forward().solver().history().iterations();
  EXPECT_GE(iterations, 3);  // the problem is nonlinear enough to need several Newton steps
  // One transpose solve per executed Newton iteration.
  EXPECT_EQ(J->counts().adjoint - adjointsImplicit, iterations);
  const PetscReal diff = relativeDifference(gUnrolled, gImplicit);
  PetscPrintf(PETSC_COMM_WORLD,
              "converged Newton (%d iterations): |g_unrolled - g_implicit| / "
              "|g_implicit| = %.2e\n",
              static_cast<int>(iterations), diff);
  EXPECT_LT(diff, 1e-8);
  EXPECT_FALSE(J->newtonAvailable());
  expectGradientTaylorPasses(*J, m, "unrolled, converged");
}

TEST(UnrolledAdjoint, is_the_exact_derivative_of_truncated_newton) {
  // Two Newton iterations from u_0 = 0, whatever the residual: u_2(m) is far from converged.
  ScopedOptions o(kNonlinear + " -state_snes_convergence_test skip -state_snes_max_it 2");
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  auto* J = inv->steadyObjective();
  auto m = inv->initialGuess();
  J->setAdjointMode(AdjointMode::Unrolled);
  expectGradientTaylorPasses(*J, m, "unrolled, 2 Newton iterations");
  EXPECT_EQ(inv->forward().solver().history().iterations(), 2);

  // A central difference of the truncated map along a smooth direction.
  auto dm = J->createParameterVector();
  inv->parameterSpace().interpolate(Expression("sin(2*x)*cos(y)", "dm"), dm);
  const PetscReal h = 1e-4;
  auto mp = J->createParameterVector(), mm = J->createParameterVector();
  PDEINV_CALL(VecWAXPY(mp, h, dm, m));
  PDEINV_CALL(VecWAXPY(mm, -h, dm, m));
  const PetscReal fd = (J->value(mp) - J->value(mm)) / (2 * h);

  auto g = J->createParameterVector();
  J->gradient(m, g);
  const PetscReal unrolled = dot(g, dm);
  // The implicit gradient at the same unconverged state u_2(m) (a mode switch restarts from
  // u_0 = 0, so the implicit solve computes the same two iterations).
  J->setAdjointMode(AdjointMode::Implicit);
  J->gradient(m, g);
  const PetscReal implicit = dot(g, dm);
  const PetscReal errUnrolled = std::abs(unrolled - fd) / std::abs(fd);
  const PetscReal errImplicit = std::abs(implicit - fd) / std::abs(fd);
  PetscPrintf(PETSC_COMM_WORLD,
              "2 Newton iterations: directional derivative vs central difference: unrolled "
              "%.2e, implicit %.2e (relative)\n",
              errUnrolled, errImplicit);
  EXPECT_LT(errUnrolled, 1e-6);
  EXPECT_GT(errImplicit, 1e-3);
}

// f = 100: Newton from u_0 = 0 damps its first steps. Four iterations with each line search: with
// pdeinv's halving the step lengths are piecewise constant in m and the unrolled gradient stays
// the exact derivative; PETSc's bt interpolates them from residual norms, a dependence on m that
// the unrolled gradient (holding step lengths fixed) leaves out.
TEST(UnrolledAdjoint, is_exact_through_damped_steps_of_the_halving_line_search) {
  PetscReal error[2] = {0, 0};
  int index = 0;
  for (const std::string type : {"halving", "bt"}) {
    ScopedOptions o(kNonlinear +
                    " -nonlinear_diffusion_source 100 -state_snes_convergence_test skip "
                    "-state_snes_max_it 4 -state_snes_linesearch_type " +
                    type);
    auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
    auto* J = inv->steadyObjective();
    auto m = inv->initialGuess();
    J->setAdjointMode(AdjointMode::Unrolled);
    const PetscReal h = 1e-4;
    auto dm = J->createParameterVector(), mp = J->createParameterVector();
    auto mm = J->createParameterVector(), g = J->createParameterVector();
    inv->parameterSpace().interpolate(Expression("sin(2*x)*cos(y)", "dm"), dm);
    PDEINV_CALL(VecWAXPY(mp, h, dm, m));
    PDEINV_CALL(VecWAXPY(mm, -h, dm, m));
    const PetscReal fd = (J->value(mp) - J->value(mm)) / (2 * h);
    J->gradient(m, g);
    const auto& alpha = inv->forward().solver().history().stepLengths;
    ASSERT_EQ(alpha.size(), 4u);
    EXPECT_LT(alpha[0], 1.0) << type << ": the first Newton step is damped";
    error[index++] = std::abs(dot(g, dm) - fd) / std::abs(fd);
    PetscPrintf(PETSC_COMM_WORLD,
                "f = 100, 4 Newton steps, %s (alpha_0 = %g): unrolled gradient vs central "
                "difference %.2e\n",
                type.c_str(), static_cast<double>(alpha[0]), error[index - 1]);
    if (type == "halving") expectGradientTaylorPasses(*J, m, "unrolled, halving");
  }
  EXPECT_LT(error[0], 1e-6);
  EXPECT_GT(error[1], 1e-4);  // bt's interpolated step lengths depend on m
}

TEST(UnrolledAdjoint, equals_the_implicit_gradient_for_a_linear_operator) {
  ScopedOptions o(
      "-mesh_faces 6,6 -state_element Q1 -parameter_element Q1 -truth 0.3*x -obs_type grid "
      "-obs_grid 4,4 -noise_relative 0.01 -reg_type h1 -reg_gamma 0.01 -m_init 0.1 "
      "-state_ksp_rtol 1e-13");
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  auto* J = inv->steadyObjective();
  auto m = inv->initialGuess();
  auto gImplicit = J->createParameterVector(), gUnrolled = J->createParameterVector();
  J->gradient(m, gImplicit);
  J->setAdjointMode(AdjointMode::Unrolled);
  J->gradient(m, gUnrolled);
  EXPECT_EQ(inv->forward().solver().history().iterations(), 1);
  EXPECT_LT(relativeDifference(gUnrolled, gImplicit), 1e-10);
}
