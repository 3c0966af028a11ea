#include "pdeinv/fem/assembler.hpp"

#include <petscdmplex.h>

#include <algorithm>
#include <cmath>

#include "pdeinv/core/error.hpp"

namespace pdeinv {
namespace {

using RowMat = Eigen::Matrix<PetscScalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Mat_ = Eigen::MatrixXd;
using Vec_ = Eigen::VectorXd;

// Reference tabulation of one element at the quadrature points:
// phi[q] is Nc × Nb (values), dref[q] is (Nc·dim) × Nb with row c·dim+e = ∂φ_c/∂ξ_e.
struct Tabulation {
  int Nb = 0, Nc = 0;
  std::vector<Mat_> phi, dref;
};

Tabulation tabulate(PetscFE fe, int dim, PetscInt Nq, const PetscReal* points) {
  Tabulation T;
  PetscInt Nb = 0, Nc = 0;
  PDEINV_CALL(PetscFEGetDimension(fe, &Nb));
  PDEINV_CALL(PetscFEGetNumComponents(fe, &Nc));
  T.Nb = static_cast<int>(Nb);
  T.Nc = static_cast<int>(Nc);
  PetscTabulation tab = nullptr;
  PDEINV_CALL(PetscFECreateTabulation(fe, 1, Nq, points, 1, &tab));
  for (int q = 0; q < Nq; ++q) {
    Mat_ phi(T.Nc, T.Nb), dref(T.Nc * dim, T.Nb);
    for (int b = 0; b < T.Nb; ++b)
      for (int c = 0; c < T.Nc; ++c) {
        phi(c, b) = tab->T[0][(q * T.Nb + b) * T.Nc + c];
        for (int e = 0; e < dim; ++e)
          dref(c * dim + e, b) = tab->T[1][((q * T.Nb + b) * T.Nc + c) * dim + e];
      }
    T.phi.push_back(std::move(phi));
    T.dref.push_back(std::move(dref));
  }
  PDEINV_CALL(PetscTabulationDestroy(&tab));
  return T;
}

// Where each cell's closure dofs live, computed once per field: offsets into the local vector
// (constrained dofs included) and global indices for MatSetValues (negative for constrained
// dofs, which PETSc then ignores). Walking the transitive closure of every cell on every
// assembly (DMPlexVecGetClosure / DMPlexMatSetClosure) cost more than all the element math.
struct CellIndices {
  int n = 0;  // closure size
  std::vector<PetscInt> local, global;
  const PetscInt* loc(PetscInt c) const { return local.data() + c * n; }
  const PetscInt* glob(PetscInt c) const { return global.data() + c * n; }
};

CellIndices closureIndices(DM dm, PetscInt cStart, PetscInt cEnd, bool withGlobal) {
  CellIndices I;
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

// Read access to a local vector's array for the duration of a loop.
class ReadArray {
 public:
  explicit ReadArray(Vec v) : v_(v) { PDEINV_CALL(VecGetArrayRead(v_, &a_)); }
  ~ReadArray() { VecRestoreArrayRead(v_, &a_); }
  const PetscScalar* get() const { return a_; }

 private:
  Vec v_;
  const PetscScalar* a_ = nullptr;
};
class WriteArray {
 public:
  explicit WriteArray(Vec v) : v_(v) { PDEINV_CALL(VecGetArray(v_, &a_)); }
  ~WriteArray() { VecRestoreArray(v_, &a_); }
  PetscScalar* get() const { return a_; }

 private:
  Vec v_;
  PetscScalar* a_ = nullptr;
};

void gather(const PetscScalar* array, const PetscInt* idx, int n, Vec_& out) {
  out.resize(n);
  for (int i = 0; i < n; ++i) out[i] = array[idx[i]];
}
void scatterAdd(PetscScalar* array, const PetscInt* idx, const Vec_& v) {
  for (Eigen::Index i = 0; i < v.size(); ++i) array[idx[i]] += v[i];
}

// PETSc's g-block layouts → dense matrices acting on (values | gradients) of test and trial.
//  g0[fc·Nv+gc] → (Nu × Nv); g1[(fc·Nv+gc)·d+dg] → (Nu × Nv·d);
//  g2[(fc·Nv+gc)·d+df] → (Nu·d × Nv); g3[((fc·Nv+gc)·d+df)·d+dg] → (Nu·d × Nv·d).
void unpackG2(const PetscScalar* g, int Nu, int Nv, int d, Mat_& out) {
  out.resize(Nu * d, Nv);
  for (int fc = 0; fc < Nu; ++fc)
    for (int gc = 0; gc < Nv; ++gc)
      for (int df = 0; df < d; ++df) out(fc * d + df, gc) = g[(fc * Nv + gc) * d + df];
}
void unpackG3(const PetscScalar* g, int Nu, int Nv, int d, Mat_& out) {
  out.resize(Nu * d, Nv * d);
  for (int fc = 0; fc < Nu; ++fc)
    for (int gc = 0; gc < Nv; ++gc)
      for (int df = 0; df < d; ++df)
        for (int dg = 0; dg < d; ++dg)
          out(fc * d + df, gc * d + dg) = g[((fc * Nv + gc) * d + df) * d + dg];
}

}  // namespace

struct Assembler::Impl {
  int dim = 0, Nq = 0;
  PetscInt cStart = 0, cEnd = 0;
  Owned<PetscQuadrature> quad;
  std::vector<PetscReal> weights;
  std::vector<Tabulation> tabs;  // 0 = state, 1.. = aux
  std::vector<CellIndices> indices;
  std::vector<Owned<Vec>> locals;
  std::vector<bool> auxInsertBC;
  // Coordinates: their element tabulated once, their closure offsets, the local vector.
  Tabulation coordTab;
  CellIndices coordIndices;
  Vec coords = nullptr;
  // Kernel argument layout (PETSc convention).
  std::vector<PetscInt> uOff, uOff_x, aOff, aOff_x;
  // Per-cell scratch: geometry, field coefficients and physical gradients.
  std::vector<PetscReal> x, J, invJ, detJ;
  Vec_ coordCoeff;
  std::vector<Vec_> coeff;
  std::vector<std::vector<Mat_>> grad;                // [field][q]: (Nc·dim) × Nb
  std::vector<PetscScalar> u, u_t, u_x, a, a_t, a_x;  // at one quadrature point
  std::vector<PetscScalar> gbuf;
  std::vector<PetscScalar> f0base, f1base, f0probe, f1probe;
  Mat_ G, tmp, g0p, g1p, g2p, g3p;
  RowMat K;

