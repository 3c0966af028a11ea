#include "pdeinv/optim/data_space_step.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <string>
#include <utility>

#include "pdeinv/core/error.hpp"

namespace pdeinv {

DataSpaceStep::DataSpaceStep(Objective& J, std::function<void(Vec, Vec)> covariance)
    : J_(J), covariance_(std::move(covariance)) {}

void DataSpaceStep::compute(Vec x, Vec g, Vec p) {
  J_.observationJacobian(x, rows_, W_);
  const auto n = static_cast<PetscInt>(rows_.size());
  nObs_ = n;
  if (n == 0) {  // no data: the step of the regularization alone
    covariance_(g, p);
    ++covarianceActions_;
    PDEINV_CALL(VecScale(p, -1.0));
    return;
  }
  using Matrix = Eigen::Matrix<PetscReal, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Map<const Matrix> W(W_.data(), n, n);
  // W^½: for independent observations (a diagonal W, e.g. the Gaussian misfit with
  // uncorrelated noise) the square roots of the diagonal; otherwise from W's
  // eigendecomposition. W = ∂²Φ/∂y² is positive semi-definite for the convex misfits;
  // eigenvalues below roundoff are set to zero (a negative one beyond it means a non-convex
  // misfit, whose Gauss–Newton Hessian this method cannot represent).
  bool diagonal = true;
  for (PetscInt i = 0; i < n && diagonal; ++i)
    for (PetscInt j = 0; j < n; ++j)
      if (i != j && W(i, j) != 0) {
        diagonal = false;
        break;
      }
  Matrix S = Matrix::Zero(n, n);
  if (diagonal) {
    const PetscReal wMax = W.diagonal().cwiseAbs().maxCoeff();
    for (PetscInt i = 0; i < n; ++i) {
      if (W(i, i) < -1e-10 * wMax) {
        throw InputError(
            "data-space Gauss-Newton: the misfit's Hessian in data space has a "
            "negative entry (" +
            std::to_string(W(i, i)) + "); use -tao_gncg_step cg");
      }
      S(i, i) = std::sqrt(PetscMax(W(i, i), 0.0));
    }
  } else {
    const Eigen::SelfAdjointEigenSolver<Matrix> eig(0.5 * (W + W.transpose()));
    const auto& lam = eig.eigenvalues();
    const PetscReal lamMax = lam.cwiseAbs().maxCoeff();
    if (lam.minCoeff() < -1e-10 * lamMax) {
      throw InputError(
          "data-space Gauss-Newton: the misfit's Hessian in data space has a negative "
          "eigenvalue (" +
          std::to_string(lam.minCoeff()) + "); use -tao_gncg_step cg");
    }
    S = eig.eigenvectors() * lam.cwiseMax(0.0).cwiseSqrt().asDiagonal() *
        eig.eigenvectors().transpose();
  }
  // Ĵ rows ĵ_i = Σ_k S_ik j_k, one at a time (jhat), and Z_i = C ĵ_i.
  std::vector<Vec> rowVecs(static_cast<size_t>(n));
  for (PetscInt i = 0; i < n; ++i) rowVecs[static_cast<size_t>(i)] = rows_[static_cast<size_t>(i)];
  if (static_cast<PetscInt>(Z_.size()) != n) {
    Z_.clear();
    for (PetscInt i = 0; i < n; ++i) {
      Owned<Vec> v;
      PDEINV_CALL(VecDuplicate(p, v.out()));
      Z_.push_back(std::move(v));
    }
  }
  Owned<Vec> jhat;
  PDEINV_CALL(VecDuplicate(p, jhat.out()));
  std::vector<Vec> zVecs(static_cast<size_t>(n));
  for (PetscInt i = 0; i < n; ++i) {
    if (diagonal) {
      PDEINV_CALL(VecAXPBY(jhat, S(i, i), 0.0, rowVecs[static_cast<size_t>(i)]));
    } else {
      PDEINV_CALL(VecSet(jhat, 0.0));
      PDEINV_CALL(VecMAXPY(jhat, n, S.row(i).data(), rowVecs.data()));
    }
    covariance_(jhat, Z_[static_cast<size_t>(i)]);  // Z_i = C ĵ_i
    ++covarianceActions_;
    zVecs[static_cast<size_t>(i)] = Z_[static_cast<size_t>(i)];
  }
  // K = I + Ĵ C Ĵᵀ, K_ik = ĵ_iᵀ Z_k = Σ_l S_il j_lᵀ Z_k; symmetric, so only k ≥ l of
  // JZ(l, k) = j_lᵀ Z_k is computed when S is diagonal (n² n_params / 2 flops: the cost that
  // grows fastest with n_obs).
  Matrix K(n, n);
  if (diagonal) {
    for (PetscInt l = 0; l < n; ++l) {
      Eigen::Matrix<PetscReal, Eigen::Dynamic, 1> dots(n - l);
      PDEINV_CALL(VecMDot(rowVecs[static_cast<size_t>(l)], n - l, zVecs.data() + l, dots.data()));
      for (PetscInt k = l; k < n; ++k) K(l, k) = K(k, l) = S(l, l) * dots(k - l);
    }
  } else {
    Matrix JZ(n, n);  // JZ(l, k) = j_lᵀ Z_k
    for (PetscInt l = 0; l < n; ++l) {
      PDEINV_CALL(VecMDot(rowVecs[static_cast<size_t>(l)], n, zVecs.data(), JZ.row(l).data()));
    }
    K = S * JZ;
    K = 0.5 * (K + K.transpose());
  }
  K.diagonal().array() += 1.0;
  const Eigen::LLT<Matrix> llt(K);
  if (llt.info() != Eigen::Success) {
    throw Error(
        "data-space Gauss-Newton: I + Ĵ C Ĵᵀ is not positive definite (is the "
        "regularization's inverse Hessian symmetric positive definite?)");
  }
  // p = −(C g − Σ_i b_i Z_i), K b = a, a_i = Z_iᵀ g (= ĵ_iᵀ C g, C symmetric).
  Eigen::Matrix<PetscReal, Eigen::Dynamic, 1> a(n);
  PDEINV_CALL(VecMDot(g, n, zVecs.data(), a.data()));
  const Eigen::Matrix<PetscReal, Eigen::Dynamic, 1> b = llt.solve(a);
  covariance_(g, p);
  ++covarianceActions_;
  Eigen::Matrix<PetscReal, Eigen::Dynamic, 1> minusB = -b;
  PDEINV_CALL(VecMAXPY(p, n, minusB.data(), zVecs.data()));
  PDEINV_CALL(VecScale(p, -1.0));
}

}  // namespace pdeinv
