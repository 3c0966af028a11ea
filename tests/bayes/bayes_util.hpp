#pragma once
// Shared by the Bayesian-layer tests: the Poisson inverse problem's misfit Gauss–Newton Hessian
// A and prior precision B as actions, and operators as dense matrices (Eigen).
#include <Eigen/Dense>
#include <memory>
#include <string>

#include "../test_util.hpp"
#include "pdeinv/bayes/generalized_eigensolver.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

namespace pdeinv::test {

inline const std::string kPoissonProblem =
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
inline Operators operators(const std::string& options) {
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

// The operator as a dense matrix, the same on every rank; symmetrized (½(M + Mᵀ), for
// symmetric operators computed to rounding) unless asked not to.
inline Eigen::MatrixXd dense(const LinearAction& op, Vec like, bool symmetrize = true) {
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
  if (!symmetrize) return M;
  return 0.5 * (M + M.transpose());
}

inline PetscReal dot(Vec a, Vec b) {
  PetscScalar d = 0;
  PDEINV_CALL(VecDot(a, b, &d));
  return d;
}

// A PETSc vector as an Eigen vector, the same on every rank.
inline Eigen::VectorXd gathered(Vec v) {
  Owned<Vec> all;
  Owned<VecScatter> toAll;
  PDEINV_CALL(VecScatterCreateToAll(v, toAll.out(), all.out()));
  PDEINV_CALL(VecScatterBegin(toAll, v, all, INSERT_VALUES, SCATTER_FORWARD));
  PDEINV_CALL(VecScatterEnd(toAll, v, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscInt n = 0;
  PDEINV_CALL(VecGetSize(all, &n));
  Eigen::VectorXd out(n);
  const PetscScalar* a = nullptr;
  PDEINV_CALL(VecGetArrayRead(all, &a));
  for (PetscInt i = 0; i < n; ++i) out(i) = a[i];
  PDEINV_CALL(VecRestoreArrayRead(all, &a));
  return out;
}

}  // namespace pdeinv::test