  int nAux() const { return static_cast<int>(tabs.size()) - 1; }

  // Fills the local vectors: the state with its Dirichlet values, then the aux fields.
  void load(const FunctionSpace& state, const std::vector<const FunctionSpace*>& aux, Vec uGlobal,
            const std::vector<Vec>& aGlobal, PetscReal t) {
    require(static_cast<int>(aGlobal.size()) == nAux(),
            "assembler: expected " + std::to_string(nAux()) + " coefficient fields, got " +
                std::to_string(aGlobal.size()));
    if (uGlobal) {
      state.globalToLocal(uGlobal, locals[0], true, t);
    } else {
      Owned<Vec> zero = state.createVector();
      PDEINV_CALL(VecSet(zero, 0.0));
      state.globalToLocal(zero, locals[0], true, t);
    }
    for (int k = 0; k < nAux(); ++k) {
      aux[k]->globalToLocal(aGlobal[k], locals[k + 1], auxInsertBC[k], t);
    }
  }

  // x, J = ∂x/∂ξ, J⁻¹ and det J at the quadrature points, from the coordinate element
  // tabulated once (DMPlexComputeCellGeometryFEM re-tabulates it for every cell).
  void computeGeometry(PetscInt cell, const PetscScalar* coordArray) {
    gather(coordArray, coordIndices.loc(cell - cStart), coordIndices.n, coordCoeff);
    const auto& T = coordTab;
    for (int q = 0; q < Nq; ++q) {
      Eigen::Map<Vec_>(x.data() + q * dim, dim).noalias() = T.phi[q] * coordCoeff;
      // J[c·dim+e] = ∂x_c/∂ξ_e
      Eigen::Map<Vec_>(J.data() + q * dim * dim, dim * dim).noalias() = T.dref[q] * coordCoeff;
      Eigen::Map<RowMat> Jm(J.data() + q * dim * dim, dim, dim);
      Eigen::Map<RowMat> iJ(invJ.data() + q * dim * dim, dim, dim);
      if (dim == 2) {
        const PetscReal det = Jm(0, 0) * Jm(1, 1) - Jm(0, 1) * Jm(1, 0);
        detJ[q] = det;
        iJ(0, 0) = Jm(1, 1) / det, iJ(0, 1) = -Jm(0, 1) / det;
        iJ(1, 0) = -Jm(1, 0) / det, iJ(1, 1) = Jm(0, 0) / det;
      } else if (dim == 3) {
        const Eigen::Matrix3d j3 = Jm;
        detJ[q] = j3.determinant();
        iJ = j3.inverse();
      } else {
        detJ[q] = Jm(0, 0);
        iJ(0, 0) = 1.0 / Jm(0, 0);
      }
      if (!(detJ[q] > 0)) {
        throw Error("inverted or degenerate cell " + std::to_string(cell) +
                    " (det J = " + std::to_string(detJ[q]) + ")");
      }
    }
  }

