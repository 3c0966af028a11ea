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

// Reference tabulation of one field at the quadrature points:
// phi[q] is Nc × Nb (values), dref[q] is (Nc·dim) × Nb with row c·dim+e = ∂φ_c/∂ξ_e.
struct Tabulation {
  int Nb = 0, Nc = 0;
  std::vector<Mat_> phi, dref;
};

// One field's data on the current cell.
struct CellField {
  Vec_ coeff;              // closure values
  std::vector<Mat_> grad;  // per q: (Nc·dim) × Nb physical gradients
};

// Copies a closure into an Eigen vector (and returns PETSc's work array at once).
void gatherClosure(DM dm, Vec local, PetscInt cell, Vec_& out) {
  PetscScalar* vals = nullptr;
  PetscInt n = 0;
  PDEINV_CALL(DMPlexVecGetClosure(dm, nullptr, local, cell, &n, &vals));
  out = Eigen::Map<const Vec_>(vals, n);
  PDEINV_CALL(DMPlexVecRestoreClosure(dm, nullptr, local, cell, &n, &vals));
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
  std::vector<DM> dms;           // same order
  // Kernel argument layout (PETSc convention).
  std::vector<PetscInt> uOff, uOff_x, aOff, aOff_x;
  // Per-cell scratch.
  std::vector<PetscReal> x, J, invJ, detJ;
  std::vector<CellField> fields;
  std::vector<PetscScalar> u, u_t, u_x, a, a_t, a_x;  // at one quadrature point
  std::vector<Owned<Vec>> locals;

  int nAux() const { return static_cast<int>(tabs.size()) - 1; }

  // Fills the local vectors: the state with its Dirichlet values, then the aux fields.
  void load(const FunctionSpace& state, const std::vector<const FunctionSpace*>& aux, Vec u,
            const std::vector<Vec>& a, PetscReal t) {
    require(static_cast<int>(a.size()) == nAux(),
            "assembler: expected " + std::to_string(nAux()) + " coefficient fields, got " +
                std::to_string(a.size()));
    if (u) {
      state.globalToLocal(u, locals[0], true, t);
    } else {
      Owned<Vec> zero = state.createVector();
      PDEINV_CALL(VecSet(zero, 0.0));
      state.globalToLocal(zero, locals[0], true, t);
    }
    for (int k = 0; k < nAux(); ++k) aux[k]->globalToLocal(a[k], locals[k + 1], false, t);
  }

  // Geometry and physical gradients on one cell.
  void setupCell(PetscInt cell) {
    PDEINV_CALL(DMPlexComputeCellGeometryFEM(dms[0], cell, quad, x.data(), J.data(), invJ.data(),
                                             detJ.data()));
    for (int q = 0; q < Nq; ++q) {
      if (!(detJ[q] > 0)) {
        throw Error("inverted or degenerate cell " + std::to_string(cell) + " (det J = " +
                    std::to_string(detJ[q]) + ")");
      }
    }
    for (size_t f = 0; f < tabs.size(); ++f) {
      const auto& T = tabs[f];
      auto& F = fields[f];
      for (int q = 0; q < Nq; ++q) {
        // ∂φ/∂x_d = Σ_e ∂φ/∂ξ_e · invJ[e·dim+d]
        Eigen::Map<const RowMat> iJ(invJ.data() + q * dim * dim, dim, dim);
        for (int c = 0; c < T.Nc; ++c) {
          F.grad[q].middleRows(c * dim, dim).noalias() =
              iJ.transpose() * T.dref[q].middleRows(c * dim, dim);
        }
      }
    }
  }

  // Gathers the coefficients of all fields on the cell.
  void gather(PetscInt cell) {
    for (size_t f = 0; f < tabs.size(); ++f) gatherClosure(dms[f], locals[f], cell, fields[f].coeff);
  }

  // u, ∇u, a, ∇a at quadrature point q.
  void evaluatePoint(int q) {
    {
      const auto& T = tabs[0];
      const auto& F = fields[0];
      Eigen::Map<Vec_>(u.data(), T.Nc).noalias() = T.phi[q] * F.coeff;
      Eigen::Map<Vec_>(u_x.data(), T.Nc * dim).noalias() = F.grad[q] * F.coeff;
    }
    for (int k = 0; k < nAux(); ++k) {
      const auto& T = tabs[k + 1];
      const auto& F = fields[k + 1];
      Eigen::Map<Vec_>(a.data() + aOff[k], T.Nc).noalias() = T.phi[q] * F.coeff;
      Eigen::Map<Vec_>(a_x.data() + aOff_x[k], T.Nc * dim).noalias() = F.grad[q] * F.coeff;
    }
  }

  void callF(PetscPointFunc f, PetscReal t, int q, const std::vector<PetscScalar>& c,
             PetscScalar* out) const {
    f(dim, 1, nAux(), uOff.data(), uOff_x.data(), u.data(), u_t.data(), u_x.data(), aOff.data(),
      aOff_x.data(), a.data(), a_t.data(), a_x.data(), t, x.data() + q * dim,
      static_cast<PetscInt>(c.size()), c.data(), out);
  }
  void callG(PetscPointJac g, PetscReal t, int q, const std::vector<PetscScalar>& c,
             PetscScalar* out) const {
    g(dim, 1, nAux(), uOff.data(), uOff_x.data(), u.data(), u_t.data(), u_x.data(), aOff.data(),
      aOff_x.data(), a.data(), a_t.data(), a_x.data(), t, 0.0, x.data() + q * dim,
      static_cast<PetscInt>(c.size()), c.data(), out);
  }

  // Element Jacobian of the state residual with respect to field `trial` (0 = state, k+1 = aux k).
  void elementJacobian(const JacobianKernels& kern, int trial, PetscReal t,
                       const std::vector<PetscScalar>& c, RowMat& K) {
    const auto& TU = tabs[0];
    const auto& TV = tabs[trial];
    const auto& FU = fields[0];
    const auto& FV = fields[trial];
    const int Nu = TU.Nc, Nv = TV.Nc;
    K.setZero(TU.Nb, TV.Nb);
    std::vector<PetscScalar> g(static_cast<size_t>(Nu * Nv * dim * dim));
    Mat_ G;
    for (int q = 0; q < Nq; ++q) {
      evaluatePoint(q);
      const PetscReal w = weights[q] * detJ[q];
      if (kern.g0) {
        std::fill(g.begin(), g.end(), 0.0);
        callG(kern.g0, t, q, c, g.data());
        Eigen::Map<const RowMat> G0(g.data(), Nu, Nv);
        K.noalias() += w * (TU.phi[q].transpose() * (G0 * TV.phi[q]));
      }
      if (kern.g1) {
        std::fill(g.begin(), g.end(), 0.0);
        callG(kern.g1, t, q, c, g.data());
        Eigen::Map<const RowMat> G1(g.data(), Nu, Nv * dim);
        K.noalias() += w * (TU.phi[q].transpose() * (G1 * FV.grad[q]));
      }
      if (kern.g2) {
        std::fill(g.begin(), g.end(), 0.0);
        callG(kern.g2, t, q, c, g.data());
        unpackG2(g.data(), Nu, Nv, dim, G);
        K.noalias() += w * (FU.grad[q].transpose() * (G * TV.phi[q]));
      }
      if (kern.g3) {
        std::fill(g.begin(), g.end(), 0.0);
        callG(kern.g3, t, q, c, g.data());
        unpackG3(g.data(), Nu, Nv, dim, G);
        K.noalias() += w * (FU.grad[q].transpose() * (G * FV.grad[q]));
      }
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

  std::vector<const FunctionSpace*> all = {&state};
  all.insert(all.end(), aux_.begin(), aux_.end());
  for (auto* s : all) {
    Tabulation T;
    PetscInt Nb = 0, Nc = 0;
    PDEINV_CALL(PetscFEGetDimension(s->fe(), &Nb));
    PDEINV_CALL(PetscFEGetNumComponents(s->fe(), &Nc));
    T.Nb = static_cast<int>(Nb);
    T.Nc = static_cast<int>(Nc);
    PetscTabulation tab = nullptr;
    PDEINV_CALL(PetscFECreateTabulation(s->fe(), 1, Nq, points, 1, &tab));
    const int d = I.dim;
    for (int q = 0; q < I.Nq; ++q) {
      Mat_ phi(T.Nc, T.Nb), dref(T.Nc * d, T.Nb);
      for (int b = 0; b < T.Nb; ++b)
        for (int c = 0; c < T.Nc; ++c) {
          phi(c, b) = tab->T[0][(q * T.Nb + b) * T.Nc + c];
          for (int e = 0; e < d; ++e) dref(c * d + e, b) = tab->T[1][((q * T.Nb + b) * T.Nc + c) * d + e];
        }
      T.phi.push_back(std::move(phi));
      T.dref.push_back(std::move(dref));
    }
    PDEINV_CALL(PetscTabulationDestroy(&tab));
    CellField F;
    F.grad.assign(I.Nq, Mat_(T.Nc * d, T.Nb));
    I.fields.push_back(std::move(F));
    I.tabs.push_back(std::move(T));
    I.dms.push_back(s->dm());
    Owned<Vec> loc;
    PDEINV_CALL(DMCreateLocalVector(s->dm(), loc.out()));
    I.locals.push_back(std::move(loc));
  }
  const int d = I.dim;
  const int Nu = I.tabs[0].Nc;
  I.uOff = {0, Nu};
  I.uOff_x = {0, Nu * d};
  I.aOff = {0};
  I.aOff_x = {0};
  for (int k = 0; k < I.nAux(); ++k) {
    I.aOff.push_back(I.aOff.back() + I.tabs[k + 1].Nc);
    I.aOff_x.push_back(I.aOff_x.back() + I.tabs[k + 1].Nc * d);
  }
  I.u.assign(Nu, 0.0);
  I.u_t.assign(Nu, 0.0);
  I.u_x.assign(Nu * d, 0.0);
  I.a.assign(std::max<PetscInt>(I.aOff.back(), 1), 0.0);
  I.a_t.assign(I.a.size(), 0.0);
  I.a_x.assign(std::max<PetscInt>(I.aOff_x.back(), 1), 0.0);
  I.x.assign(I.Nq * d, 0.0);
  I.J.assign(I.Nq * d * d, 0.0);
  I.invJ.assign(I.Nq * d * d, 0.0);
  I.detJ.assign(I.Nq, 0.0);
  PDEINV_CALL(DMPlexGetSimplexOrBoxCells(state.dm(), 0, &I.cStart, &I.cEnd));
}

Assembler::~Assembler() { delete impl_; }

namespace {
void localToGlobalAdd(DM dm, Vec local, Vec global) {
  PDEINV_CALL(VecSet(global, 0.0));
  PDEINV_CALL(DMLocalToGlobalBegin(dm, local, ADD_VALUES, global));
  PDEINV_CALL(DMLocalToGlobalEnd(dm, local, ADD_VALUES, global));
}
}  // namespace

void Assembler::residual(const ResidualKernels& k, Vec u, const std::vector<Vec>& a, Vec r,
                         PetscReal t) const {
  auto& I = *impl_;
  I.load(*state_, aux_, u, a, t);
  Owned<Vec> rloc;
  PDEINV_CALL(DMCreateLocalVector(state_->dm(), rloc.out()));
  PDEINV_CALL(VecSet(rloc, 0.0));
  const auto& T = I.tabs[0];
  Vec_ re(T.Nb), f0(T.Nc), f1(T.Nc * I.dim);
  for (PetscInt cell = I.cStart; cell < I.cEnd; ++cell) {
    I.setupCell(cell);
    I.gather(cell);
    re.setZero();
    for (int q = 0; q < I.Nq; ++q) {
      I.evaluatePoint(q);
      const PetscReal w = I.weights[q] * I.detJ[q];
      if (k.f0) {
        f0.setZero();
        I.callF(k.f0, t, q, constants_, f0.data());
        re.noalias() += w * (T.phi[q].transpose() * f0);
      }
      if (k.f1) {
        f1.setZero();
        I.callF(k.f1, t, q, constants_, f1.data());
        re.noalias() += w * (I.fields[0].grad[q].transpose() * f1);
      }
    }
    PDEINV_CALL(DMPlexVecSetClosure(state_->dm(), nullptr, rloc, cell, re.data(), ADD_VALUES));
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
  RowMat K;
  for (PetscInt cell = I.cStart; cell < I.cEnd; ++cell) {
    I.setupCell(cell);
    I.gather(cell);
    I.elementJacobian(k, 0, t, constants_, K);
    PDEINV_CALL(DMPlexMatSetClosure(state_->dm(), nullptr, nullptr, J, cell, K.data(), ADD_VALUES));
  }
  PDEINV_CALL(MatAssemblyBegin(J, MAT_FINAL_ASSEMBLY));
  PDEINV_CALL(MatAssemblyEnd(J, MAT_FINAL_ASSEMBLY));
}

namespace {
void setClosureGeneral(DM rowDM, DM colDM, Mat A, PetscInt cell, const PetscScalar* vals,
                       InsertMode mode) {
  PetscSection rs = nullptr, rgs = nullptr, cs = nullptr, cgs = nullptr;
  PDEINV_CALL(DMGetLocalSection(rowDM, &rs));
  PDEINV_CALL(DMGetGlobalSection(rowDM, &rgs));
  PDEINV_CALL(DMGetLocalSection(colDM, &cs));
  PDEINV_CALL(DMGetGlobalSection(colDM, &cgs));
  PDEINV_CALL(DMPlexMatSetClosureGeneral(rowDM, rs, rgs, colDM, cs, cgs, A, cell, vals, mode));
}
}  // namespace

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
  // describe; MATPREALLOCATOR records it from one pass over the cell closures.
  Owned<Mat> pre;
  PDEINV_CALL(MatCreate(comm, pre.out()));
  PDEINV_CALL(MatSetType(pre, MATPREALLOCATOR));
  PDEINV_CALL(MatSetSizes(pre, m, n, M, N));
  PDEINV_CALL(MatSetUp(pre));
  std::vector<PetscScalar> zeros(static_cast<size_t>(I.tabs[0].Nb * I.tabs[k + 1].Nb), 0.0);
  for (PetscInt cell = I.cStart; cell < I.cEnd; ++cell) {
    setClosureGeneral(state_->dm(), A.dm(), pre, cell, zeros.data(), INSERT_VALUES);
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
  RowMat K;
  for (PetscInt cell = I.cStart; cell < I.cEnd; ++cell) {
    I.setupCell(cell);
    I.gather(cell);
    I.elementJacobian(kern, k + 1, t, constants_, K);
    setClosureGeneral(state_->dm(), aux_[k]->dm(), Jk, cell, K.data(), ADD_VALUES);
  }
  PDEINV_CALL(MatAssemblyBegin(Jk, MAT_FINAL_ASSEMBLY));
  PDEINV_CALL(MatAssemblyEnd(Jk, MAT_FINAL_ASSEMBLY));
}

void Assembler::applyAuxJacobian(const JacobianKernels& kern, int k, Vec u,
                                 const std::vector<Vec>& a, Vec x, Vec y, bool transpose,
                                 PetscReal t) const {
  auto& I = *impl_;
  I.load(*state_, aux_, u, a, t);
  const FunctionSpace& in = transpose ? *state_ : *aux_.at(k);
  const FunctionSpace& out = transpose ? *aux_.at(k) : *state_;
  Owned<Vec> xloc, yloc;
  PDEINV_CALL(DMCreateLocalVector(in.dm(), xloc.out()));
  PDEINV_CALL(DMCreateLocalVector(out.dm(), yloc.out()));
  in.globalToLocal(x, xloc, false);  // directions and adjoints vanish on Dirichlet dofs
  PDEINV_CALL(VecSet(yloc, 0.0));
  RowMat K;
  Vec_ xe, ye;
  for (PetscInt cell = I.cStart; cell < I.cEnd; ++cell) {
    I.setupCell(cell);
    I.gather(cell);
    I.elementJacobian(kern, k + 1, t, constants_, K);
    gatherClosure(in.dm(), xloc, cell, xe);
    if (transpose) {
      ye.noalias() = K.transpose() * xe;
    } else {
      ye.noalias() = K * xe;
    }
    PDEINV_CALL(DMPlexVecSetClosure(out.dm(), nullptr, yloc, cell, ye.data(), ADD_VALUES));
  }
  localToGlobalAdd(out.dm(), yloc, y);
}

Assembler::ErrorNorms Assembler::errorNorms(Vec u, const ExactSolution& exact) const {
  auto& I = *impl_;
  state_->globalToLocal(u, I.locals[0], true);
  const int Nc = I.tabs[0].Nc, d = I.dim;
  std::vector<PetscScalar> ue(Nc), ge(Nc * d);
  PetscReal local[2] = {0, 0};
  for (PetscInt cell = I.cStart; cell < I.cEnd; ++cell) {
    I.setupCell(cell);
    gatherClosure(I.dms[0], I.locals[0], cell, I.fields[0].coeff);
    for (int q = 0; q < I.Nq; ++q) {
      Vec_ uh = I.tabs[0].phi[q] * I.fields[0].coeff;
      Vec_ gh = I.fields[0].grad[q] * I.fields[0].coeff;
      std::fill(ge.begin(), ge.end(), 0.0);
      exact(I.x.data() + q * d, ue.data(), ge.data());
      const PetscReal w = I.weights[q] * I.detJ[q];
      for (int c = 0; c < Nc; ++c) local[0] += w * std::pow(uh[c] - ue[c], 2);
      for (int i = 0; i < Nc * d; ++i) local[1] += w * std::pow(gh[i] - ge[i], 2);
    }
  }
  PetscReal global[2] = {0, 0};
  MPI_Allreduce(local, global, 2, MPIU_REAL, MPI_SUM, state_->mesh().comm());
  return {std::sqrt(global[0]), std::sqrt(global[1])};
}

PetscReal Assembler::integrate(Vec u, const Integrand& f) const {
  auto& I = *impl_;
  state_->globalToLocal(u, I.locals[0], true);
  PetscReal local = 0;
  for (PetscInt cell = I.cStart; cell < I.cEnd; ++cell) {
    I.setupCell(cell);
    gatherClosure(I.dms[0], I.locals[0], cell, I.fields[0].coeff);
    for (int q = 0; q < I.Nq; ++q) {
      Vec_ uh = I.tabs[0].phi[q] * I.fields[0].coeff;
      Vec_ gh = I.fields[0].grad[q] * I.fields[0].coeff;
      local += I.weights[q] * I.detJ[q] * f(uh.data(), gh.data(), I.x.data() + q * I.dim);
    }
  }
  PetscReal global = 0;
  MPI_Allreduce(&local, &global, 1, MPIU_REAL, MPI_SUM, state_->mesh().comm());
  return global;
}

}  // namespace pdeinv
