// The randomized generalized eigensolver on the Poisson inverse problem's data-misfit
// Gauss–Newton Hessian A against the BiLaplacian prior precision B, compared with the dense
// generalized eigenproblem (Eigen) of the same operators, at 1 and 2 ranks: eigenvalues,
// B-orthonormality, eigen-residuals, a low-rank A, and bad input.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>

#include "../test_util.hpp"
#include "bayes_util.hpp"
#include "pdeinv/bayes/generalized_eigensolver.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

using namespace pdeinv;

using pdeinv::test::dense;
using pdeinv::test::kPoissonProblem;
using pdeinv::test::operators;
using pdeinv::test::Operators;

// 25 observations: A has rank 25. With r + p = 25 vectors the sampled range is A's whole range and
// the result is exact; with r + p = 20 it is a Rayleigh–Ritz approximation whose eigenvalues lie
// below the exact ones (interlacing) and are accurate where the spectrum has decayed (the tail
// here is slow: λ_21 = 7.3 against λ_1 = 4.8e4).
TEST(GeneralizedEigensolver, matches_the_dense_eigenproblem) {
  auto ops = operators(kPoissonProblem);
  Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> ges(dense(ops.A, ops.m),
                                                                dense(ops.B, ops.m));
  const auto n = ges.eigenvalues().size();
  auto exact = [&](int i) { return ges.eigenvalues()(n - 1 - i); };
  Owned<Vec> Bu, Au;
  PDEINV_CALL(VecDuplicate(ops.m, Bu.out()));
  PDEINV_CALL(VecDuplicate(ops.m, Au.out()));
  for (int oversampling : {15, 10}) {
    RandomizedEigenOptions opts;
    opts.rank = 10;
    opts.oversampling = oversampling;
    const auto pairs = randomizedGeneralizedEigenpairs(ops.A, ops.B, ops.Binv, ops.m, opts);
    ASSERT_EQ(pairs.values.size(), 10u);
    EXPECT_EQ(pairs.actionsA, 2 * (10 + oversampling));  // two passes over r + p vectors
    EXPECT_EQ(pairs.solvesB, 10 + oversampling);
    const bool whole = oversampling == 15;
    for (int i = 0; i < 10; ++i) {
      const double value = pairs.values[static_cast<size_t>(i)];
      const double err = std::abs(value - exact(i)) / exact(i);
      PetscPrintf(PETSC_COMM_WORLD, "r + p = %d: lambda_%d = %.6e (dense %.6e), rel. error %.1e\n",
                  10 + oversampling, i + 1, value, exact(i), err);
      EXPECT_LE(value, exact(i) * (1 + 1e-10)) << "Ritz values lie below the eigenvalues";
      EXPECT_LT(err, whole ? 1e-9 : (i == 0 ? 1e-5 : 1e-1)) << "eigenvalue " << i + 1;
    }
    // B-orthonormal eigenvectors; exact ones have small residuals ‖A u − λ B u‖ / ‖λ B u‖.
    for (size_t i = 0; i < 10; ++i) {
      ops.B(pairs.vectors[i], Bu);
      for (size_t j = 0; j < 10; ++j) {
        EXPECT_NEAR(pdeinv::test::dot(pairs.vectors[j], Bu), i == j ? 1.0 : 0.0, 1e-10)
            << i << "," << j;
      }
      if (!whole) continue;
      ops.A(pairs.vectors[i], Au);
      PDEINV_CALL(VecAXPY(Au, -pairs.values[i], Bu));
      PetscReal r = 0, b = 0;
      PDEINV_CALL(VecNorm(Au, NORM_2, &r));
      PDEINV_CALL(VecNorm(Bu, NORM_2, &b));
      EXPECT_LT(r / (pairs.values[i] * b), 1e-7) << "residual of pair " << i + 1;
    }
  }
}

TEST(GeneralizedEigensolver, finds_the_rank_of_a_low_rank_misfit) {
  // Four observations: the misfit Hessian has rank 4.
  auto ops = operators(kPoissonProblem + " -obs_grid 2,2");
  RandomizedEigenOptions opts;
  opts.rank = 8;
  const auto pairs = randomizedGeneralizedEigenpairs(ops.A, ops.B, ops.Binv, ops.m, opts);
  ASSERT_GE(pairs.values.size(), 4u);
  EXPECT_GT(pairs.values[3], 1e-6 * pairs.values[0]);
  for (size_t i = 4; i < pairs.values.size(); ++i)
    EXPECT_LT(std::abs(pairs.values[i]), 1e-8 * pairs.values[0]) << "eigenvalue " << i + 1;
}

TEST(GeneralizedEigensolver, rejects_a_rank_below_one) {
  auto ops = operators(kPoissonProblem);
  RandomizedEigenOptions opts;
  opts.rank = 0;
  EXPECT_THROW(randomizedGeneralizedEigenpairs(ops.A, ops.B, ops.Binv, ops.m, opts), InputError);
}

TEST(GeneralizedEigensolver, a_zero_operator_has_no_eigenpairs) {
  auto ops = operators(kPoissonProblem);
  const LinearAction zero = [](Vec, Vec out) { PDEINV_CALL(VecSet(out, 0.0)); };
  const auto pairs = randomizedGeneralizedEigenpairs(zero, ops.B, ops.Binv, ops.m, {});
  EXPECT_TRUE(pairs.values.empty());
  EXPECT_TRUE(pairs.vectors.empty());
}
