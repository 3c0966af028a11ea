#include "pdeinv/fem/forms.hpp"

#include <petscdmplex.h>
#include <petscsf.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "pdeinv/core/error.hpp"
#include "pdeinv/fem/assembler.hpp"
#include "pdeinv/fem/reference_map.hpp"

namespace pdeinv {
namespace {

void identityG0(PetscInt, PetscInt, PetscInt, const PetscInt uOff[], const PetscInt[],
                const PetscScalar[], const PetscScalar[], const PetscScalar[], const PetscInt[],
                const PetscInt[], const PetscScalar[], const PetscScalar[], const PetscScalar[],
                PetscReal, PetscReal, const PetscReal[], PetscInt, const PetscScalar[],
                PetscScalar g0[]) {
  const PetscInt Nc = uOff[1] - uOff[0];
  for (PetscInt c = 0; c < Nc; ++c) g0[c * Nc + c] = 1.0;
}

void identityG3(PetscInt dim, PetscInt, PetscInt, const PetscInt uOff[], const PetscInt[],
                const PetscScalar[], const PetscScalar[], const PetscScalar[], const PetscInt[],
                const PetscInt[], const PetscScalar[], const PetscScalar[], const PetscScalar[],
                PetscReal, PetscReal, const PetscReal[], PetscInt, const PetscScalar[],
                PetscScalar g3[]) {
  const PetscInt Nc = uOff[1] - uOff[0];
  for (PetscInt c = 0; c < Nc; ++c)
    for (PetscInt d = 0; d < dim; ++d) g3[((c * Nc + c) * dim + d) * dim + d] = 1.0;
}

// −∇·(Θ∇u) tested with v: ∫ ∇v · Θ∇u = Σ ∂_f v Θ_fg ∂_g u, so the g3 block (test derivative f,
// trial derivative g) is Θ_fg itself, read row-major from the kernel constants.
void thetaG3(PetscInt dim, PetscInt, PetscInt, const PetscInt uOff[], const PetscInt[],
             const PetscScalar[], const PetscScalar[], const PetscScalar[], const PetscInt[],
             const PetscInt[], const PetscScalar[], const PetscScalar[], const PetscScalar[],
             PetscReal, PetscReal, const PetscReal[], PetscInt, const PetscScalar constants[],
             PetscScalar g3[]) {
  const PetscInt Nc = uOff[1] - uOff[0];
  for (PetscInt c = 0; c < Nc; ++c)
    for (PetscInt f = 0; f < dim; ++f)
      for (PetscInt g = 0; g < dim; ++g)
        g3[((c * Nc + c) * dim + f) * dim + g] = constants[f * dim + g];
}

// A matrix of V's layout: a structural copy of `layout` when given, else V's own.
Owned<Mat> createMatrix(const FunctionSpace& V, Mat layout) {
  Owned<Mat> A;
  if (layout) {
    PDEINV_CALL(MatDuplicate(layout, MAT_DO_NOT_COPY_VALUES, A.out()));
  } else {
    A = V.createMatrix(V);
  }
  return A;
}

Owned<Mat> assembleForm(const FunctionSpace& V, const JacobianKernels& k, Mat layout,
                        std::vector<PetscScalar> constants = {}) {
  Assembler assembler(V, {});
  assembler.setConstants(std::move(constants));
  auto A = createMatrix(V, layout);
  assembler.stateJacobian(k, nullptr, {}, A);
  return A;
}

// Points of the point SF's leaves: copies of points another rank owns.
std::vector<char> ghostPoints(DM dm) {
  PetscInt pStart = 0, pEnd = 0;
  PDEINV_CALL(DMPlexGetChart(dm, &pStart, &pEnd));
  std::vector<char> ghost(static_cast<size_t>(pEnd - pStart), 0);
  PetscSF sf = nullptr;
  PDEINV_CALL(DMGetPointSF(dm, &sf));
  PetscInt nroots = 0, nleaves = 0;
  const PetscInt* leaves = nullptr;
  PDEINV_CALL(PetscSFGetGraph(sf, &nroots, &nleaves, &leaves, nullptr));
  for (PetscInt i = 0; i < std::max<PetscInt>(nleaves, 0); ++i) {
    ghost[(leaves ? leaves[i] : i) - pStart] = 1;
  }
  return ghost;
}

// Vertices of a facet in an order its reference map can use: any order for a segment or
// triangle (affine maps); cyclic for a quadrilateral (walked along its edges, so nothing is
// assumed about the order DMPlex lists the closure in).
std::vector<PetscInt> facetVertices(DM dm, PetscInt facet) {
  PetscInt vStart = 0, vEnd = 0, eStart = 0, eEnd = 0;
  PDEINV_CALL(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PDEINV_CALL(DMPlexGetDepthStratum(dm, 1, &eStart, &eEnd));
  PetscInt n = 0, *closure = nullptr;
  PDEINV_CALL(DMPlexGetTransitiveClosure(dm, facet, PETSC_TRUE, &n, &closure));
  std::vector<PetscInt> verts, edges;
  for (PetscInt i = 0; i < n; ++i) {
    const PetscInt p = closure[2 * i];
    if (p >= vStart && p < vEnd) verts.push_back(p);
    if (p >= eStart && p < eEnd && p != facet) edges.push_back(p);
  }
  PDEINV_CALL(DMPlexRestoreTransitiveClosure(dm, facet, PETSC_TRUE, &n, &closure));
  if (verts.size() != 4) return verts;
  std::vector<PetscInt> cyclic = {verts[0]};
  while (cyclic.size() < 4) {
    const PetscInt last = cyclic.back();
    bool advanced = false;
    for (PetscInt e : edges) {
      const PetscInt* cone = nullptr;
      PDEINV_CALL(DMPlexGetCone(dm, e, &cone));
      const PetscInt other = cone[0] == last ? cone[1] : cone[1] == last ? cone[0] : -1;
      if (other >= 0 && std::find(cyclic.begin(), cyclic.end(), other) == cyclic.end()) {
        cyclic.push_back(other);
        advanced = true;
        break;
      }
    }
    if (!advanced)
      throw Error("boundaryMassMatrix: facet " + std::to_string(facet) +
                  " is not a quadrilateral cycle of edges");
  }
  return cyclic;
}

}  // namespace

Owned<Mat> massMatrix(const FunctionSpace& V, Mat layout) {
  JacobianKernels k;
  k.g0 = identityG0;
  return assembleForm(V, k, layout);
}

Owned<Mat> stiffnessMatrix(const FunctionSpace& V, Mat layout) {
  JacobianKernels k;
  k.g3 = identityG3;
  return assembleForm(V, k, layout);
}

Owned<Mat> anisotropicStiffnessMatrix(const FunctionSpace& V, const std::vector<PetscReal>& theta,
                                      Mat layout) {
  const size_t d = static_cast<size_t>(V.dim());
  require(theta.size() == d * d, "anisotropic stiffness on '" + V.name() + "': the tensor needs " +
                                     std::to_string(d * d) + " entries, got " +
                                     std::to_string(theta.size()));
  JacobianKernels k;
  k.g3 = thetaG3;
  return assembleForm(V, k, layout, std::vector<PetscScalar>(theta.begin(), theta.end()));
}

// For each labelled facet f with a cell c in its support:
//   1. a quadrature on the reference facet (Gauss–Legendre; Stroud's conical rule on the
//      reference triangle for tetrahedral faces), mapped to physical points x_q on f by the
//      facet's own affine (segment, triangle) or bilinear (quadrilateral) map, whose surface
//      Jacobian |∂x/∂s| (|∂x/∂ξ × ∂x/∂η| in 3-D) gives the weights ds_q;
//   2. x_q pulled back into c's reference coordinates (ReferenceMap), where V's element is
//      tabulated: φ_i(x_q);
//   3. B_e = Σ_q ds_q Φ_qᵀ Φ_q scattered with c's closure indices (constrained dofs dropped).
// Boundary facets have exactly one cell; an interior facet is taken from its first cell. Each
// facet is integrated once: copies of facets owned by another rank (point-SF leaves) are
// skipped. Assembled once per prior, so the per-facet tabulation costs nothing that matters.
Owned<Mat> boundaryMassMatrix(const FunctionSpace& V, const std::string& labelName, PetscInt value,
                              Mat layout) {
  require(V.element().degree >= 1,
          "boundary mass matrix on '" + V.name() + "': needs a continuous element (degree 1 or 2)");
  const Mesh& mesh = V.mesh();
  DM dm = mesh.dm();
  DMLabel label = mesh.label(labelName);
  const auto present = mesh.labelValues(labelName);
  require(std::find(present.begin(), present.end(), value) != present.end(),
          "boundary mass matrix: label '" + labelName + "' has no value " + std::to_string(value));
  const int dim = mesh.dim(), fdim = dim - 1;
  require(dim >= 2, "boundary mass matrix: needs a 2-D or 3-D mesh");

  // Reference-facet quadrature: exact for φ_iφ_j (degree 2k) with k+1 points per direction;
  // one more for the non-constant surface Jacobian of a warped bilinear quadrilateral.
  Owned<PetscQuadrature> quad;
  const PetscInt npts = V.element().degree + 2;
  if (mesh.simplex()) {
    PDEINV_CALL(PetscDTStroudConicalQuadrature(fdim, 1, npts, -1.0, 1.0, quad.out()));
  } else {
    PDEINV_CALL(PetscDTGaussTensorQuadrature(fdim, 1, npts, -1.0, 1.0, quad.out()));
  }
  PetscInt Nq = 0;
  const PetscReal *qpts = nullptr, *qwts = nullptr;
  PDEINV_CALL(PetscQuadratureGetData(quad, nullptr, nullptr, &Nq, &qpts, &qwts));

  auto B = createMatrix(V, layout);
  PDEINV_CALL(MatZeroEntries(B));
  PDEINV_CALL(MatSetOption(B, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_TRUE));

  PetscInt fStart = 0, fEnd = 0, pStart = 0, pEnd = 0;
  PDEINV_CALL(DMPlexGetHeightStratum(dm, 1, &fStart, &fEnd));
  PDEINV_CALL(DMPlexGetChart(dm, &pStart, &pEnd));
  const auto ghost = ghostPoints(dm);
  const ReferenceMap refMap(V.mesh());
  Vec coords = nullptr;
  PetscSection coordSection = nullptr, localSection = nullptr, globalSection = nullptr;
  PDEINV_CALL(DMGetCoordinatesLocal(dm, &coords));
  PDEINV_CALL(DMGetCoordinateSection(dm, &coordSection));
  PDEINV_CALL(DMGetLocalSection(V.dm(), &localSection));
  PDEINV_CALL(DMGetGlobalSection(V.dm(), &globalSection));
  PetscInt Nb = 0, Nc = 0;
  PDEINV_CALL(PetscFEGetDimension(V.fe(), &Nb));
  PDEINV_CALL(PetscFEGetNumComponents(V.fe(), &Nc));

  IS facetsIS = nullptr;
  PDEINV_CALL(DMLabelGetStratumIS(label, value, &facetsIS));
  Owned<IS> facetsOwned(facetsIS);
  PetscInt nPoints = 0;
  const PetscInt* points = nullptr;
  if (facetsIS) {
    PDEINV_CALL(ISGetLocalSize(facetsIS, &nPoints));
    PDEINV_CALL(ISGetIndices(facetsIS, &points));
  }
  const PetscScalar* x = nullptr;
  PDEINV_CALL(VecGetArrayRead(coords, &x));
  std::vector<PetscReal> phys(static_cast<size_t>(Nq * dim)), ref(phys.size()), ds(Nq);
  Eigen::Matrix<PetscScalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> Be(Nb, Nb);
  Eigen::MatrixXd phi(Nc, Nb);
  try {
    for (PetscInt i = 0; i < nPoints; ++i) {
      const PetscInt f = points[i];
      if (f < fStart || f >= fEnd || ghost[f - pStart]) continue;
      PetscInt nSupport = 0;
      const PetscInt* support = nullptr;
      PDEINV_CALL(DMPlexGetSupportSize(dm, f, &nSupport));
      PDEINV_CALL(DMPlexGetSupport(dm, f, &support));
      if (nSupport < 1) continue;
      const PetscInt cell = support[0];

      // 1. Physical quadrature points and surface weights.
      const auto verts = facetVertices(dm, f);
      std::vector<Eigen::VectorXd> v;
      for (PetscInt p : verts) {
        PetscInt off = 0;
        PDEINV_CALL(PetscSectionGetOffset(coordSection, p, &off));
        v.push_back(Eigen::Map<const Eigen::VectorXd>(x + off, dim));
      }
      for (PetscInt q = 0; q < Nq; ++q) {
        const PetscReal* s = qpts + q * fdim;
        Eigen::VectorXd xq;
        PetscReal jac = 1;
        if (v.size() == 2) {
          xq = v[0] + 0.5 * (s[0] + 1) * (v[1] - v[0]);
          jac = 0.5 * (v[1] - v[0]).norm();
        } else if (v.size() == 3) {
          const Eigen::Vector3d e1 = v[1] - v[0], e2 = v[2] - v[0];
          xq = v[0] + 0.5 * (s[0] + 1) * (v[1] - v[0]) + 0.5 * (s[1] + 1) * (v[2] - v[0]);
          jac = 0.25 * e1.cross(e2).norm();
        } else if (v.size() == 4) {
          const PetscReal a = s[0], b = s[1];
          const PetscReal N[4] = {(1 - a) * (1 - b) / 4, (1 + a) * (1 - b) / 4,
                                  (1 + a) * (1 + b) / 4, (1 - a) * (1 + b) / 4};
          const PetscReal Na[4] = {-(1 - b) / 4, (1 - b) / 4, (1 + b) / 4, -(1 + b) / 4};
          const PetscReal Nb_[4] = {-(1 - a) / 4, -(1 + a) / 4, (1 + a) / 4, (1 - a) / 4};
          xq = Eigen::VectorXd::Zero(dim);
          Eigen::Vector3d ta = Eigen::Vector3d::Zero(), tb = Eigen::Vector3d::Zero();
          for (int k = 0; k < 4; ++k) {
            xq += N[k] * v[k];
            ta += Na[k] * v[k];
            tb += Nb_[k] * v[k];
          }
          jac = ta.cross(tb).norm();
        } else {
          throw Error("boundaryMassMatrix: facet " + std::to_string(f) + " has " +
                      std::to_string(v.size()) + " vertices (unsupported facet type)");
        }
        std::copy(xq.data(), xq.data() + dim, phys.begin() + q * dim);
        ds[q] = qwts[q] * jac;
      }

      // 2. Into the cell's reference coordinates; V's element there.
      const auto Xc = refMap.cellCoordinates(cell);
      for (PetscInt q = 0; q < Nq; ++q) {
        if (!refMap.toReference(Xc.data(), phys.data() + q * dim, ref.data() + q * dim)) {
          throw Error("boundaryMassMatrix: Newton's method did not locate facet points in cell " +
                      std::to_string(cell));
        }
      }
      PetscTabulation tab = nullptr;
      PDEINV_CALL(PetscFECreateTabulation(V.fe(), 1, Nq, ref.data(), 0, &tab));
      Owned<PetscTabulation> tabOwned(tab);
      Be.setZero();
      for (PetscInt q = 0; q < Nq; ++q) {
        for (PetscInt b = 0; b < Nb; ++b)
          for (PetscInt c = 0; c < Nc; ++c) phi(c, b) = tab->T[0][(q * Nb + b) * Nc + c];
        Be.noalias() += ds[q] * (phi.transpose() * phi);
      }

      // 3. Scatter with the cell's closure indices.
      PetscInt n = 0, *idx = nullptr;
      PDEINV_CALL(DMPlexGetClosureIndices(V.dm(), localSection, globalSection, cell, PETSC_TRUE, &n,
                                          &idx, nullptr, nullptr));
      if (n != Nb) {
        DMPlexRestoreClosureIndices(V.dm(), localSection, globalSection, cell, PETSC_TRUE, &n, &idx,
                                    nullptr, nullptr);
        throw Error("boundaryMassMatrix: closure of cell " + std::to_string(cell) + " has " +
                    std::to_string(n) + " dofs, the element " + std::to_string(Nb));
      }
      const PetscErrorCode ierr = MatSetValues(B, n, idx, n, idx, Be.data(), ADD_VALUES);
      PDEINV_CALL(DMPlexRestoreClosureIndices(V.dm(), localSection, globalSection, cell, PETSC_TRUE,
                                              &n, &idx, nullptr, nullptr));
      PDEINV_CALL(ierr);
    }
  } catch (...) {
    VecRestoreArrayRead(coords, &x);
    if (facetsIS) ISRestoreIndices(facetsIS, &points);
    throw;
  }
  PDEINV_CALL(VecRestoreArrayRead(coords, &x));
  if (facetsIS) PDEINV_CALL(ISRestoreIndices(facetsIS, &points));
  PDEINV_CALL(MatAssemblyBegin(B, MAT_FINAL_ASSEMBLY));
  PDEINV_CALL(MatAssemblyEnd(B, MAT_FINAL_ASSEMBLY));
  return B;
}

PetscReal relativeError(Mat M, Vec a, Vec b) {
  Owned<Vec> d, Md;
  PDEINV_CALL(VecDuplicate(a, d.out()));
  PDEINV_CALL(VecDuplicate(a, Md.out()));
  PDEINV_CALL(VecWAXPY(d, -1.0, b, a));
  PetscScalar dd = 0, bb = 0;
  PDEINV_CALL(MatMult(M, d, Md));
  PDEINV_CALL(VecDot(d, Md, &dd));
  PDEINV_CALL(MatMult(M, b, Md));
  PDEINV_CALL(VecDot(b, Md, &bb));
  return bb > 0 ? std::sqrt(PetscRealPart(dd) / PetscRealPart(bb)) : std::sqrt(PetscRealPart(dd));
}

}  // namespace pdeinv
