// The Laplace approximation on the Poisson inverse problem (25 observations, the BiLaplacian
// prior, 49 parameters) at m_init, against the dense posterior of the same operators
// Γ_post = (H_misfit + Γ_pr⁻¹)⁻¹ (Eigen), at 1 and 2 ranks. With r + p ≥ 25 the low-rank form is
// exact (H_misfit has rank 25), so every quantity must agree to rounding: covariance actions,
// the sample map P (P Γ_pr Pᵀ = Γ_post), pointwise variances, the KL divergence and the
// information gain. The sampled prior-variance estimator is checked against its standard error.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>

#include "bayes_util.hpp"
#include "pdeinv/bayes/laplace.hpp"
#include "pdeinv/inverse/regularization.hpp"

using namespace pdeinv;
using pdeinv::test::dense;
using pdeinv::test::gathered;
using pdeinv::test::kPoissonProblem;
using pdeinv::test::operators;

namespace {

double relative(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return (a - b).norm() / b.norm();
}

}  // namespace

TEST(Laplace, equals_the_dense_posterior_when_the_rank_covers_the_data) {
  auto ops = operators(kPoissonProblem);
  Vec m = ops.m;
  auto& prior = *ops.inv->regularization();
  RandomizedEigenOptions eig;
  eig.rank = 30;
  eig.oversampling = 10;
  LaplaceApproximation laplace(prior, m, ops.A, eig);
  EXPECT_EQ(laplace.eigenvalues().size(), 25u) << "the misfit Hessian has rank 25";
  EXPECT_FALSE(laplace.truncated()) << "fewer pairs than asked for: the whole rank";

  const Eigen::MatrixXd H = dense(ops.A, m), B = dense(ops.B, m), Cpr = dense(ops.Binv, m);
  const Eigen::MatrixXd Cpost = (H + B).inverse();
  const auto n = Cpost.rows();

  // Covariance actions.
  const Eigen::MatrixXd C = dense([&](Vec x, Vec y) { laplace.covarianceApply(x, y); }, m);
  EXPECT_LT(relative(C, Cpost), 1e-9);

  // Samples: P Γ_pr Pᵀ = Γ_post, with P the map applied to prior deviations.
  const Eigen::MatrixXd P =
      dense([&](Vec x, Vec y) { laplace.posteriorDeviation(x, y); }, m, false);
  EXPECT_LT(relative(P * Cpr * P.transpose(), Cpost), 1e-9);
  // A sample is the MAP point plus P times the prior deviation of the same seed.
  Owned<Vec> s, d;
  PDEINV_CALL(VecDuplicate(m, s.out()));
  PDEINV_CALL(VecDuplicate(m, d.out()));
  laplace.sample(5, s);
  laplace.priorDeviation(5, d);
  const Eigen::VectorXd expected = gathered(m) + P * gathered(d);
  EXPECT_LT((gathered(s) - expected).norm() / expected.norm(), 1e-12);

  // Pointwise variances: prior (exact estimator) and posterior.
  Owned<Vec> vpr, vpost;
  PDEINV_CALL(VecDuplicate(m, vpr.out()));
  PDEINV_CALL(VecDuplicate(m, vpost.out()));
  PriorVarianceSettings exact;
  exact.choice = PriorVarianceSettings::Choice::exact;
  EXPECT_EQ(laplace.priorVariance(exact, vpr), PriorVarianceMethod::exact);
  laplace.posteriorVariance(vpr, vpost);
  EXPECT_LT((gathered(vpr) - Cpr.diagonal()).norm() / Cpr.diagonal().norm(), 1e-10);
  EXPECT_LT((gathered(vpost) - Cpost.diagonal()).norm() / Cpost.diagonal().norm(), 1e-9);
  EXPECT_LT(gathered(vpost).maxCoeff(), gathered(vpr).maxCoeff());
  EXPECT_GT(gathered(vpost).minCoeff(), 0.0);

  // KL(post ‖ prior) = ½[tr(Γ_pr⁻¹ Γ_post) − n + (m − m0)ᵀ Γ_pr⁻¹ (m − m0) + log det Γ_pr
  //                      − log det Γ_post], and the information gain ½ log det(I + Γ_pr H).
  Owned<Vec> m0;
  PDEINV_CALL(VecDuplicate(m, m0.out()));
  ASSERT_TRUE(prior.mean(m0));
  const Eigen::VectorXd dm = gathered(m) - gathered(m0);
  const double logdetPr =
      Eigen::LLT<Eigen::MatrixXd>(Cpr).matrixLLT().diagonal().array().log().sum();
  const double logdetPost =
      Eigen::LLT<Eigen::MatrixXd>(Cpost).matrixLLT().diagonal().array().log().sum();
  const double kl = 0.5 * ((B * Cpost).trace() - static_cast<double>(n) + dm.dot(B * dm) +
                           2 * logdetPr - 2 * logdetPost);
  EXPECT_NEAR(laplace.klDivergence(), kl, 1e-8 * std::abs(kl));
  const double gain = logdetPr - logdetPost;  // ½ log det(Γ_pr Γ_post⁻¹)
  EXPECT_NEAR(laplace.informationGain(), gain, 1e-8 * std::abs(gain));
  PetscPrintf(PETSC_COMM_WORLD, "KL %.6e (dense %.6e), information gain %.6e (dense %.6e)\n",
              laplace.klDivergence(), kl, laplace.informationGain(), gain);

  // The sampled prior-variance estimator: each dof within 5 standard errors √(2/N) of exact.
  PriorVarianceSettings sampled;
  sampled.choice = PriorVarianceSettings::Choice::sampled;
  sampled.samples = 400;
  EXPECT_EQ(laplace.priorVariance(sampled, vpost), PriorVarianceMethod::sampled);
  const Eigen::VectorXd z = (gathered(vpost) - Cpr.diagonal()).cwiseQuotient(Cpr.diagonal()) /
                            std::sqrt(2.0 / sampled.samples);
  EXPECT_LT(z.cwiseAbs().maxCoeff(), 5.0);
  PetscPrintf(PETSC_COMM_WORLD, "sampled prior variance: max |z| %.2f over %d dofs\n",
              z.cwiseAbs().maxCoeff(), static_cast<int>(n));
}

