#include "pdeinv/bayes/generalized_eigensolver.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <string>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/log_events.hpp"
#include "pdeinv/core/random.hpp"

namespace pdeinv {
namespace {

using Block = std::vector<Owned<Vec>>;

Block createBlock(Vec like, size_t k) {
  Block b(k);
  for (auto& v : b) PDEINV_CALL(VecDuplicate(like, v.out()));
  return b;
}

std::vector<Vec> raw(const Block& b) {
  std::vector<Vec> r;
  for (const auto& v : b) r.push_back(v);
  return r;
}

// Gᵢⱼ = xᵢᵀ yⱼ (one multi-dot per column).
Eigen::MatrixXd gram(const Block& x, const Block& y) {
  const auto k = static_cast<Eigen::Index>(x.size());
  Eigen::MatrixXd G(k, static_cast<Eigen::Index>(y.size()));
  std::vector<PetscScalar> d(x.size());
  auto xs = raw(x);
  for (size_t j = 0; j < y.size(); ++j) {
    PDEINV_CALL(VecMDot(y[j], static_cast<PetscInt>(xs.size()), xs.data(), d.data()));
    for (Eigen::Index i = 0; i < k; ++i) G(i, static_cast<Eigen::Index>(j)) = d[i];
  }
  return G;
}

// out_j = Σ_i x_i C_ij.
Block combine(const Block& x, const Eigen::MatrixXd& C, Vec like) {
  Block out = createBlock(like, static_cast<size_t>(C.cols()));
  auto xs = raw(x);
  std::vector<PetscScalar> c(x.size());
  for (Eigen::Index j = 0; j < C.cols(); ++j) {
    PDEINV_CALL(VecSet(out[static_cast<size_t>(j)], 0.0));
    for (size_t i = 0; i < x.size(); ++i) c[i] = C(static_cast<Eigen::Index>(i), j);
    PDEINV_CALL(VecMAXPY(out[static_cast<size_t>(j)], static_cast<PetscInt>(xs.size()), c.data(),
                         xs.data()));
  }
  return out;
}

// A B-orthonormal basis of span(Y): from YᵀBY = W S Wᵀ, Q = Y W S^{-1/2} over the directions
// with S above 1e-14 S_max (a rank-revealing Cholesky QR).
Block bOrthonormalize(const Block& Y, const LinearAction& B, Vec like, PetscInt& actionsB) {
  if (Y.empty()) return {};
  Block BY = createBlock(like, Y.size());
  for (size_t j = 0; j < Y.size(); ++j) B(Y[j], BY[j]), ++actionsB;
  Eigen::MatrixXd G = gram(Y, BY);
  G = 0.5 * (G + G.transpose());
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(G);
  const Eigen::VectorXd s = es.eigenvalues();  // ascending
  const double smax = s.size() ? s.maxCoeff() : 0.0;
  std::vector<Eigen::Index> keep;
  for (Eigen::Index i = s.size() - 1; i >= 0; --i)
    if (s(i) > 1e-14 * smax && smax > 0) keep.push_back(i);
  Eigen::MatrixXd C(static_cast<Eigen::Index>(Y.size()), static_cast<Eigen::Index>(keep.size()));
  for (size_t j = 0; j < keep.size(); ++j)
    C.col(static_cast<Eigen::Index>(j)) = es.eigenvectors().col(keep[j]) / std::sqrt(s(keep[j]));
  return combine(Y, C, like);
}

}  // namespace

GeneralizedEigenpairs randomizedGeneralizedEigenpairs(const LinearAction& A, const LinearAction& B,
                                                      const LinearAction& Binv, Vec like,
                                                      const RandomizedEigenOptions& options) {
  LogScope scope(Phase::Eigensolver);
  require(options.rank >= 1, "randomized eigensolver: the rank must be at least 1, got " +
                                 std::to_string(options.rank));
  require(options.oversampling >= 0,
          "randomized eigensolver: the oversampling must be "
          "non-negative, got " +
              std::to_string(options.oversampling));
  GeneralizedEigenpairs out;
  PetscInt n = 0;
  PDEINV_CALL(VecGetSize(like, &n));
  const auto k = static_cast<size_t>(std::min<PetscInt>(options.rank + options.oversampling, n));
  // 1. Y = B⁻¹ A Ω.
  Block Y = createBlock(like, k);
  {
    Owned<Vec> omega, aw;
    PDEINV_CALL(VecDuplicate(like, omega.out()));
    PDEINV_CALL(VecDuplicate(like, aw.out()));
    for (size_t j = 0; j < k; ++j) {
      fillRandom(omega, options.seed + 104729ul * j);
      A(omega, aw);
      Binv(aw, Y[j]);
      out.actionsA++;
      out.solvesB++;
    }
  }
  // 2. Q, B-orthonormal, twice (the second pass repairs the first one's loss of orthogonality).
  Block Q = bOrthonormalize(Y, B, like, out.actionsB);
  if (Q.empty()) return out;  // A Ω = 0: no direction the data see
  Q = bOrthonormalize(Q, B, like, out.actionsB);
  // 3. T = Qᵀ A Q and its eigenpairs.
  Block AQ = createBlock(like, Q.size());
  for (size_t j = 0; j < Q.size(); ++j) A(Q[j], AQ[j]), ++out.actionsA;
  Eigen::MatrixXd T = gram(Q, AQ);
  T = 0.5 * (T + T.transpose());
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(T);
  const auto m = static_cast<Eigen::Index>(Q.size());
  const auto r = std::min<Eigen::Index>(options.rank, m);
  Eigen::MatrixXd V(m, r);
  for (Eigen::Index j = 0; j < r; ++j) {
    V.col(j) = es.eigenvectors().col(m - 1 - j);  // descending
    out.values.push_back(es.eigenvalues()(m - 1 - j));
  }
  out.vectors = combine(Q, V, like);
  return out;
}

}  // namespace pdeinv