  // Geometry, field coefficients and physical gradients on one cell.
  void setupCell(PetscInt cell, const std::vector<const PetscScalar*>& arrays,
                 const PetscScalar* coordArray) {
    computeGeometry(cell, coordArray);
    for (size_t f = 0; f < tabs.size(); ++f) {
      const auto& T = tabs[f];
      gather(arrays[f], indices[f].loc(cell - cStart), indices[f].n, coeff[f]);
      for (int q = 0; q < Nq; ++q) {
        // ∂φ/∂x_d = Σ_e ∂φ/∂ξ_e · invJ[e·dim+d]
        Eigen::Map<const RowMat> iJ(invJ.data() + q * dim * dim, dim, dim);
        for (int c = 0; c < T.Nc; ++c) {
          grad[f][q].middleRows(c * dim, dim).noalias() =
              iJ.transpose() * T.dref[q].middleRows(c * dim, dim);
        }
      }
    }
  }

  // u, ∇u, a, ∇a at quadrature point q.
  void evaluatePoint(int q) {
    const auto& T0 = tabs[0];
    Eigen::Map<Vec_>(u.data(), T0.Nc).noalias() = T0.phi[q] * coeff[0];
    Eigen::Map<Vec_>(u_x.data(), T0.Nc * dim).noalias() = grad[0][q] * coeff[0];
    for (int k = 0; k < nAux(); ++k) {
      const auto& T = tabs[k + 1];
      Eigen::Map<Vec_>(a.data() + aOff[k], T.Nc).noalias() = T.phi[q] * coeff[k + 1];
      Eigen::Map<Vec_>(a_x.data() + aOff_x[k], T.Nc * dim).noalias() =
          grad[k + 1][q] * coeff[k + 1];
    }
  }

  void callF(PetscPointFunc f, PetscReal t, int q, const std::vector<PetscScalar>& c,
             PetscScalar* out) const {
    f(dim, 1, nAux(), uOff.data(), uOff_x.data(), u.data(), u_t.data(), u_x.data(), aOff.data(),
      aOff_x.data(), a.data(), a_t.data(), a_x.data(), t, x.data() + q * dim,
      static_cast<PetscInt>(c.size()), c.data(), out);
  }
  void callG(PetscPointJac g, PetscReal t, int q, const std::vector<PetscScalar>& c) {
    std::fill(gbuf.begin(), gbuf.end(), 0.0);
    g(dim, 1, nAux(), uOff.data(), uOff_x.data(), u.data(), u_t.data(), u_x.data(), aOff.data(),
      aOff_x.data(), a.data(), a_t.data(), a_x.data(), t, 0.0, x.data() + q * dim,
      static_cast<PetscInt>(c.size()), c.data(), gbuf.data());
  }

  // Element residual of the current cell.
  void elementResidual(const ResidualKernels& k, PetscReal t, const std::vector<PetscScalar>& c,
                       Vec_& re) {
    const auto& T = tabs[0];
    re.setZero(T.Nb);
    Vec_ f0(T.Nc), f1(T.Nc * dim);
    for (int q = 0; q < Nq; ++q) {
      evaluatePoint(q);
      const PetscReal w = weights[q] * detJ[q];
      if (k.f0) {
        f0.setZero();
        callF(k.f0, t, q, c, f0.data());
        re.noalias() += w * (T.phi[q].transpose() * f0);
      }
      if (k.f1) {
        f1.setZero();
        callF(k.f1, t, q, c, f1.data());
        re.noalias() += w * (grad[0][q].transpose() * f1);
      }
    }
  }

  // Element Jacobian of the state residual with respect to field `trial` (0 = state, k+1 = aux
  // k), into K (row-major, test dofs × trial dofs).
  void elementJacobian(const JacobianKernels& kern, int trial, PetscReal t,
                       const std::vector<PetscScalar>& c) {
    const auto& TU = tabs[0];
    const auto& TV = tabs[trial];
    const int Nu = TU.Nc, Nv = TV.Nc;
    K.setZero(TU.Nb, TV.Nb);
    for (int q = 0; q < Nq; ++q) {
      evaluatePoint(q);
      const PetscReal w = weights[q] * detJ[q];
      const Mat_& gradU = grad[0][q];
      const Mat_& gradV = grad[trial][q];
      if (kern.g0) {
        callG(kern.g0, t, q, c);
        tmp.noalias() = Eigen::Map<const RowMat>(gbuf.data(), Nu, Nv) * TV.phi[q];
        K.noalias() += w * (TU.phi[q].transpose() * tmp);
      }
      if (kern.g1) {
        callG(kern.g1, t, q, c);
        tmp.noalias() = Eigen::Map<const RowMat>(gbuf.data(), Nu, Nv * dim) * gradV;
        K.noalias() += w * (TU.phi[q].transpose() * tmp);
      }
      if (kern.g2) {
        callG(kern.g2, t, q, c);
        unpackG2(gbuf.data(), Nu, Nv, dim, G);
        tmp.noalias() = G * TV.phi[q];
        K.noalias() += w * (gradU.transpose() * tmp);
      }
      if (kern.g3) {
        callG(kern.g3, t, q, c);
        unpackG3(gbuf.data(), Nu, Nv, dim, G);
        tmp.noalias() = G * gradV;
        K.noalias() += w * (gradU.transpose() * tmp);
      }
    }
  }