TEST(Laplace, a_truncated_rank_keeps_the_leading_directions) {
  auto ops = operators(kPoissonProblem);
  auto& prior = *ops.inv->regularization();
  RandomizedEigenOptions eig;
  eig.rank = 5;
  LaplaceApproximation laplace(prior, ops.m, ops.A, eig);
  ASSERT_EQ(laplace.eigenvalues().size(), 5u);
  EXPECT_TRUE(laplace.truncated()) << "λ_5 ≫ 1 on this problem";
  // The posterior variance is the prior's minus what the five directions explain: between the
  // exact posterior variance and the prior variance.
  const Eigen::MatrixXd H = dense(ops.A, ops.m), B = dense(ops.B, ops.m);
  const Eigen::VectorXd post = (H + B).inverse().diagonal(), pr = dense(ops.Binv, ops.m).diagonal();
  Owned<Vec> v;
  PDEINV_CALL(VecDuplicate(ops.m, v.out()));
  PriorVarianceSettings exact;
  exact.choice = PriorVarianceSettings::Choice::exact;
  laplace.priorVariance(exact, v);
  laplace.posteriorVariance(v, v);
  const Eigen::VectorXd low = gathered(v);
  EXPECT_TRUE(((low - post).array() > -1e-10 * pr.array()).all());
  EXPECT_TRUE(((low - pr).array() < 1e-10 * pr.array()).all());
}

TEST(Laplace, needs_a_gaussian_prior_and_a_positive_definite_hessian) {
  auto ops = operators(kPoissonProblem + " -reg_type l2");
  EXPECT_THROW(
      {
        try {
          LaplaceApproximation(*ops.inv->regularization(), ops.m, ops.A, {});
        } catch (const InputError& e) {
          EXPECT_NE(std::string(e.what()).find("needs a Gaussian prior (-reg_type bilaplacian), "
                                               "not -reg_type l2"),
                    std::string::npos)
              << e.what();
          throw;
        }
      },
      InputError);
  auto gauss = operators(kPoissonProblem);
  const LinearAction negative = [&](Vec x, Vec out) {
    gauss.B(x, out);
    PDEINV_CALL(VecScale(out, -3.0));  // eigenvalue −3 in every direction
  };
  EXPECT_THROW(LaplaceApproximation(*gauss.inv->regularization(), gauss.m, negative, {}),
               InputError);
}
