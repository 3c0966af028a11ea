// transient: the heat equation u̇ − ∇·(e^m ∇u) = f as M u̇ = −R(u, m) with the Poisson operator,
// integrated by TransientSolver (ARKStep DIRK, FE mass matrix, KSP-wrapped linear solvers) —
// temporal convergence orders of the fixed-step tableaux, adaptive steps meeting their
// tolerance, and bad input — at 1 and 2 ranks.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "heat_fixture.hpp"
#include "pdeinv/core/error.hpp"

using namespace pdeinv;
using pdeinv::test::Heat;
using pdeinv::test::maxDifference;
using pdeinv::test::ScopedOptions;

namespace {

constexpr PetscReal kFinalTime = 0.1;

TEST(Transient, FixedStepOrders) {
  Heat h(4);  // the temporal error does not need a fine mesh
  // The temporal error alone: against the same discretisation with a much smaller step.
  const auto ref = h.run("-ts_final_time 0.1 -ts_tableau esdirk4 -ts_dt 0.0001");
  // Sanity: the reference is close to the exact solution (spatial error of Q2, h = 1/8).
  auto exact = h.V->createVector();
  h.V->interpolate(Expression("exp(-2*9.869604401089358*0.1)*sin(3.141592653589793*x)*"
                              "sin(3.141592653589793*y)",
                              "exact"),
                   exact);
  EXPECT_LT(maxDifference(ref, exact), 1e-3);

  // Steps of 0.1/n for n = n0, 2n0, 4n0 (SDIRK2 is still pre-asymptotic at n = 10).
  const struct {
    const char* name;
    double order;
    int n0;
  } cases[] = {{"sdirk2", 2, 20}, {"esdirk3", 3, 10}, {"esdirk4", 4, 10}};
  for (const auto& c : cases) {
    std::vector<PetscReal> errors;
    for (int n : {c.n0, 2 * c.n0, 4 * c.n0}) {
      const auto u = h.run("-ts_final_time 0.1 -ts_tableau " + std::string(c.name) + " -ts_dt " +
                           std::to_string(kFinalTime / n));
      errors.push_back(maxDifference(u, ref));
    }
    const double order = std::log2(errors[1] / errors[2]);
    PetscPrintf(PETSC_COMM_WORLD, "%s: errors %.3e %.3e %.3e, orders %.3f %.3f\n", c.name,
                errors[0], errors[1], errors[2], std::log2(errors[0] / errors[1]), order);
    EXPECT_NEAR(order, c.order, 0.2) << c.name;
  }
}

TEST(Transient, AdaptiveMeetsTolerance) {
  Heat h(4);  // the temporal error does not need a fine mesh
  const auto ref = h.run("-ts_final_time 0.1 -ts_tableau esdirk4 -ts_dt 0.0001");
  for (const char* tableau : {"sdirk2", "esdirk3", "esdirk4"}) {
    size_t looseSteps = 0, tightSteps = 0;
    const std::string common =
        std::string("-ts_final_time 0.1 -ts_adapt 1 -ts_dt 1e-4 -ts_atol 1e-10 -ts_tableau ") +
        tableau;
    const auto loose = h.run(common + " -ts_rtol 1e-3", &looseSteps);
    const auto tight = h.run(common + " -ts_rtol 1e-5", &tightSteps);
    const PetscReal eLoose = maxDifference(loose, ref), eTight = maxDifference(tight, ref);
    PetscPrintf(PETSC_COMM_WORLD,
                "%s adaptive: rtol 1e-3: %zu steps, error %.3e; "
                "rtol 1e-5: %zu steps, error %.3e\n",
                tableau, looseSteps, eLoose, tightSteps, eTight);
    // Local error control: the global error is within a modest factor of rtol·max|u| (≤ 1).
    EXPECT_LT(eLoose, 10 * 1e-3) << tableau;
    EXPECT_LT(eTight, 10 * 1e-5) << tableau;
    EXPECT_LT(eTight, eLoose) << tableau;
    EXPECT_LT(looseSteps, tightSteps) << tableau;
  }
}

// A Newton KSP that cannot converge is reported to ARKODE (SUNLS_CONV_FAIL); with fixed steps it
// cannot recover, and the solve raises ForwardSolveFailure on every rank.
TEST(Transient, LinearSolverFailure) {
  Heat h(4);  // the temporal error does not need a fine mesh
  try {
    h.run("-ts_final_time 0.1 -ts_dt 0.01 -ts_newton_ksp_max_it 1 -ts_newton_pc_type none");
    ADD_FAILURE() << "no ForwardSolveFailure";
  } catch (const ForwardSolveFailure& e) {
    PetscPrintf(PETSC_COMM_WORLD, "%s\n", e.what());
    EXPECT_NE(std::string(e.what()).find("ARKStepEvolve"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("convergence test failed"), std::string::npos) << e.what();
  }
}

void expectInputError(const std::string& options, const std::string& message) {
  Heat h(4);  // the temporal error does not need a fine mesh
  ScopedOptions o(options);
  try {
    h.solver();
    ADD_FAILURE() << "no InputError for " << options;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST(Transient, BadInput) {
  expectInputError("-ts_dt -0.1", "-ts_dt must be positive, got -0.1");
  expectInputError("-ts_dt 0", "-ts_dt must be positive, got 0");
  expectInputError("-ts_final_time 0", "-ts_final_time must be positive, got 0");
  expectInputError("-ts_final_time -1", "-ts_final_time must be positive, got -1");
  expectInputError("-ts_tableau rk4",
                   "unknown tableau 'rk4' (-ts_tableau); available: sdirk2, esdirk3, esdirk4");
}

}  // namespace
