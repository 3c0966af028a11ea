// The randomized generalized eigensolver on the Poisson inverse problem's data-misfit
// Gauss–Newton Hessian A against the BiLaplacian prior precision B, compared with the dense
// generalized eigenproblem (Eigen) of the same operators, at 1 and 2 ranks: eigenvalues,
// B-orthonormality, eigen-residuals, a low-rank A, and bad input.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>

#include "../test_util.hpp"
#include "pdeinv/bayes/generalized_eigensolver.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

using namespace pdeinv;
using pdeinv::test::ScopedOptions;

namespace {

const std::string kProblem =
    "-mesh_faces 6,6 -state_element Q2 -parameter_element Q1 -poisson_source 10 "
    "-truth 0.8*exp(-((x-.55)^2+(y-.45)^2)/0.03) -obs_type grid -obs_grid 5,5 "
    "-noise_relative 0.01 -reg_type bilaplacian -reg_gamma 0.05 -reg_delta 1 -m_init 0.2 "
    "-state_ksp_rtol 1e-13";

struct Operators {
  std::unique_ptr<InverseProblem> inv;
  Owned<Vec> m;
  LinearAction A, B, Binv;
};

// A = the misfit's Gauss–Newton Hessian (the full one minus the regularization's), at m_init.
Operators operators(const std::string& options) {
  ScopedOptions o(options);
  Operators ops;
  ops.inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  ops.m = ops.inv->initialGuess();
  auto* inv = ops.inv.get();
  Vec m = ops.m;
  ops.B = [inv, m](Vec x, Vec out) { inv->regularization()->hessianApply(m, x, out); };
  ops.A = [inv, m, B = ops.B](Vec x, Vec out) {
    inv->objective().hessianApply(m, x, out, HessianType::GaussNewton);
    Owned<Vec> r;
    PDEINV_CALL(VecDuplicate(x, r.out()));
    B(x, r);
    PDEINV_CALL(VecAXPY(out, -1.0, r));
  };
  ops.Binv = [inv](Vec x, Vec out) {
    if (!inv->regularization()->applyHessianInverse(x, out)) throw Error("no B^-1");
  };
  return ops;
}

// The operator as a dense matrix, the same on every rank.
Eigen::MatrixXd dense(const LinearAction& op, Vec like) {
  PetscInt n = 0, lo = 0, hi = 0;
  PDEINV_CALL(VecGetSize(like, &n));
  Eigen::MatrixXd M(n, n);
  Owned<Vec> e, col, all;
  PDEINV_CALL(VecDuplicate(like, e.out()));
  PDEINV_CALL(VecDuplicate(like, col.out()));
  PDEINV_CALL(VecGetOwnershipRange(e, &lo, &hi));
  Owned<VecScatter> toAll;
  PDEINV_CALL(VecScatterCreateToAll(col, toAll.out(), all.out()));
  for (PetscInt j = 0; j < n; ++j) {
    PDEINV_CALL(VecSet(e, 0.0));
    if (j >= lo && j < hi) PDEINV_CALL(VecSetValue(e, j, 1.0, INSERT_VALUES));
    PDEINV_CALL(VecAssemblyBegin(e));
    PDEINV_CALL(VecAssemblyEnd(e));
    op(e, col);
    PDEINV_CALL(VecScatterBegin(toAll, col, all, INSERT_VALUES, SCATTER_FORWARD));
    PDEINV_CALL(VecScatterEnd(toAll, col, all, INSERT_VALUES, SCATTER_FORWARD));
    const PetscScalar* a = nullptr;
    PDEINV_CALL(VecGetArrayRead(all, &a));
    for (PetscInt i = 0; i < n; ++i) M(i, j) = a[i];
    PDEINV_CALL(VecRestoreArrayRead(all, &a));
  }
  return 0.5 * (M + M.transpose());
}

PetscReal dot(Vec a, Vec b) {
  PetscScalar d = 0;
  PDEINV_CALL(VecDot(a, b, &d));
  return d;
}

}  // namespace

// 25 observations: A has rank 25. With r + p = 25 vectors the sampled range is A's whole range and
// the result is exact; with r + p = 20 it is a Rayleigh–Ritz approximation whose eigenvalues lie
// below the exact ones (interlacing) and are accurate where the spectrum has decayed (the tail
// here is slow: λ_21 = 7.3 against λ_1 = 4.8e4).
TEST(GeneralizedEigensolver, matches_the_dense_eigenproblem) {
  auto ops = operators(kProblem);
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
        EXPECT_NEAR(dot(pairs.vectors[j], Bu), i == j ? 1.0 : 0.0, 1e-10) << i << "," << j;
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
  auto ops = operators(kProblem + " -obs_grid 2,2");
  RandomizedEigenOptions opts;
  opts.rank = 8;
  const auto pairs = randomizedGeneralizedEigenpairs(ops.A, ops.B, ops.Binv, ops.m, opts);
  ASSERT_GE(pairs.values.size(), 4u);
  EXPECT_GT(pairs.values[3], 1e-6 * pairs.values[0]);
  for (size_t i = 4; i < pairs.values.size(); ++i)
    EXPECT_LT(std::abs(pairs.values[i]), 1e-8 * pairs.values[0]) << "eigenvalue " << i + 1;
}

TEST(GeneralizedEigensolver, rejects_a_rank_below_one) {
  auto ops = operators(kProblem);
  RandomizedEigenOptions opts;
  opts.rank = 0;
  EXPECT_THROW(randomizedGeneralizedEigenpairs(ops.A, ops.B, ops.Binv, ops.m, opts), InputError);
}

TEST(GeneralizedEigensolver, a_zero_operator_has_no_eigenpairs) {
  auto ops = operators(kProblem);
  const LinearAction zero = [](Vec, Vec out) { PDEINV_CALL(VecSet(out, 0.0)); };
  const auto pairs = randomizedGeneralizedEigenpairs(zero, ops.B, ops.Binv, ops.m, {});
  EXPECT_TRUE(pairs.values.empty());
  EXPECT_TRUE(pairs.vectors.empty());
}
