#pragma once
// ReferenceMap: pulls a physical point back into a cell's reference coordinates, ξ = F_K⁻¹(x),
// by Newton's method on the cell's coordinate map x(ξ) = Σ_b X_b φ_b(ξ) (the mesh's coordinate
// element: P1/Q1, or the coordinate DM's own), started at the reference cell's centre; one
// step on affine cells (P1 simplices). Used wherever points are not quadrature points: the
// boundary mass matrix (facet quadrature points) and point observations.
//
// Why not DMPlexCoordinatesToReference: in PETSc 3.18 every call goes through
// DMPlexGetSimplexOrBoxCells, which re-sorts the cell-type label — O(cells · log cells) per
// call (4 ms per point on 17k cells). The coordinate element is tabulated here directly.
#include <vector>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/mesh/mesh.hpp"

namespace pdeinv {

class ReferenceMap {
 public:
  explicit ReferenceMap(const Mesh& mesh);

  // Coordinate coefficients per cell (node-major, component-minor, in closure order).
  PetscInt coordinateDofs() const { return nb_; }
  std::vector<PetscReal> cellCoordinates(PetscInt cell) const;
  // ξ with x(ξ) = x for the cell with coordinate coefficients X; false when Newton's method
  // diverges, meets a singular Jacobian or does not converge (x is then far from the cell).
  bool toReference(const PetscReal* X, const PetscReal* x, PetscReal* xi) const;

 private:
  DM dm_ = nullptr;
  int dim_ = 0;
  bool simplex_ = false, affine_ = false;
  PetscInt nb_ = 0;
  Owned<PetscFE> fe_;
  Owned<PetscTabulation> tab_;  // at one point, with first derivatives (work space)
};

}  // namespace pdeinv
