#include "pdeinv/bayes/laplace.hpp"

#include <cmath>
#include <sstream>

#include "pdeinv/core/error.hpp"
#include "pdeinv/inverse/regularization.hpp"

namespace pdeinv {

const char* priorVarianceMethodName(PriorVarianceMethod m) {
  return m == PriorVarianceMethod::exact ? "exact" : "sampled";
}

LaplaceApproximation::LaplaceApproximation(Regularization& prior, Vec map,
                                           const LinearAction& misfitHessian,
                                           const RandomizedEigenOptions& eigen)
    : prior_(prior) {
  PDEINV_CALL(VecDuplicate(map, map_.out()));
  PDEINV_CALL(VecCopy(map, map_));
  PDEINV_CALL(VecDuplicate(map, m0_.out()));
  PDEINV_CALL(VecDuplicate(map, work_.out()));
  PDEINV_CALL(VecDuplicate(map, work2_.out()));
  // A Gaussian prior: a mean, samples and a covariance (the Hessian inverse).
  const std::string notGaussian =
      "the Laplace approximation needs a Gaussian prior (-reg_type bilaplacian), not -reg_type " +
      prior.name();
  require(prior.mean(m0_), notGaussian);
  require(prior.applyHessianInverse(m0_, work_), notGaussian);
  const LinearAction B = [&](Vec x, Vec out) { prior_.hessianApply(map_, x, out); };
  const LinearAction Binv = [&](Vec x, Vec out) { prior_.applyHessianInverse(x, out); };
  auto pairs = randomizedGeneralizedEigenpairs(misfitHessian, B, Binv, map, eigen);
  actions_ = pairs.actionsA;
  requestedRank_ = eigen.rank;
  lambda_ = pairs.values;
  U_ = std::move(pairs.vectors);
  for (PetscReal l : lambda_) {
    if (!(l > -1 + 1e-12)) {
      std::ostringstream msg;
      msg << "the Laplace approximation: the misfit Hessian at the estimate has the generalized "
             "eigenvalue "
          << l
          << " (≤ −1), so H_misfit + Γ_pr⁻¹ is not positive definite: the point is not a "
             "minimum, or the Newton Hessian is indefinite there (use -laplace_hessian "
             "gauss_newton)";
      throw InputError(msg.str());
    }
  }
}

bool LaplaceApproximation::truncated() const {
  return static_cast<int>(lambda_.size()) == requestedRank_ && lambda_.back() >= 1;
}

// Γ_post x = Γ_pr x − Σ_i D_i u_i (u_iᵀ x).
void LaplaceApproximation::covarianceApply(Vec x, Vec y) {
  prior_.applyHessianInverse(x, y);
  std::vector<PetscScalar> c(U_.size());
  std::vector<Vec> u(U_.size());
  for (size_t i = 0; i < U_.size(); ++i) u[i] = U_[i];
  if (!u.empty()) PDEINV_CALL(VecMDot(x, static_cast<PetscInt>(u.size()), u.data(), c.data()));
  for (size_t i = 0; i < U_.size(); ++i) c[i] *= -lambda_[i] / (1 + lambda_[i]);
  if (!u.empty()) PDEINV_CALL(VecMAXPY(y, static_cast<PetscInt>(u.size()), c.data(), u.data()));
}

const std::vector<Owned<Vec>>& LaplaceApproximation::priorPrecisionTimesEigenvectors() {
  if (BU_.size() != U_.size()) {
    BU_.clear();
    for (const auto& u : U_) {
      Owned<Vec> b;
      PDEINV_CALL(VecDuplicate(u, b.out()));
      prior_.hessianApply(map_, u, b);
      BU_.push_back(std::move(b));
    }
  }
  return BU_;
}

void LaplaceApproximation::precisionApply(Vec x, Vec y) {
  prior_.hessianApply(map_, x, y);
  const auto& BU = priorPrecisionTimesEigenvectors();
  std::vector<PetscScalar> c(BU.size());
  std::vector<Vec> b(BU.size());
  for (size_t i = 0; i < BU.size(); ++i) b[i] = BU[i];
  if (b.empty()) return;
  PDEINV_CALL(VecMDot(x, static_cast<PetscInt>(b.size()), b.data(), c.data()));
  for (size_t i = 0; i < b.size(); ++i) c[i] *= lambda_[i];
  PDEINV_CALL(VecMAXPY(y, static_cast<PetscInt>(b.size()), c.data(), b.data()));
}

// P s = s − Σ_i (1 − 1/√(1+λ_i)) u_i (u_iᵀ Γ_pr⁻¹ s).
void LaplaceApproximation::posteriorDeviation(Vec s, Vec out) {
  // u_iᵀ Γ_pr⁻¹ s = (Γ_pr⁻¹ u_i)ᵀ s, with Γ_pr⁻¹ u_i computed once.
  const auto& BU = priorPrecisionTimesEigenvectors();
  std::vector<PetscScalar> c(U_.size());
  std::vector<Vec> b(U_.size()), u(U_.size());
  for (size_t i = 0; i < U_.size(); ++i) b[i] = BU[i], u[i] = U_[i];
  if (!b.empty()) PDEINV_CALL(VecMDot(s, static_cast<PetscInt>(b.size()), b.data(), c.data()));
  for (size_t i = 0; i < U_.size(); ++i) c[i] *= -(1 - 1 / std::sqrt(1 + lambda_[i]));
  if (out != s) PDEINV_CALL(VecCopy(s, out));
  if (!u.empty()) PDEINV_CALL(VecMAXPY(out, static_cast<PetscInt>(u.size()), c.data(), u.data()));
}

void LaplaceApproximation::priorDeviation(unsigned long seed, Vec out) {
  prior_.sample(seed, out);
  PDEINV_CALL(VecAXPY(out, -1.0, m0_));
}

void LaplaceApproximation::sample(unsigned long seed, Vec out) {
  priorDeviation(seed, out);
  posteriorDeviation(out, out);
  PDEINV_CALL(VecAXPY(out, 1.0, map_));
}

PriorVarianceMethod LaplaceApproximation::priorVariance(const PriorVarianceSettings& s, Vec out) {
  PetscInt n = 0, lo = 0, hi = 0;
  PDEINV_CALL(VecGetSize(out, &n));
  PDEINV_CALL(VecGetOwnershipRange(out, &lo, &hi));
  using Choice = PriorVarianceSettings::Choice;
  const bool exact =
      s.choice == Choice::exact || (s.choice == Choice::automatic && n <= s.exactMaxParameters);
  PDEINV_CALL(VecSet(out, 0.0));
  if (exact) {
    // (Γ_pr)_jj = e_jᵀ Γ_pr e_j: one covariance action per dof, its j-th entry kept.
    std::vector<PetscScalar> diag(static_cast<size_t>(hi - lo), 0.0);
    for (PetscInt j = 0; j < n; ++j) {
      PDEINV_CALL(VecSet(work_, 0.0));
      if (j >= lo && j < hi) PDEINV_CALL(VecSetValue(work_, j, 1.0, INSERT_VALUES));
      PDEINV_CALL(VecAssemblyBegin(work_));
      PDEINV_CALL(VecAssemblyEnd(work_));
      prior_.applyHessianInverse(work_, work2_);
      if (j >= lo && j < hi) {
        const PetscScalar* a = nullptr;
        PDEINV_CALL(VecGetArrayRead(work2_, &a));
        diag[static_cast<size_t>(j - lo)] = a[j - lo];
        PDEINV_CALL(VecRestoreArrayRead(work2_, &a));
      }
    }
    PetscScalar* a = nullptr;
    PDEINV_CALL(VecGetArray(out, &a));
    std::copy(diag.begin(), diag.end(), a);
    PDEINV_CALL(VecRestoreArray(out, &a));
    return PriorVarianceMethod::exact;
  }
  require(s.samples >= 2,
          "-laplace_variance_samples must be at least 2, got " + std::to_string(s.samples));
  for (int k = 0; k < s.samples; ++k) {
    priorDeviation(s.seed + static_cast<unsigned long>(k), work_);
    PDEINV_CALL(VecPointwiseMult(work_, work_, work_));
    PDEINV_CALL(VecAXPY(out, 1.0, work_));
  }
  PDEINV_CALL(VecScale(out, 1.0 / s.samples));
  return PriorVarianceMethod::sampled;
}

void LaplaceApproximation::posteriorVariance(Vec priorVariance, Vec out) const {
  if (out != priorVariance) PDEINV_CALL(VecCopy(priorVariance, out));
  for (size_t i = 0; i < U_.size(); ++i) {
    PDEINV_CALL(VecPointwiseMult(work_, U_[i], U_[i]));
    PDEINV_CALL(VecAXPY(out, -lambda_[i] / (1 + lambda_[i]), work_));
  }
}

PetscReal LaplaceApproximation::klDivergence() {
  PetscReal sum = 0;
  for (PetscReal l : lambda_) sum += std::log1p(l) - l / (1 + l);
  PDEINV_CALL(VecWAXPY(work_, -1.0, m0_, map_));
  prior_.hessianApply(map_, work_, work2_);
  PetscScalar mahalanobis = 0;
  PDEINV_CALL(VecDot(work_, work2_, &mahalanobis));
  return 0.5 * (sum + PetscRealPart(mahalanobis));
}

PetscReal LaplaceApproximation::informationGain() const {
  PetscReal sum = 0;
  for (PetscReal l : lambda_) sum += 0.5 * std::log1p(l);
  return sum;
}

}  // namespace pdeinv
