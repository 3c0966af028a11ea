#include "pdeinv/fem/function_space.hpp"

#include <petscdmplex.h>

#include <cmath>
#include <cstdint>
#include <regex>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/random.hpp"
#include "pdeinv/fem/expression.hpp"

namespace pdeinv {

ElementSpec ElementSpec::parse(const std::string& text, const std::string& origin, int dim,
                               bool simplexMesh) {
  // "P1", "P2", "Q1", "Q2", "P0"; a trailing "^d" or "v" makes it vector-valued ("P2v").
  static const std::regex re(R"(^([PQ])([012])(v?)$)");
  std::smatch m;
  require(std::regex_match(text, m, re), "unknown element '" + text + "' (" + origin +
                                             "); use P0, P1, P2 (Q1, Q2 on quads), "
                                             "with a trailing v for a vector field");
  require(m[1] != "Q" || !simplexMesh,
          "element '" + text + "' (" + origin +
              "): Q elements need quadrilateral or hexahedral cells, and this mesh has "
              "simplices; use P" +
              std::string(m[2]) + std::string(m[3]));
  ElementSpec s;
  s.degree = std::stoi(m[2]);
  s.components = m[3].length() ? dim : 1;
  return s;
}

std::string ElementSpec::str() const {
  std::string s = "P";
  s += std::to_string(degree);
  if (components > 1) s += 'v';
  return s;
}

FunctionSpace::FunctionSpace(const Mesh& mesh, ElementSpec element, const std::string& name,
                             std::vector<DirichletBC> bcs)
    : mesh_(&mesh), element_(element), name_(name), bcs_(std::move(bcs)) {
  require(element.degree >= 0 && element.degree <= 2,
          "function space '" + name + "': degree must be 0, 1 or 2");
  require(element.degree > 0 || bcs_.empty(),
          "function space '" + name + "': Dirichlet conditions need a continuous element");
  PDEINV_CALL(DMClone(mesh.dm(), dm_.out()));
  PDEINV_CALL(PetscObjectSetName(reinterpret_cast<PetscObject>(dm_.get()), name.c_str()));
  PDEINV_CALL(PetscFECreateLagrange(mesh.comm(), mesh.dim(), element.components,
                                    mesh.simplex() ? PETSC_TRUE : PETSC_FALSE, element.degree,
                                    PETSC_DETERMINE, fe_.out()));
  PDEINV_CALL(PetscObjectSetName(reinterpret_cast<PetscObject>(fe_.get()), name.c_str()));
  PDEINV_CALL(DMSetField(dm_, 0, nullptr, reinterpret_cast<PetscObject>(fe_.get())));
  PDEINV_CALL(DMCreateDS(dm_));
  for (size_t i = 0; i < bcs_.size(); ++i) {
    auto& bc = bcs_[i];
    require(bc.value && bc.value->components() == element.components,
            "Dirichlet condition on '" + name + "' needs a value with " +
                std::to_string(element.components) + " component(s)");
    DMLabel label = mesh.label(bc.label);
    require(!bc.values.empty(), "Dirichlet condition on '" + name + "': no label values given");
    const auto present = mesh.labelValues(bc.label);
    for (PetscInt v : bc.values) {
      require(std::find(present.begin(), present.end(), v) != present.end(),
              "Dirichlet condition on '" + name + "': label '" + bc.label + "' has no value " +
                  std::to_string(v));
    }
    const std::string bcName = name + "_dirichlet_" + std::to_string(i);
    PDEINV_CALL(DMAddBoundary(dm_, DM_BC_ESSENTIAL, bcName.c_str(), label,
                              static_cast<PetscInt>(bc.values.size()), bc.values.data(), 0, 0,
                              nullptr, reinterpret_cast<void (*)(void)>(&Expression::pointFunction),
                              nullptr, const_cast<Expression*>(bc.value.get()), nullptr));
  }
  // The prototype of createVector, made here on every rank (createVector and globalSize may be
  // called on some ranks only).
  PDEINV_CALL(DMCreateGlobalVector(dm_, prototype_.out()));
}

CellClosure cellClosureIndices(DM dm, PetscInt cStart, PetscInt cEnd, bool withGlobal) {
  CellClosure I;
  PetscSection local = nullptr, global = nullptr;
  PDEINV_CALL(DMGetLocalSection(dm, &local));
  if (withGlobal) PDEINV_CALL(DMGetGlobalSection(dm, &global));
  for (PetscInt c = cStart; c < cEnd; ++c) {
    for (int pass = 0; pass < (withGlobal ? 2 : 1); ++pass) {
      PetscSection idxSection = pass == 0 ? local : global;
      PetscInt n = 0, *idx = nullptr;
      PDEINV_CALL(DMPlexGetClosureIndices(dm, local, idxSection, c, PETSC_TRUE, &n, &idx, nullptr,
                                          nullptr));
      if (c == cStart && pass == 0) I.n = static_cast<int>(n);
      if (n != I.n) throw Error("assembler: cells with different closure sizes (mixed meshes)");
      auto& out = pass == 0 ? I.local : I.global;
      for (PetscInt i = 0; i < n; ++i) {
        // Local offsets of constrained dofs come back encoded as −(offset+1).
        out.push_back(pass == 0 && idx[i] < 0 ? -(idx[i] + 1) : idx[i]);
      }
      PDEINV_CALL(DMPlexRestoreClosureIndices(dm, local, idxSection, c, PETSC_TRUE, &n, &idx,
                                              nullptr, nullptr));
    }
  }
  return I;
}

const CellClosure& FunctionSpace::cellClosure() const {
  if (!closure_) {
    PetscInt cStart = 0, cEnd = 0;
    PDEINV_CALL(DMPlexGetSimplexOrBoxCells(dm_, 0, &cStart, &cEnd));
    closure_ = std::make_unique<CellClosure>(cellClosureIndices(dm_, cStart, cEnd, true));
  }
  return *closure_;
}

Owned<Mat> FunctionSpace::createMatrix(const FunctionSpace& cols) const {
  require(&cols.mesh() == mesh_,
          "createMatrix: '" + name_ + "' and '" + cols.name() + "' live on different meshes");
  auto rowv = createVector();
  auto colv = cols.createVector();
  PetscInt m = 0, n = 0, M = 0, N = 0;
  PDEINV_CALL(VecGetLocalSize(rowv, &m));
  PDEINV_CALL(VecGetLocalSize(colv, &n));
  PDEINV_CALL(VecGetSize(rowv, &M));
  PDEINV_CALL(VecGetSize(colv, &N));
  MPI_Comm comm = mesh_->comm();
  // The pattern from one pass over the cells' closures (MATPREALLOCATOR): DMCreateMatrix
  // recomputes every point's adjacency through transitive closures and cell-type label lookups,
  // which cost 0.2 s per matrix at 128² (P2) and left a transient peak of memory; it also
  // cannot couple two different sections.
  const CellClosure& ri = cellClosure();
  const CellClosure& ci = cols.cellClosure();
  const PetscInt nCells = ri.n > 0 ? static_cast<PetscInt>(ri.global.size()) / ri.n : 0;
  Owned<Mat> pre;
  PDEINV_CALL(MatCreate(comm, pre.out()));
  PDEINV_CALL(MatSetType(pre, MATPREALLOCATOR));
  PDEINV_CALL(MatSetSizes(pre, m, n, M, N));
  // One block size for rows and columns: a vector-valued space whose every point keeps all of
  // its components unconstrained or none (checked on every rank), as DMCreateMatrix sets it
  // (GAMG reads it for elasticity).
  PetscInt bs = 1;
  if (&cols == this && element_.components > 1) {
    bs = element_.components;
    PetscSection global = nullptr;
    PDEINV_CALL(DMGetGlobalSection(dm_, &global));
    PetscInt pStart = 0, pEnd = 0;
    PDEINV_CALL(PetscSectionGetChart(global, &pStart, &pEnd));
    for (PetscInt p = pStart; p < pEnd && bs > 1; ++p) {
      PetscInt dof = 0, cdof = 0;
      PDEINV_CALL(PetscSectionGetDof(global, p, &dof));
      PDEINV_CALL(PetscSectionGetConstraintDof(global, p, &cdof));
      if (dof < 0) dof = -(dof + 1);
      if ((dof - cdof) % bs != 0) bs = 1;
    }
    MPI_Allreduce(MPI_IN_PLACE, &bs, 1, MPIU_INT, MPI_MIN, comm);
    if (bs > 1) PDEINV_CALL(MatSetBlockSize(pre, bs));
  }
  PDEINV_CALL(MatSetUp(pre));
  std::vector<PetscScalar> zeros(static_cast<size_t>(ri.n) * static_cast<size_t>(ci.n), 0.0);
  for (PetscInt c = 0; c < nCells; ++c) {
    PDEINV_CALL(MatSetValues(pre, ri.n, ri.glob(c), ci.n, ci.glob(c), zeros.data(), INSERT_VALUES));
  }
  PDEINV_CALL(MatAssemblyBegin(pre, MAT_FINAL_ASSEMBLY));
  PDEINV_CALL(MatAssemblyEnd(pre, MAT_FINAL_ASSEMBLY));
  Owned<Mat> out;
  PDEINV_CALL(MatCreate(comm, out.out()));
  PDEINV_CALL(MatSetType(out, MATAIJ));
  PDEINV_CALL(MatSetSizes(out, m, n, M, N));
  if (bs > 1) PDEINV_CALL(MatSetBlockSize(out, bs));
  PDEINV_CALL(MatPreallocatorPreallocate(pre, PETSC_TRUE, out));
  PDEINV_CALL(MatSetDM(out, dm_));
  return out;
}

Owned<Vec> FunctionSpace::createVector() const {
  // DMCreateGlobalVector walks the whole section to size the vector; the reduced functional
  // creates work vectors in every Hessian action, so later vectors are duplicates of the first
  // (with the DM attached, as DMCreateGlobalVector does, for the viewers).
  Owned<Vec> v;
  PDEINV_CALL(VecDuplicate(prototype_, v.out()));
  PDEINV_CALL(VecSetDM(v, dm_));
  // Unnamed: PETSc's VTK writer prefixes the field name (the space's) with the vector's.
  PDEINV_CALL(PetscObjectSetName(reinterpret_cast<PetscObject>(v.get()), ""));
  return v;
}

PetscInt FunctionSpace::globalSize() const {
  // Read off the prototype vector, made at construction on every rank: creating a vector here
  // would be collective, and this is called on rank 0 alone (summaries). A PETSc object created
  // on one rank also shifts that rank's MPI tags, which later deadlocked PETSc's VTU writer.
  PetscInt n = 0;
  PDEINV_CALL(VecGetSize(prototype_, &n));
  return n;
}

void FunctionSpace::interpolate(const Expression& expr, Vec global) const {
  require(expr.components() == element_.components,
          "expression for " + expr.origin() + " has " + std::to_string(expr.components()) +
              " component(s) but the space '" + name_ + "' has " +
              std::to_string(element_.components));
  PetscErrorCode (*funcs[1])(PetscInt, PetscReal, const PetscReal[], PetscInt, PetscScalar[],
                             void*) = {&Expression::pointFunction};
  void* ctxs[1] = {const_cast<Expression*>(&expr)};
  PDEINV_CALL(DMProjectFunction(dm_, 0.0, funcs, ctxs, INSERT_ALL_VALUES, global));
  PetscReal norm = 0;
  PDEINV_CALL(VecNorm(global, NORM_1, &norm));
  require(std::isfinite(norm), "expression for " + expr.origin() + ": '" + expr.text() +
                                   "' is not finite (NaN or Inf) somewhere on the mesh");
}

void FunctionSpace::globalToLocal(Vec global, Vec local, bool insertBC, PetscReal t) const {
  PDEINV_CALL(VecSet(local, 0.0));
  PDEINV_CALL(DMGlobalToLocalBegin(dm_, global, INSERT_VALUES, local));
  PDEINV_CALL(DMGlobalToLocalEnd(dm_, global, INSERT_VALUES, local));
  if (!insertBC || bcs_.empty()) return;
  if (!haveBcCache_ || (t != bcTime_ && boundaryValuesDependOnTime())) {
    // Constrained dofs are zero after the scatter above (they are not in the global vector),
    // so the values inserted into a zero vector are all there is to remember.
    Vec bc = nullptr;
    PDEINV_CALL(DMGetLocalVector(dm_, &bc));
    PDEINV_CALL(VecSet(bc, 0.0));
    PDEINV_CALL(DMPlexInsertBoundaryValues(dm_, PETSC_TRUE, bc, t, nullptr, nullptr, nullptr));
    PetscInt n = 0;
    const PetscScalar* a = nullptr;
    PDEINV_CALL(VecGetLocalSize(bc, &n));
    PDEINV_CALL(VecGetArrayRead(bc, &a));
    bcCache_.clear();
    for (PetscInt i = 0; i < n; ++i)
      if (a[i] != 0.0) bcCache_.emplace_back(i, a[i]);
    PDEINV_CALL(VecRestoreArrayRead(bc, &a));
    PDEINV_CALL(DMRestoreLocalVector(dm_, &bc));
    bcTime_ = t;
    haveBcCache_ = true;
  }
  PetscScalar* a = nullptr;
  PDEINV_CALL(VecGetArray(local, &a));
  for (const auto& [i, v] : bcCache_) a[i] = v;
  PDEINV_CALL(VecRestoreArray(local, &a));
}

// The key of a dof: its node's coordinates (the nodal values of x, y, z in V, rounded to
// 1e-9) and its component.
Owned<Vec> FunctionSpace::coordinateField(int d) const {
  const int nc = components();
  std::string text = std::string(1, "xyz"[d]);
  for (int c = 1; c < nc; ++c) text += std::string(",") + "xyz"[d];
  auto xd = createVector();
  interpolate(Expression(text, "dof coordinates", nc), xd);
  return xd;
}

std::vector<std::uint64_t> FunctionSpace::dofKeys() const {
  // Three interpolations of x, y, z: computed once (prior samples and checkpoints both ask).
  if (haveDofKeys_) return dofKeys_;
  const FunctionSpace& V = *this;
  const int dim = V.dim(), nc = V.components();
  PetscInt n = 0;
  std::vector<std::uint64_t> keys;
  for (int d = 0; d < dim; ++d) {
    auto xd = V.coordinateField(d);
    PDEINV_CALL(VecGetLocalSize(xd, &n));
    keys.resize(static_cast<size_t>(n), 0);
    const PetscScalar* a = nullptr;
    PDEINV_CALL(VecGetArrayRead(xd, &a));
    for (PetscInt i = 0; i < n; ++i) {
      keys[static_cast<size_t>(i)] =
          combineKeys(keys[static_cast<size_t>(i)], coordinateKey(PetscRealPart(a[i])));
    }
    PDEINV_CALL(VecRestoreArrayRead(xd, &a));
  }
  for (PetscInt i = 0; i < n; ++i) {
    keys[static_cast<size_t>(i)] = combineKeys(keys[static_cast<size_t>(i)], i % nc);
  }
  dofKeys_ = keys;
  haveDofKeys_ = true;
  return keys;
}

}  // namespace pdeinv
