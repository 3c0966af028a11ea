#pragma once
// Laplace approximation of the posterior at the MAP point m*: the Gaussian N(m*, Γ_post) with
//
//   Γ_post = (H_misfit + Γ_pr⁻¹)⁻¹ = Γ_pr − U D Uᵀ,   D = diag(λ_i / (1 + λ_i)),
//
// from the r largest generalized eigenpairs H_misfit u_i = λ_i Γ_pr⁻¹ u_i, u_iᵀ Γ_pr⁻¹ u_j = δ_ij
// (bayes/generalized_eigensolver.hpp; Bui-Thanh, Ghattas, Martin & Stadler 2013, the low-rank
// form hIPPYlib's GaussianLRPosterior uses). Exact when H_misfit has rank ≤ r (a linear
// parameter-to-observable map with fewer observations than r); otherwise the directions with
// λ_i below the last computed one are treated as uninformed (their posterior equals the prior).
//
// What it provides, all in the optimisation variable's space (Γ_pr is the regularization's
// Hessian inverse: a Gaussian prior, regularization weight included):
//   covariance actions   Γ_post x = Γ_pr x − U D Uᵀ x
//   exact samples        m* + P s, s a prior deviation (s = prior sample − m0, Cov s = Γ_pr) and
//                        P = I − U diag(1 − 1/√(1+λ)) Uᵀ Γ_pr⁻¹, so that P Γ_pr Pᵀ = Γ_post
//                        (hIPPYlib's "prior sample corrected in the eigen-directions")
//   pointwise variance   diag Γ_post = diag Γ_pr − Σ_i D_i u_i², where diag Γ_pr comes from
//                        one of two estimators (PriorVarianceMethod): exact (Γ_pr e_j for every
//                        dof j: n covariance actions) or sampled (the mean of s⊙s over N prior
//                        deviations: unbiased, relative standard error √(2/N) per dof)
//   KL divergence        D_KL(post ‖ prior) = ½ [Σ log(1+λ_i) − Σ λ_i/(1+λ_i)
//                                               + (m* − m0)ᵀ Γ_pr⁻¹ (m* − m0)]
//   information gain     ½ Σ log(1+λ_i): the KL divergence expected over the data (linearised
//                        model; the expected information gain of the experiment)
//   trace ratio          tr Γ_post / tr Γ_pr (dof variances summed)
#include <petscvec.h>

#include <string>
#include <vector>

#include "pdeinv/bayes/generalized_eigensolver.hpp"
#include "pdeinv/core/handle.hpp"

namespace pdeinv {

class Regularization;

enum class PriorVarianceMethod { exact, sampled };

// Which of the two the user wants: exact up to exactMaxParameters unknowns, sampled beyond.
struct PriorVarianceSettings {
  enum class Choice { automatic, exact, sampled } choice = Choice::automatic;
  PetscInt exactMaxParameters = 20000;
  int samples = 400;  // N of the sampled estimator
  unsigned long seed = 1000;
};

class LaplaceApproximation {
 public:
  // prior: a Gaussian prior (sample, mean and applyHessianInverse available; InputError
  // otherwise, naming -reg_type). misfitHessian: x ↦ H_misfit x at map. Computes the eigenpairs
  // (2(r + p) misfit Hessian actions). InputError when an eigenvalue is ≤ −1 (a Hessian that is
  // not positive definite: Newton's away from a minimum).
  LaplaceApproximation(Regularization& prior, Vec map, const LinearAction& misfitHessian,
                       const RandomizedEigenOptions& eigen);
  LaplaceApproximation(const LaplaceApproximation&) = delete;
  LaplaceApproximation& operator=(const LaplaceApproximation&) = delete;

  Vec map() const { return map_; }
  const std::vector<PetscReal>& eigenvalues() const { return lambda_; }
  const std::vector<Owned<Vec>>& eigenvectors() const { return U_; }
  PetscInt misfitHessianActions() const { return actions_; }
  // All r requested pairs came back and the last eigenvalue is ≥ 1: more directions may be
  // informed by the data than were computed (raise the rank). Fewer than r pairs means the
  // misfit Hessian's numerical rank was reached: nothing was left out.
  bool truncated() const;

  // y = Γ_post x.
  void covarianceApply(Vec x, Vec y);
  // y = Γ_post⁻¹ x = Γ_pr⁻¹ x + Σ_i λ_i (Γ_pr⁻¹u_i)(Γ_pr⁻¹u_i)ᵀ x.
  void precisionApply(Vec x, Vec y);
  // Γ_pr⁻¹ u_i, computed once.
  const std::vector<Owned<Vec>>& priorPrecisionTimesEigenvectors();
  // out = P s (s may alias out): a prior deviation made a posterior deviation.
  void posteriorDeviation(Vec s, Vec out);
  // A prior deviation s = (prior sample − m0) drawn with seed (rank-independent).
  void priorDeviation(unsigned long seed, Vec out);
  // out = m* + P s with s = priorDeviation(seed): an exact sample of N(m*, Γ_post).
  void sample(unsigned long seed, Vec out);

  // diag Γ_pr by the chosen estimator; returns the method used. For sampled, the relative
  // standard error is √(2/N).
  PriorVarianceMethod priorVariance(const PriorVarianceSettings& s, Vec out);
  // diag Γ_post from diag Γ_pr.
  void posteriorVariance(Vec priorVariance, Vec out) const;

  PetscReal klDivergence();
  PetscReal informationGain() const;

 private:
  Regularization& prior_;
  Owned<Vec> map_, m0_, work_, work2_;
  std::vector<PetscReal> lambda_;  // descending, each > −1
  std::vector<Owned<Vec>> U_, BU_;
  PetscInt actions_ = 0;
  int requestedRank_ = 0;
};

const char* priorVarianceMethodName(PriorVarianceMethod m);

}  // namespace pdeinv
