#pragma once
// FunctionSpace: one finite-element field on a Mesh — continuous Lagrange P1/P2 (Q1/Q2 on
// quads/hexes), scalar or vector-valued, or discontinuous piecewise constants (P0) — with its
// own DM (a clone of the mesh sharing topology and coordinates), PetscSection and Dirichlet
// constraints. Constrained dofs are excluded from global vectors; BC values live in local
// vectors (PETSc's convention), so every global system is the reduced, invertible one.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/fem/expression.hpp"
#include "pdeinv/mesh/mesh.hpp"

namespace pdeinv {

struct ElementSpec {
  int degree = 1;      // 0 = piecewise constant (discontinuous), 1, 2 = continuous Lagrange
  int components = 1;  // 1 = scalar, dim = vector field
  // text: P0, P1, P2, Q1, Q2 (v: vector-valued). On quadrilaterals/hexahedra Pk is taken as the
  // tensor-product Qk (PETSc's Lagrange element on those cells); Qk on a simplex mesh is an
  // InputError naming origin (it cannot be what the user meant).
  static ElementSpec parse(const std::string& text, const std::string& origin, int dim,
                           bool simplexMesh = true);
  std::string str() const;
};

// u = g on the boundary facets whose label value is one of `values`.
struct DirichletBC {
  std::string label = "Face Sets";
  std::vector<PetscInt> values;
  std::shared_ptr<const Expression> value;  // components = the space's components
};

// Where each cell's closure dofs live: offsets into the local vector (constrained dofs
// included) and global indices for MatSetValues (negative for constrained dofs, which PETSc then
// ignores), n per cell, cells in DMPlexGetSimplexOrBoxCells order. Walking the transitive
// closure of every cell on every assembly (DMPlexVecGetClosure / DMPlexMatSetClosure) cost more
// than all the element math, so it is done once per space.
struct CellClosure {
  int n = 0;  // closure size
  std::vector<PetscInt> local, global;
  const PetscInt* loc(PetscInt c) const { return local.data() + c * n; }
  const PetscInt* glob(PetscInt c) const { return global.data() + c * n; }
};
// The closure indices of cells [cStart, cEnd) of dm (global ones only with withGlobal).
CellClosure cellClosureIndices(DM dm, PetscInt cStart, PetscInt cEnd, bool withGlobal);

class FunctionSpace {
 public:
  FunctionSpace(const Mesh& mesh, ElementSpec element, const std::string& name,
                std::vector<DirichletBC> bcs = {});

  DM dm() const { return dm_; }
  PetscFE fe() const { return fe_; }
  const Mesh& mesh() const { return *mesh_; }
  const ElementSpec& element() const { return element_; }
  const std::string& name() const { return name_; }
  int dim() const { return mesh_->dim(); }
  int components() const { return element_.components; }
  bool hasDirichlet() const { return !bcs_.empty(); }
  // Some Dirichlet value depends on the time t.
  bool boundaryValuesDependOnTime() const {
    for (const auto& bc : bcs_)
      if (bc.value && bc.value->dependsOnTime()) return true;
    return false;
  }
  // One key per local dof that does not depend on the partition (its node's coordinates and its
  // component): the same dof has the same key on any number of ranks and in any run.
  std::vector<std::uint64_t> dofKeys() const;
  // Coordinate d (x, y or z) of every dof's node: a global vector (each component of a vector
  // field holds its node's coordinate).
  Owned<Vec> coordinateField(int d) const;

  Owned<Vec> createVector() const;  // global (unconstrained dofs only)
  PetscInt globalSize() const;

  // Nodal interpolation of an expression (Lagrange) or cell-centroid value (P0).
  // InputError when the expression is not finite somewhere on the mesh.
  void interpolate(const Expression& expr, Vec global) const;

  // The closure indices of every cell, computed on first use and shared by every assembler.
  const CellClosure& cellClosure() const;
  // A matrix with this space's dofs as rows and `cols`' as columns (the same mesh), preallocated
  // for exactly the couplings of the cells' closures, assembled with zeros in that pattern, and
  // with this space's DM attached (and its block size when rows and columns are one space).
  Owned<Mat> createMatrix(const FunctionSpace& cols) const;

  // Global → local with Dirichlet values inserted (insertBC) or zeroed (directions/adjoints).
  void globalToLocal(Vec global, Vec local, bool insertBC, PetscReal t = 0) const;

 private:
  const Mesh* mesh_;
  ElementSpec element_;
  std::string name_;
  std::vector<DirichletBC> bcs_;
  Owned<DM> dm_;
  Owned<PetscFE> fe_;
  // The nonzero Dirichlet values of the local vector (offset, value) at time bcTime_:
  // DMPlexInsertBoundaryValues walks the boundary labels every call, which cost more than a
  // P1 residual assembly; the values are computed once (per t, when they depend on it).
  mutable std::vector<std::pair<PetscInt, PetscScalar>> bcCache_;
  mutable PetscReal bcTime_ = 0;
  mutable bool haveBcCache_ = false;
  Owned<Vec> prototype_;  // made at construction; createVector duplicates it
  mutable std::unique_ptr<CellClosure> closure_;
  mutable std::vector<std::uint64_t> dofKeys_;  // dofKeys(), computed once
  mutable bool haveDofKeys_ = false;
};

}  // namespace pdeinv
