// The inversion workflow built from code: InversionSettings filled in a program, validated
// with errors that name the option, and an Inversion that runs and reports.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <memory>
#include "../test_util.hpp"

#include "pdeinv/core/error.hpp"
#include "pdeinv/inverse/regularization.hpp"
#include "pdeinv/physics/pde_operator.hpp"
#include "pdeinv/problem/inverse_problem.hpp"
#include "pdeinv/workflow/evaluation.hpp"
#include "pdeinv/workflow/identify_run.hpp"
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

// The same problem from code (SteadyProblem::create, InverseProblem::create with components
// built by the program) and from options: the same objective value and gradient, and an
// Inversion of the coded problem converges.
TEST(InverseProblemFromCode, equals_the_options_built_problem_and_inverts) {
  const std::string opts =
      "-mesh_faces 6,6 -state_element P2 -parameter_element P1 -poisson_source 10 "
      "-truth 1+x*y -obs_type grid -obs_grid 4,4 -obs_grid_lower 0.1,0.1 "
      "-obs_grid_upper 0.9,0.9 -noise_sigma 0.01 -reg_type h1 -reg_gamma 0.5 -reg_delta 0.1";
  ScopedOptions o(opts);
  auto fromOpts = InverseProblem::fromOptions(PETSC_COMM_WORLD);

  // The forward model: a box mesh, Poisson with source 10, P2/P1, u = 0 on the boundary.
  BoxSpec box;
  box.faces = {6, 6};
  SteadyProblemSpec fs;
  fs.op = operatorRegistry().create("poisson");
  fs.stateElement = "P2";
  fs.parameterElement = "P1";
  DirichletBC bc;
  bc.label = "boundary";
  bc.values = {1};
  bc.value = std::make_shared<Expression>("0", "test");
  fs.dirichlet.push_back(bc);
  fs.data["source"] = "10";
  InverseProblemSpec spec;
  spec.forward = SteadyProblem::create(Mesh::box(PETSC_COMM_WORLD, box), std::move(fs));
  // The same sensors and the same data (the options-built problem's noisy data).
  std::vector<std::array<PetscReal, 3>> points;
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 4; ++i) points.push_back({0.1 + 0.8 * i / 3.0, 0.1 + 0.8 * j / 3.0, 0});
  spec.observation = makePointObservation(spec.forward->state(), points, "test sensors");
  spec.data = spec.observation->createObservationVector();
  spec.observation->fromOriginalOrder(fromOpts->observation().toOriginalOrder(fromOpts->data()),
                                      spec.data);
  spec.sigma = spec.observation->createObservationVector();
  PDEINV_CALL(VecSet(spec.sigma, 0.01));
  RegularizationSettings rs;
  rs.gamma = 0.5;
  rs.delta = 0.1;
  spec.regularization = makeH1Regularization(spec.forward->parameter(), rs);
  auto coded = InverseProblem::create(std::move(spec));

  // J and ∇J at the same parameter field agree.
  auto xo = fromOpts->initialGuess(), xc = coded->initialGuess();
  PDEINV_CALL(VecSet(xo, 0.2));
  PDEINV_CALL(VecSet(xc, 0.2));
  auto go = fromOpts->objective().createParameterVector();
  auto gc = coded->objective().createParameterVector();
  const PetscReal Jo = fromOpts->objective().gradient(xo, go);
  const PetscReal Jc = coded->objective().gradient(xc, gc);
  EXPECT_NEAR(Jc, Jo, 1e-10 * std::abs(Jo));
  PetscReal no = 0, nc = 0;
  PDEINV_CALL(VecNorm(go, NORM_2, &no));
  PDEINV_CALL(VecNorm(gc, NORM_2, &nc));
  EXPECT_NEAR(nc, no, 1e-9 * no);

  InversionSettings s;
  s.monitor = false;
  Inversion inv(*coded, s);
  const auto& r = inv.run();
  EXPECT_TRUE(r.converged);
}

TEST(InverseProblemFromCode, missing_or_mismatched_parts_are_input_errors) {
  InverseProblemSpec spec;
  EXPECT_THROW(InverseProblem::create(std::move(spec)), InputError);
  SteadyProblemSpec fs;  // no operator
  EXPECT_THROW(SteadyProblem::create(Mesh::box(PETSC_COMM_WORLD, BoxSpec{}), std::move(fs)),
               InputError);
  SteadyProblemSpec bad;
  bad.op = operatorRegistry().create("poisson");
  bad.data["sauce"] = "1";
  try {
    SteadyProblem::create(Mesh::box(PETSC_COMM_WORLD, BoxSpec{}), std::move(bad));
    ADD_FAILURE() << "an unknown data field was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no data field 'sauce'"), std::string::npos) << e.what();
  }
}

// -mode identify from code: IdentifySettings filled in a program (no output directory), the
// spectrum of a parameter field, and the settings' checks naming the option.
TEST(IdentifyFromCode, field_spectrum_with_settings_made_in_code) {
  ScopedOptions o(kProblem);
  auto problem = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  IdentifySettings s;
  s.eigen.rank = 30;
  s.outputDirectory = "";
  EXPECT_TRUE(identify(*problem, s).converged);
  auto refused = [&](IdentifySettings bad, const std::string& naming) {
    try {
      identify(*problem, bad);
      ADD_FAILURE() << "accepted, expected an error naming " << naming;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(naming), std::string::npos) << e.what();
    }
  };
  IdentifySettings bad = s;
  bad.eigen.rank = 0;
  refused(bad, "-identify_rank");
  bad = s;
  bad.at = "middle";
  refused(bad, "-identify_at must be init or truth");
  bad = s;
  bad.scalars.nullTolerance = 2;
  refused(bad, "-identify_null_tol");
}