  // The pointwise derivatives of residual kernels with respect to aux field k, read off by
  // probing: with a_k's value (or one gradient component) set to 1, f − f(base) is the column
  // of g0/g2 (or g1/g3). Exact for kernels affine in a_k, which the second-order kernels are
  // (they are linear in the direction); so a matrix comes from kernels written as residuals.
  void elementJacobianProbed(const ResidualKernels& kern, int k, PetscReal t,
                             const std::vector<PetscScalar>& c) {
    const auto& TU = tabs[0];
    const auto& TV = tabs[k + 1];
    const int Nu = TU.Nc, Nv = TV.Nc, d = dim;
    K.setZero(TU.Nb, TV.Nb);
    f0base.assign(Nu, 0.0), f1base.assign(Nu * d, 0.0);
    f0probe.assign(Nu, 0.0), f1probe.assign(Nu * d, 0.0);
    g0p.setZero(Nu, Nv), g1p.setZero(Nu, Nv * d), g2p.setZero(Nu * d, Nv),
        g3p.setZero(Nu * d, Nv * d);
    auto eval = [&](int q, std::vector<PetscScalar>& f0, std::vector<PetscScalar>& f1) {
      std::fill(f0.begin(), f0.end(), 0.0);
      std::fill(f1.begin(), f1.end(), 0.0);
      if (kern.f0) callF(kern.f0, t, q, c, f0.data());
      if (kern.f1) callF(kern.f1, t, q, c, f1.data());
    };
    for (int q = 0; q < Nq; ++q) {
      evaluatePoint(q);
      const PetscReal w = weights[q] * detJ[q];
      eval(q, f0base, f1base);
      for (int gc = 0; gc < Nv; ++gc) {
        PetscScalar& v = a[aOff[k] + gc];
        const PetscScalar keep = v;
        v = keep + 1.0;
        eval(q, f0probe, f1probe);
        v = keep;
        for (int fc = 0; fc < Nu; ++fc) {
          g0p(fc, gc) = f0probe[fc] - f0base[fc];
          for (int df = 0; df < d; ++df)
            g2p(fc * d + df, gc) = f1probe[fc * d + df] - f1base[fc * d + df];
        }
        for (int dg = 0; dg < d; ++dg) {
          PetscScalar& vx = a_x[aOff_x[k] + gc * d + dg];
          const PetscScalar keepx = vx;
          vx = keepx + 1.0;
          eval(q, f0probe, f1probe);
          vx = keepx;
          for (int fc = 0; fc < Nu; ++fc) {
            g1p(fc, gc * d + dg) = f0probe[fc] - f0base[fc];
            for (int df = 0; df < d; ++df)
              g3p(fc * d + df, gc * d + dg) = f1probe[fc * d + df] - f1base[fc * d + df];
          }
        }
      }
      const Mat_& gradU = grad[0][q];
      const Mat_& gradV = grad[k + 1][q];
      if (kern.f0) {
        tmp.noalias() = g0p * TV.phi[q] + g1p * gradV;
        K.noalias() += w * (TU.phi[q].transpose() * tmp);
      }
      if (kern.f1) {
        tmp.noalias() = g2p * TV.phi[q] + g3p * gradV;
        K.noalias() += w * (gradU.transpose() * tmp);
      }
    }
  }

