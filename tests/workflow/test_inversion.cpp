// The inversion workflow built from code: InversionSettings filled in a program, validated
// with errors that name the option, and an Inversion that runs and reports.
#include <gtest/gtest.h>

#include "../test_util.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/problem/inverse_problem.hpp"
#include "pdeinv/workflow/evaluation.hpp"
#include "pdeinv/workflow/inversion.hpp"

using namespace pdeinv;
using pdeinv::test::ScopedOptions;

namespace {
const char* kProblem =
    "-mesh_faces 8,8 -state_element P2 -truth 1+x*y -obs_type grid -obs_grid 5,5 "
    "-reg_type bilaplacian -tao_gttol 1e-8";

void expectRefused(InversionSettings s, const std::string& naming) {
  try {
    s.validate();
    ADD_FAILURE() << "accepted, expected an error naming " << naming;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(naming), std::string::npos) << e.what();
  }
}
}  // namespace

TEST(InversionFromCode, settings_are_validated_naming_the_option) {
  InversionSettings s;
  s.weight = -1;
  expectRefused(s, "-reg_weight");
  s = {};
  s.morozovRtol = 0;
  expectRefused(s, "-morozov_rtol");
  s = {};
  s.lcurveWeights = {1, 0};
  expectRefused(s, "-lcurve_weights");
  s = {};
  s.checkpointEvery = 2;  // without an output directory
  expectRefused(s, "-checkpoint_every needs an -output directory");
  s = {};
  s.lowerBound = 2;
  s.upperBound = 1;
  expectRefused(s, "-bound_lower");
}

TEST(InversionFromCode, runs_with_settings_made_in_code_and_evaluates_its_estimate) {
  ScopedOptions o(kProblem);
  auto problem = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  InversionSettings s;  // defaults: Gauss–Newton, fixed weight 1, no output
  s.monitor = false;
  s.hessian = HessianType::Newton;
  Inversion inversion(*problem, s);
  const auto& r = inversion.run();
  EXPECT_TRUE(r.converged) << r.reason;
  EXPECT_GT(r.iterations, 0);
  EXPECT_GT(r.misfitRatio, 0);
  EXPECT_GE(r.relativeError, 0);
  EXPECT_EQ(r.estimateAtObservationPoints.size(), 25u);
  // The objective at the estimate, evaluated again: the run's final cost.
  const auto e = evaluateObjective(*problem, r.x);
  EXPECT_NEAR(e.cost, r.cost, 1e-12 * r.cost);
  EXPECT_THROW(inversion.run(), Error) << "an Inversion runs once";
}
