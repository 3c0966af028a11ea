// Choosing the regularization weight: Morozov's discrepancy principle finds β with the misfit
// at its target, and the L-curve corner is the point of largest curvature — on model curves
// whose answers are known.
#include <gtest/gtest.h>

#include <cmath>

#include "pdeinv/core/error.hpp"
#include "pdeinv/optim/weight_choice.hpp"

using namespace pdeinv;

namespace {
// A Tikhonov-like model: Φ(β) = a β^p / (1 + β^p) + b grows with β, R(β) falls.
WeightTrial model(PetscReal beta) {
  WeightTrial t;
  t.weight = beta;
  t.misfit = 100 * std::pow(beta, 0.7) / (1 + std::pow(beta, 0.7)) + 1;
  t.regularization = 1 / (1 + beta);
  t.converged = true;
  return t;
}
}  // namespace

TEST(Morozov, finds_the_weight_whose_misfit_matches_the_target) {
  for (PetscReal target : {5.0, 30.0, 80.0}) {
    for (PetscReal start : {1e-4, 1.0, 1e3}) {
      const auto r = morozov(model, target, start, 0.01);
      ASSERT_TRUE(r.found) << "target " << target << " start " << start;
      EXPECT_NEAR(model(r.weight).misfit / target, 1.0, 0.01);
      EXPECT_LE(r.trials.size(), 16u);
    }
  }
}

TEST(Morozov, an_unreachable_target_is_reported_as_not_found) {
  // Φ never exceeds 101: the best trial is returned, flagged as not found.
  const auto r = morozov(model, 500.0, 1.0, 0.01, 8);
  EXPECT_FALSE(r.found);
  EXPECT_EQ(r.trials.size(), 8u);
  EXPECT_THROW(morozov(model, -1.0, 1.0), InputError);
}

TEST(LCurve, the_corner_is_the_point_of_largest_curvature) {
  // An L made of a steep branch (log Φ constant, log R falling) and a flat one (log R constant,
  // log Φ growing) meeting at β = 1; listed out of order on purpose.
  std::vector<WeightTrial> trials;
  for (PetscReal e : {2.0, -3.0, 0.0, 1.0, -2.0, -1.0, 3.0}) {
    WeightTrial t;
    t.weight = std::pow(10.0, e);
    t.misfit = e <= 0 ? 1.0 : std::pow(10.0, e);
    t.regularization = e >= 0 ? 1.0 : std::pow(10.0, -e);
    trials.push_back(t);
  }
  EXPECT_EQ(trials[lcurveCorner(trials)].weight, 1.0);
  trials.resize(2);
  EXPECT_THROW(lcurveCorner(trials), InputError);
}