  // Runs body(cell) over all cells with geometry and fields set up.
  template <class Body>
  void forEachCell(Body&& body) {
    std::vector<std::unique_ptr<ReadArray>> guards;
    std::vector<const PetscScalar*> arrays;
    for (auto& l : locals) {
      guards.push_back(std::make_unique<ReadArray>(l));
      arrays.push_back(guards.back()->get());
    }
    ReadArray coordArray(coords);
    for (PetscInt cell = cStart; cell < cEnd; ++cell) {
      setupCell(cell, arrays, coordArray.get());
      body(cell);
    }
  }
};

Assembler::Assembler(const FunctionSpace& state, std::vector<const FunctionSpace*> aux,
                     int extraQuadraturePoints)
    : impl_(new Impl), state_(&state), aux_(std::move(aux)) {
  auto& I = *impl_;
  I.dim = state.dim();
  int maxDegree = state.element().degree;
  for (auto* s : aux_) {
    require(s && &s->mesh() == &state.mesh(), "assembler: all fields must live on the same mesh");
    maxDegree = std::max(maxDegree, s->element().degree);
  }
  // degree+1 Gauss points per direction integrate the mass and stiffness forms of the highest
  // degree exactly on affine cells; coefficients like e^m get extraQuadraturePoints more.
  const PetscInt npts = maxDegree + 1 + extraQuadraturePoints;
  if (state.mesh().simplex()) {
    PDEINV_CALL(PetscDTStroudConicalQuadrature(I.dim, 1, npts, -1.0, 1.0, I.quad.out()));
  } else {
    PDEINV_CALL(PetscDTGaussTensorQuadrature(I.dim, 1, npts, -1.0, 1.0, I.quad.out()));
  }
  PetscInt Nq = 0;
  const PetscReal *points = nullptr, *weights = nullptr;
  PDEINV_CALL(PetscQuadratureGetData(I.quad, nullptr, nullptr, &Nq, &points, &weights));
  I.Nq = static_cast<int>(Nq);
  I.weights.assign(weights, weights + Nq);
  PDEINV_CALL(DMPlexGetSimplexOrBoxCells(state.dm(), 0, &I.cStart, &I.cEnd));

  std::vector<const FunctionSpace*> all = {&state};
  all.insert(all.end(), aux_.begin(), aux_.end());
  for (auto* s : all) {
    I.tabs.push_back(tabulate(s->fe(), I.dim, Nq, points));
    const auto& T = I.tabs.back();
    I.indices.push_back(closureIndices(s->dm(), I.cStart, I.cEnd, true));
    if (I.cEnd > I.cStart && I.indices.back().n != T.Nb) {
      throw Error("assembler: closure of '" + s->name() + "' has " +
                  std::to_string(I.indices.back().n) + " dofs, its element " +
                  std::to_string(T.Nb));
    }
    I.grad.emplace_back(I.Nq, Mat_(T.Nc * I.dim, T.Nb));
    I.coeff.emplace_back(T.Nb);
    Owned<Vec> loc;
    PDEINV_CALL(DMCreateLocalVector(s->dm(), loc.out()));
    I.locals.push_back(std::move(loc));
  }
  // Coordinates: their element, tabulated once at the quadrature points.
  {
    DM cdm = nullptr;
    PDEINV_CALL(DMGetCoordinateDM(state.dm(), &cdm));
    PDEINV_CALL(DMGetCoordinatesLocal(state.dm(), &I.coords));
    I.coordTab = tabulate(state.mesh().coordinateElement(), I.dim, Nq, points);
    I.coordIndices = closureIndices(cdm, I.cStart, I.cEnd, false);
  }
  I.auxInsertBC.assign(aux_.size(), false);
  const int d = I.dim;
  const int Nu = I.tabs[0].Nc;
  I.uOff = {0, Nu};
  I.uOff_x = {0, Nu * d};
  I.aOff = {0};
  I.aOff_x = {0};
  int maxNc = Nu;
  for (int k = 0; k < I.nAux(); ++k) {
    I.aOff.push_back(I.aOff.back() + I.tabs[k + 1].Nc);
    I.aOff_x.push_back(I.aOff_x.back() + I.tabs[k + 1].Nc * d);
    maxNc = std::max(maxNc, I.tabs[k + 1].Nc);
  }
  I.u.assign(Nu, 0.0);
  I.u_t.assign(Nu, 0.0);
  I.u_x.assign(Nu * d, 0.0);
  I.a.assign(std::max<PetscInt>(I.aOff.back(), 1), 0.0);
  I.a_t.assign(I.a.size(), 0.0);
  I.a_x.assign(std::max<PetscInt>(I.aOff_x.back(), 1), 0.0);
  I.gbuf.assign(static_cast<size_t>(Nu * maxNc * d * d), 0.0);
  I.x.assign(I.Nq * d, 0.0);
  I.J.assign(I.Nq * d * d, 0.0);
  I.invJ.assign(I.Nq * d * d, 0.0);
  I.detJ.assign(I.Nq, 0.0);
}

Assembler::~Assembler() {
  delete impl_;
}

PetscQuadrature Assembler::quadrature() const {
  return impl_->quad;
}

void Assembler::insertBoundaryValues(int auxField, bool insert) {
  impl_->auxInsertBC.at(static_cast<size_t>(auxField)) = insert;
}

namespace {
void localToGlobalAdd(DM dm, Vec local, Vec global) {
  PDEINV_CALL(VecSet(global, 0.0));
  PDEINV_CALL(DMLocalToGlobalBegin(dm, local, ADD_VALUES, global));
  PDEINV_CALL(DMLocalToGlobalEnd(dm, local, ADD_VALUES, global));
}
}  // namespace

namespace {
// A local work vector from the DM's cache (DMGetLocalVector), returned on scope exit: assemblies
// run once per time stage, so creating and destroying local vectors each time shows up.
class CachedLocal {
 public:
  explicit CachedLocal(DM dm) : dm_(dm) { PDEINV_CALL(DMGetLocalVector(dm_, &v_)); }
  ~CachedLocal() { DMRestoreLocalVector(dm_, &v_); }
  CachedLocal(const CachedLocal&) = delete;
  CachedLocal& operator=(const CachedLocal&) = delete;
  operator Vec() const { return v_; }

