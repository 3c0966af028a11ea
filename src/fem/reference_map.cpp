#include "pdeinv/fem/reference_map.hpp"

#include <petscdmplex.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "pdeinv/core/error.hpp"

namespace pdeinv {

ReferenceMap::ReferenceMap(const Mesh& mesh)
    : dm_(mesh.dm()), dim_(mesh.dim()), simplex_(mesh.simplex()), fe_(mesh.coordinateElement()) {
  PetscInt nc = 0;
  PDEINV_CALL(PetscFEGetDimension(fe_, &nb_));
  PDEINV_CALL(PetscFEGetNumComponents(fe_, &nc));
  if (nc != dim_) throw Error("reference map: the coordinate element is not a vector field");
  affine_ = simplex_ && nb_ == (dim_ + 1) * dim_;
  const PetscReal start[3] = {0, 0, 0};
  PDEINV_CALL(PetscFECreateTabulation(fe_, 1, 1, start, 1, tab_.out()));
}

std::vector<PetscReal> ReferenceMap::cellCoordinates(PetscInt cell) const {
  DM cdm = nullptr;
  Vec coords = nullptr;
  PDEINV_CALL(DMGetCoordinateDM(dm_, &cdm));
  PDEINV_CALL(DMGetCoordinatesLocal(dm_, &coords));
  PetscInt n = 0;
  PetscScalar* X = nullptr;
  PDEINV_CALL(DMPlexVecGetClosure(cdm, nullptr, coords, cell, &n, &X));
  std::vector<PetscReal> out(X, X + n);
  PDEINV_CALL(DMPlexVecRestoreClosure(cdm, nullptr, coords, cell, &n, &X));
  return out;
}

bool ReferenceMap::toReference(const PetscReal* X, const PetscReal* x, PetscReal* xi) const {
  for (int e = 0; e < dim_; ++e) xi[e] = simplex_ ? -1 + 2.0 / (dim_ + 1) : 0.0;
  PetscTabulation T = tab_.get();
  for (int it = 0; it < 50; ++it) {
    PDEINV_CALL(PetscFEComputeTabulation(fe_, 1, xi, 1, T));
    // r = x − x(ξ), J = ∂x/∂ξ (padded with the identity below dimension 3).
    Eigen::Matrix3d J = Eigen::Matrix3d::Identity();
    Eigen::Vector3d r = Eigen::Vector3d::Zero();
    for (int c = 0; c < dim_; ++c) {
      r[c] = x[c];
      J(c, c) = 0;
    }
    for (PetscInt b = 0; b < nb_; ++b)
      for (int c = 0; c < dim_; ++c) {
        r[c] -= T->T[0][b * dim_ + c] * X[b];
        for (int e = 0; e < dim_; ++e) J(c, e) += T->T[1][(b * dim_ + c) * dim_ + e] * X[b];
      }
    const auto lu = J.partialPivLu();
    if (!(std::abs(lu.determinant()) > 0)) return false;
    const Eigen::Vector3d delta = lu.solve(r);
    PetscReal step = 0;
    for (int e = 0; e < dim_; ++e) {
      xi[e] += delta[e];
      step = std::max(step, std::abs(delta[e]));
    }
    if (!std::isfinite(step) || step > 1e3) return false;
    // Quadratic convergence: after a step of 1e-10 the error is ~1e-20, i.e. round-off, which
    // in reference coordinates is ~ε|x|/h (3e-14 at h = 0.006), so no tighter test.
    if (affine_ || step <= 1e-10) return true;
  }
  return false;
}

}  // namespace pdeinv