 private:
  DM dm_;
  Vec v_ = nullptr;
};
}  // namespace

void Assembler::residual(const ResidualKernels& k, Vec u, const std::vector<Vec>& a, Vec r,
                         PetscReal t) const {
  auto& I = *impl_;
  I.load(*state_, aux_, u, a, t);
  CachedLocal rloc(state_->dm());
  PDEINV_CALL(VecSet(rloc, 0.0));
  {
    WriteArray out(rloc);
    Vec_ re;
    I.forEachCell([&](PetscInt cell) {
      I.elementResidual(k, t, constants_, re);
      scatterAdd(out.get(), I.indices[0].loc(cell - I.cStart), re);
    });
  }
  localToGlobalAdd(state_->dm(), rloc, r);
}

Owned<Mat> Assembler::createStateMatrix() const {
  Owned<Mat> J;
  PDEINV_CALL(DMCreateMatrix(state_->dm(), J.out()));
  return J;
}

void Assembler::stateJacobian(const JacobianKernels& k, Vec u, const std::vector<Vec>& a, Mat J,
                              PetscReal t) const {
  auto& I = *impl_;
  I.load(*state_, aux_, u, a, t);
  PDEINV_CALL(MatZeroEntries(J));
  const auto& idx = I.indices[0];
  I.forEachCell([&](PetscInt cell) {
    I.elementJacobian(k, 0, t, constants_);
    const PetscInt* g = idx.glob(cell - I.cStart);
    PDEINV_CALL(MatSetValues(J, idx.n, g, idx.n, g, I.K.data(), ADD_VALUES));
  });
  PDEINV_CALL(MatAssemblyBegin(J, MAT_FINAL_ASSEMBLY));
  PDEINV_CALL(MatAssemblyEnd(J, MAT_FINAL_ASSEMBLY));
}

Owned<Mat> Assembler::createAuxMatrix(int k) const {
  auto& I = *impl_;
  const FunctionSpace& A = *aux_.at(k);
  auto rowv = state_->createVector();
  auto colv = A.createVector();
  PetscInt m = 0, n = 0, M = 0, N = 0;
  PDEINV_CALL(VecGetLocalSize(rowv, &m));
  PDEINV_CALL(VecGetLocalSize(colv, &n));
  PDEINV_CALL(VecGetSize(rowv, &M));
  PDEINV_CALL(VecGetSize(colv, &N));
  MPI_Comm comm = state_->mesh().comm();
  // The sparsity of ∂R/∂a couples two different sections, which DMCreateMatrix cannot
  // describe; MATPREALLOCATOR records it from one pass over the cells.
  Owned<Mat> pre;
  PDEINV_CALL(MatCreate(comm, pre.out()));
  PDEINV_CALL(MatSetType(pre, MATPREALLOCATOR));
  PDEINV_CALL(MatSetSizes(pre, m, n, M, N));
  PDEINV_CALL(MatSetUp(pre));
  const auto& ri = I.indices[0];
  const auto& ci = I.indices[k + 1];
  std::vector<PetscScalar> zeros(static_cast<size_t>(ri.n * ci.n), 0.0);
  for (PetscInt c = 0; c < I.cEnd - I.cStart; ++c) {
    PDEINV_CALL(MatSetValues(pre, ri.n, ri.glob(c), ci.n, ci.glob(c), zeros.data(), INSERT_VALUES));
  }
  PDEINV_CALL(MatAssemblyBegin(pre, MAT_FINAL_ASSEMBLY));
  PDEINV_CALL(MatAssemblyEnd(pre, MAT_FINAL_ASSEMBLY));
  Owned<Mat> out;
  PDEINV_CALL(MatCreate(comm, out.out()));
  PDEINV_CALL(MatSetType(out, MATAIJ));
  PDEINV_CALL(MatSetSizes(out, m, n, M, N));
  PDEINV_CALL(MatPreallocatorPreallocate(pre, PETSC_TRUE, out));
  return out;
}

void Assembler::auxJacobian(const JacobianKernels& kern, int k, Vec u, const std::vector<Vec>& a,
                            Mat Jk, PetscReal t) const {
  auto& I = *impl_;
  I.load(*state_, aux_, u, a, t);
  PDEINV_CALL(MatZeroEntries(Jk));
  const auto& ri = I.indices[0];
  const auto& ci = I.indices[k + 1];
  I.forEachCell([&](PetscInt cell) {
    I.elementJacobian(kern, k + 1, t, constants_);
    const PetscInt c = cell - I.cStart;
    PDEINV_CALL(MatSetValues(Jk, ri.n, ri.glob(c), ci.n, ci.glob(c), I.K.data(), ADD_VALUES));
  });
  PDEINV_CALL(MatAssemblyBegin(Jk, MAT_FINAL_ASSEMBLY));
  PDEINV_CALL(MatAssemblyEnd(Jk, MAT_FINAL_ASSEMBLY));
}

void Assembler::linearAuxJacobian(const ResidualKernels& kern, int k, Vec u,
                                  const std::vector<Vec>& a, Mat Jk, PetscReal t) const {
  auto& I = *impl_;
  I.load(*state_, aux_, u, a, t);
  PDEINV_CALL(MatZeroEntries(Jk));
  const auto& ri = I.indices[0];
  const auto& ci = I.indices[k + 1];
  I.forEachCell([&](PetscInt cell) {
    I.elementJacobianProbed(kern, k, t, constants_);
    const PetscInt c = cell - I.cStart;
    PDEINV_CALL(MatSetValues(Jk, ri.n, ri.glob(c), ci.n, ci.glob(c), I.K.data(), ADD_VALUES));
  });
  PDEINV_CALL(MatAssemblyBegin(Jk, MAT_FINAL_ASSEMBLY));
  PDEINV_CALL(MatAssemblyEnd(Jk, MAT_FINAL_ASSEMBLY));
}

void Assembler::applyAuxJacobian(const JacobianKernels& kern, int k, Vec u,
                                 const std::vector<Vec>& a, Vec x, Vec y, bool transpose,
                                 PetscReal t) const {
  auto& I = *impl_;
  I.load(*state_, aux_, u, a, t);
  const int inField = transpose ? 0 : k + 1, outField = transpose ? k + 1 : 0;
  const FunctionSpace& in = transpose ? *state_ : *aux_.at(k);
  const FunctionSpace& out = transpose ? *aux_.at(k) : *state_;
  CachedLocal xloc(in.dm()), yloc(out.dm());
  in.globalToLocal(x, xloc, false);  // directions and adjoints vanish on Dirichlet dofs
  PDEINV_CALL(VecSet(yloc, 0.0));
  {
    ReadArray xa(xloc);
    WriteArray ya(yloc);
    Vec_ xe, ye;
    I.forEachCell([&](PetscInt cell) {
      I.elementJacobian(kern, k + 1, t, constants_);
      const PetscInt c = cell - I.cStart;
      gather(xa.get(), I.indices[inField].loc(c), I.indices[inField].n, xe);
      if (transpose) {
        ye.noalias() = I.K.transpose() * xe;
      } else {
        ye.noalias() = I.K * xe;
      }
      scatterAdd(ya.get(), I.indices[outField].loc(c), ye);
    });
  }
  localToGlobalAdd(out.dm(), yloc, y);
}

void Assembler::accumulatePairs(Vec u, Vec zeta, PetscReal c, CellPairs& pairs) const {
  auto& I = *impl_;
  const int nb = I.tabs[0].Nb;
  const auto nCells = static_cast<size_t>(I.cEnd - I.cStart);
  if (pairs.S.empty()) {
    pairs.S.assign(nCells * static_cast<size_t>(nb * nb), 0.0);
    pairs.Z.assign(nCells * static_cast<size_t>(nb), 0.0);
  }
  CachedLocal uloc(state_->dm()), zloc(state_->dm());
  // Without Dirichlet values: u = u_free + u_D with u_D fixed (t-independent), so the u_D part
  // is u_D ⊗ Z, added once in contractPairs (inserting boundary values costs label lookups).
  state_->globalToLocal(u, uloc, false);
  state_->globalToLocal(zeta, zloc, false);
  ReadArray ua(uloc), za(zloc);
  Vec_ ue, ze;
  for (PetscInt cell = I.cStart; cell < I.cEnd; ++cell) {
    const PetscInt lc = cell - I.cStart;
    gather(ua.get(), I.indices[0].loc(lc), nb, ue);
    gather(za.get(), I.indices[0].loc(lc), nb, ze);
    Eigen::Map<Mat_> S(pairs.S.data() + static_cast<size_t>(lc) * nb * nb, nb, nb);
    S.noalias() += c * ue * ze.transpose();
    Eigen::Map<Vec_>(pairs.Z.data() + static_cast<size_t>(lc) * nb, nb) += c * ze;
  }
}

void Assembler::contractPairs(const JacobianKernels& kern, int k, const std::vector<Vec>& a,
                              const CellPairs& pairs, Vec y) const {
  auto& I = *impl_;
  if (pairs.S.empty()) return;
  const int nb = I.tabs[0].Nb;
  I.load(*state_, aux_, nullptr, a, 0.0);  // locals[0] = the Dirichlet values u_D
  const FunctionSpace& out = *aux_.at(k);
  CachedLocal yloc(out.dm());
  PDEINV_CALL(VecSet(yloc, 0.0));
  {
    WriteArray ya(yloc);
    ReadArray bc(I.locals[0]);
    Mat_ K0, S;
    Vec_ ye, uD;
    I.forEachCell([&](PetscInt cell) {
      const PetscInt lc = cell - I.cStart;
      Eigen::Map<const Vec_> Z(pairs.Z.data() + static_cast<size_t>(lc) * nb, nb);
      gather(bc.get(), I.indices[0].loc(lc), nb, uD);
      S = Eigen::Map<const Mat_>(pairs.S.data() + static_cast<size_t>(lc) * nb * nb, nb, nb);
      S.noalias() += uD * Z.transpose();
      I.coeff[0].setZero(nb);
      I.elementJacobian(kern, k + 1, 0.0, constants_);
      K0 = I.K;
      ye.noalias() = K0.transpose() * Z;
      for (int b = 0; b < nb; ++b) {
        I.coeff[0].setZero(nb);
        I.coeff[0][b] = 1.0;
        I.elementJacobian(kern, k + 1, 0.0, constants_);
        I.K -= K0;
        ye.noalias() += I.K.transpose() * S.row(b).transpose();
      }
      scatterAdd(ya.get(), I.indices[k + 1].loc(lc), ye);
    });
  }
  localToGlobalAdd(out.dm(), yloc, y);
}

PetscReal Assembler::integrate(Vec u, const Integrand& f) const {
  auto& I = *impl_;
  state_->globalToLocal(u, I.locals[0], true);
  PetscReal local = 0;
  Vec_ uh, gh;
  I.forEachCell([&](PetscInt) {
    for (int q = 0; q < I.Nq; ++q) {
      uh.noalias() = I.tabs[0].phi[q] * I.coeff[0];
      gh.noalias() = I.grad[0][q] * I.coeff[0];
      local += I.weights[q] * I.detJ[q] * f(uh.data(), gh.data(), I.x.data() + q * I.dim);
    }
  });
  PetscReal global = 0;
  MPI_Allreduce(&local, &global, 1, MPIU_REAL, MPI_SUM, state_->mesh().comm());
  return global;
}

Assembler::ErrorNorms Assembler::errorNorms(Vec u, const ExactSolution& exact) const {
  auto& I = *impl_;
  state_->globalToLocal(u, I.locals[0], true);
  const int Nc = I.tabs[0].Nc, d = I.dim;
  std::vector<PetscScalar> ue(Nc), ge(Nc * d);
  PetscReal local[2] = {0, 0};
  Vec_ uh, gh;
  I.forEachCell([&](PetscInt) {
    for (int q = 0; q < I.Nq; ++q) {
      uh.noalias() = I.tabs[0].phi[q] * I.coeff[0];
      gh.noalias() = I.grad[0][q] * I.coeff[0];
      std::fill(ge.begin(), ge.end(), 0.0);
      exact(I.x.data() + q * d, ue.data(), ge.data());
      const PetscReal w = I.weights[q] * I.detJ[q];
      for (int c = 0; c < Nc; ++c) local[0] += w * std::pow(uh[c] - ue[c], 2);
      for (int i = 0; i < Nc * d; ++i) local[1] += w * std::pow(gh[i] - ge[i], 2);
    }
  });
  PetscReal global[2] = {0, 0};
  MPI_Allreduce(local, global, 2, MPIU_REAL, MPI_SUM, state_->mesh().comm());
  return {std::sqrt(global[0]), std::sqrt(global[1])};
}

}  // namespace pdeinv
