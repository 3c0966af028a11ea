#include "pdeinv/fem/assembler.hpp"

#include <petscdmplex.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/log_events.hpp"

namespace pdeinv {
namespace {

using RowMat = Eigen::Matrix<PetscScalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Mat_ = Eigen::MatrixXd;
using Vec_ = Eigen::VectorXd;

// Reference tabulation of one element at the quadrature points, flat and contiguous for the
// element loop: at point q, row r = c·(1+dim)+s of the (Nc·(1+dim)) × Nb block tab[q] is the
// value of component c (s = 0) or its derivative ∂/∂ξ_{s−1} (s ≥ 1), for each basis function b.
// One row layout for values and derivatives lets one small product evaluate a field and one
// accumulate an element matrix.
struct Tabulation {
  int Nb = 0, Nc = 0, rows = 0;  // rows = Nc·(1+dim)
  std::vector<PetscReal> tab;    // [q][row][b]
  const PetscReal* at(int q) const { return tab.data() + static_cast<size_t>(q) * rows * Nb; }
};

Tabulation tabulate(PetscFE fe, int dim, PetscInt Nq, const PetscReal* points) {
  Tabulation T;
  PetscInt Nb = 0, Nc = 0;
  PDEINV_CALL(PetscFEGetDimension(fe, &Nb));
  PDEINV_CALL(PetscFEGetNumComponents(fe, &Nc));
  T.Nb = static_cast<int>(Nb);
  T.Nc = static_cast<int>(Nc);
  T.rows = T.Nc * (1 + dim);
  T.tab.assign(static_cast<size_t>(Nq) * T.rows * T.Nb, 0.0);
  PetscTabulation tab = nullptr;
  PDEINV_CALL(PetscFECreateTabulation(fe, 1, Nq, points, 1, &tab));
  for (int q = 0; q < Nq; ++q) {
    PetscReal* out = T.tab.data() + static_cast<size_t>(q) * T.rows * T.Nb;
    for (int b = 0; b < T.Nb; ++b)
      for (int c = 0; c < T.Nc; ++c) {
        out[(c * (1 + dim)) * T.Nb + b] = tab->T[0][(q * T.Nb + b) * T.Nc + c];
        for (int e = 0; e < dim; ++e)
          out[(c * (1 + dim) + 1 + e) * T.Nb + b] =
              tab->T[1][((q * T.Nb + b) * T.Nc + c) * dim + e];
      }
  }
  PDEINV_CALL(PetscTabulationDestroy(&tab));
  return T;
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

void gather(const PetscScalar* array, const PetscInt* idx, int n, PetscScalar* out) {
  for (int i = 0; i < n; ++i) out[i] = array[idx[i]];
}
void gather(const PetscScalar* array, const PetscInt* idx, int n, Vec_& out) {
  out.resize(n);
  gather(array, idx, n, out.data());
}
void scatterAdd(PetscScalar* array, const PetscInt* idx, int n, const PetscScalar* v) {
  for (int i = 0; i < n; ++i) array[idx[i]] += v[i];
}
void scatterAdd(PetscScalar* array, const PetscInt* idx, const Vec_& v) {
  scatterAdd(array, idx, static_cast<int>(v.size()), v.data());
}

// f(std::integral_constant<int, Nb>) for the element sizes whose inner loops get a compile-time
// length (P1–P2 and Q1–Q2 in 1-D to 3-D, scalar and vector), f(…<0>) for any other size.
template <class F>
void byElementSize(int nb, F&& f) {
  switch (nb) {
    case 3:
      return f(std::integral_constant<int, 3>());
    case 4:
      return f(std::integral_constant<int, 4>());
    case 6:
      return f(std::integral_constant<int, 6>());
    case 8:
      return f(std::integral_constant<int, 8>());
    case 9:
      return f(std::integral_constant<int, 9>());
    case 10:
      return f(std::integral_constant<int, 10>());
    case 12:
      return f(std::integral_constant<int, 12>());
    case 18:
      return f(std::integral_constant<int, 18>());
    case 27:
      return f(std::integral_constant<int, 27>());
    default:
      return f(std::integral_constant<int, 0>());
  }
}

// Where every entry of every cell's element matrix lands in an AIJ matrix's value arrays,
// found once per matrix (binary searches in its CSR rows): later assemblies add straight into
// the arrays. MatSetValues searches each row for each entry on every call, which was a third of
// a P2 Jacobian assembly. Entries whose row another rank owns still go through MatSetValues
// (PETSc's stash); constrained rows and columns (negative global indices) are dropped, as
// MatSetValues drops them.
struct InsertPlan {
  PetscObjectId matId = -1;  // PetscObjectGetId of the matrix the plan was built for
  PetscObjectState nonzeroState = -1;
  int trial = -1;
  bool usable = false;  // false: the matrix is not AIJ, or an entry is missing
  PetscInt rStart = 0, rEnd = 0;
  std::vector<std::int32_t> where;  // ≥ 0: diagonal block value; ≤ −2: off-diagonal −(o+2)
  std::vector<char> remote;         // per cell: some row owned by another rank
};

// The diagonal and off-diagonal blocks of an assembled AIJ matrix (off = null on one rank),
// and the global column of each off-diagonal column; false when J is not (Seq|MPI)AIJ.
bool aijBlocks(Mat J, Mat* diag, Mat* off, const PetscInt** garray) {
  PetscBool seq = PETSC_FALSE, mpi = PETSC_FALSE, assembled = PETSC_FALSE;
  PDEINV_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(J), MATSEQAIJ, &seq));
  PDEINV_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(J), MATMPIAIJ, &mpi));
  PDEINV_CALL(MatAssembled(J, &assembled));
  if (!assembled || (!seq && !mpi)) return false;
  *off = nullptr;
  *garray = nullptr;
  if (seq) {
    *diag = J;
  } else {
    PDEINV_CALL(MatMPIAIJGetSeqAIJ(J, diag, off, garray));
  }
  return true;
}

// The value array of a SeqAIJ block for the duration of an assembly (none for a null block).
class AijValues {
 public:
  explicit AijValues(Mat A) : A_(A) {
    if (A_) PDEINV_CALL(MatSeqAIJGetArray(A_, &v_));
  }
  ~AijValues() {
    if (A_) MatSeqAIJRestoreArray(A_, &v_);
  }
  AijValues(const AijValues&) = delete;
  AijValues& operator=(const AijValues&) = delete;
  PetscScalar* get() const { return v_; }

 private:
  Mat A_;
  PetscScalar* v_ = nullptr;
};

void buildInsertPlan(InsertPlan& p, Mat J, const CellClosure& rows, const CellClosure& cols,
                     PetscInt nCells) {
  p.usable = false;
  p.where.clear();
  p.remote.clear();
  Mat diag = nullptr, off = nullptr;
  const PetscInt* garray = nullptr;
  if (!aijBlocks(J, &diag, &off, &garray)) return;
  PetscInt cStartCol = 0, cEndCol = 0;
  PDEINV_CALL(MatGetOwnershipRange(J, &p.rStart, &p.rEnd));
  PDEINV_CALL(MatGetOwnershipRangeColumn(J, &cStartCol, &cEndCol));
  PetscInt nd = 0, no = 0, nGhostCols = 0;
  const PetscInt *di = nullptr, *dj = nullptr, *oi = nullptr, *oj = nullptr;
  PetscBool done = PETSC_FALSE;
  PDEINV_CALL(MatGetRowIJ(diag, 0, PETSC_FALSE, PETSC_FALSE, &nd, &di, &dj, &done));
  if (!done) return;
  if (off) {
    PDEINV_CALL(MatGetRowIJ(off, 0, PETSC_FALSE, PETSC_FALSE, &no, &oi, &oj, &done));
    PDEINV_CALL(MatGetSize(off, nullptr, &nGhostCols));
    if (!done) {
      PDEINV_CALL(MatRestoreRowIJ(diag, 0, PETSC_FALSE, PETSC_FALSE, &nd, &di, &dj, &done));
      return;
    }
  }
  bool ok = di[nd] < INT32_MAX && (!off || oi[no] < INT32_MAX);
  const auto nn = static_cast<size_t>(rows.n) * static_cast<size_t>(cols.n);
  if (ok) {
    p.where.assign(static_cast<size_t>(nCells) * nn, -1);
    p.remote.assign(static_cast<size_t>(nCells), 0);
  }
  auto find = [](const PetscInt* b, const PetscInt* e, PetscInt v) -> PetscInt {
    const PetscInt* it = std::lower_bound(b, e, v);
    return it != e && *it == v ? static_cast<PetscInt>(it - b) : -1;
  };
  for (PetscInt c = 0; ok && c < nCells; ++c) {
    const PetscInt* gr = rows.glob(c);
    const PetscInt* gc = cols.glob(c);
    std::int32_t* w = p.where.data() + static_cast<size_t>(c) * nn;
    for (int i = 0; ok && i < rows.n; ++i) {
      if (gr[i] < 0) continue;
      if (gr[i] < p.rStart || gr[i] >= p.rEnd) {
        p.remote[static_cast<size_t>(c)] = 1;
        continue;
      }
      const PetscInt lr = gr[i] - p.rStart;
      for (int j = 0; j < cols.n; ++j) {
        const PetscInt g = gc[j];
        if (g < 0) continue;
        PetscInt pos = -1;
        if (g >= cStartCol && g < cEndCol) {
          pos = find(dj + di[lr], dj + di[lr + 1], g - cStartCol);
          if (pos >= 0) w[i * cols.n + j] = static_cast<std::int32_t>(di[lr] + pos);
        } else if (off) {
          const PetscInt lc = find(garray, garray + nGhostCols, g);
          if (lc >= 0) pos = find(oj + oi[lr], oj + oi[lr + 1], lc);
          if (pos >= 0) w[i * cols.n + j] = static_cast<std::int32_t>(-(oi[lr] + pos) - 2);
        }
        ok = pos >= 0;  // an entry outside the pattern: MatSetValues decides what happens
      }
    }
  }
  PDEINV_CALL(MatRestoreRowIJ(diag, 0, PETSC_FALSE, PETSC_FALSE, &nd, &di, &dj, &done));
  if (off) PDEINV_CALL(MatRestoreRowIJ(off, 0, PETSC_FALSE, PETSC_FALSE, &no, &oi, &oj, &done));
  p.usable = ok;
  if (!ok) {
    p.where = {};
    p.remote = {};
  }
}

}  // namespace

struct Assembler::Impl {
  int dim = 0, Nq = 0;
  PetscInt cStart = 0, cEnd = 0;
  bool restricted = false;           // restrictToCells: only cellSubset is visited
  std::vector<PetscInt> cellSubset;  // cell numbers in [cStart, cEnd)
  Owned<PetscQuadrature> quad;
  std::vector<PetscReal> weights;
  std::vector<Tabulation> tabs;             // 0 = state, 1.. = aux
  std::vector<const CellClosure*> indices;  // each space owns its own (cellClosure)
  std::vector<Owned<Vec>> locals;
  std::vector<bool> auxInsertBC;
  // Coordinates: their element tabulated once, their closure offsets, the local vector.
  Tabulation coordTab;
  CellClosure coordIndices;
  Vec coords = nullptr;
  // Affine cells (simplices with linear coordinates) have one J⁻¹ and det J per cell, computed
  // once here (the mesh does not move) and reused by every assembly.
  bool affine = false;
  std::vector<PetscReal> cellInvJ, cellDetJ;
  // Kernel argument layout (PETSc convention).
  std::vector<PetscInt> uOff, uOff_x, aOff, aOff_x;
  // Per-cell scratch: geometry (J⁻¹ and det J of the current cell, per point unless affine),
  // field coefficients.
  std::vector<PetscReal> x, J, invJ, detJ;
  const PetscReal* curInvJ = nullptr;  // J⁻¹ of the current cell (affine) or of all points
  const PetscReal* curDetJ = nullptr;
  std::vector<PetscReal> coordCoeff;
  std::vector<std::vector<PetscScalar>> coeff;
  std::vector<PetscScalar> u, u_t, u_x, a, a_t, a_x;  // at one quadrature point
  std::vector<PetscScalar> gbuf[4];                   // g0..g3 of one point
  std::vector<PetscScalar> f0buf, f1buf, f1ref, f0probe, f1probe;
  std::vector<PetscScalar> G;  // element-matrix work, see accumulate()
  std::vector<int> activeU, activeV;
  // The active test rows of every point stacked, transposed: ustackT[i][q·nu + a] is row
  // activeU[a] of the test tabulation at point q, basis function i (fixed per activity
  // pattern); tstack[q·nu + a][j] is (G tabV)[a][j] of point q, filled by accumulate().
  std::vector<PetscReal> ustackT;
  std::vector<PetscScalar> tstack;
  int activeKey = -1;
  std::vector<PetscScalar> Kbuf, rebuf;  // element matrix (row-major) and residual
  int Krows = 0, Kcols = 0;

  int nAux() const { return static_cast<int>(tabs.size()) - 1; }
  const PetscReal* invJAt(int q) const { return affine ? curInvJ : curInvJ + q * dim * dim; }
  PetscReal detJAt(int q) const { return affine ? curDetJ[0] : curDetJ[q]; }

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

  // x, J = ∂x/∂ξ, J⁻¹ and det J at the quadrature points (all of them, or only the first with
  // onlyFirst: affine cells), from the coordinate element tabulated once
  // (DMPlexComputeCellGeometryFEM re-tabulates it for every cell).
  void computeGeometry(PetscInt cell, bool onlyFirst) {
    const auto& T = coordTab;
    const int nq = onlyFirst ? 1 : Nq;
    for (int q = 0; q < nq; ++q) {
      const PetscReal* tq = T.at(q);
      PetscReal* Jq = J.data() + q * dim * dim;
      // J[c·dim+e] = ∂x_c/∂ξ_e
      for (int c = 0; c < dim; ++c)
        for (int e = 0; e < dim; ++e) {
          PetscReal s = 0;
          const PetscReal* row = tq + (c * (1 + dim) + 1 + e) * T.Nb;
          for (int b = 0; b < T.Nb; ++b) s += row[b] * coordCoeff[b];
          Jq[c * dim + e] = s;
        }
      PetscReal* iJ = invJ.data() + q * dim * dim;
      PetscReal det = 0;
      if (dim == 2) {
        det = Jq[0] * Jq[3] - Jq[1] * Jq[2];
        iJ[0] = Jq[3] / det, iJ[1] = -Jq[1] / det;
        iJ[2] = -Jq[2] / det, iJ[3] = Jq[0] / det;
      } else if (dim == 3) {
        const Eigen::Map<const Eigen::Matrix<PetscReal, 3, 3, Eigen::RowMajor>> j3(Jq);
        det = j3.determinant();
        Eigen::Map<Eigen::Matrix<PetscReal, 3, 3, Eigen::RowMajor>> inv(iJ);
        inv = j3.inverse();
      } else {
        det = Jq[0];
        iJ[0] = 1.0 / Jq[0];
      }
      detJ[q] = det;
      if (!(det > 0)) {
        throw Error("inverted or degenerate cell " + std::to_string(cell) +
                    " (det J = " + std::to_string(det) + ")");
      }
    }
  }

  // Quadrature-point coordinates of the current cell.
  void computePoints() {
    const auto& T = coordTab;
    for (int q = 0; q < Nq; ++q) {
      const PetscReal* tq = T.at(q);
      for (int c = 0; c < dim; ++c) {
        PetscReal s = 0;
        const PetscReal* row = tq + (c * (1 + dim)) * T.Nb;
        for (int b = 0; b < T.Nb; ++b) s += row[b] * coordCoeff[b];
        x[q * dim + c] = s;
      }
    }
  }

  void gatherCoordinates(PetscInt cell, const PetscScalar* coordArray) {
    gather(coordArray, coordIndices.loc(cell - cStart), coordIndices.n, coordCoeff.data());
  }

  // J⁻¹ and det J of every affine cell, once.
  void precomputeAffineGeometry() {
    const auto n = static_cast<size_t>(cEnd - cStart);
    cellInvJ.resize(n * dim * dim);
    cellDetJ.resize(n);
    ReadArray coordArray(coords);
    for (PetscInt cell = cStart; cell < cEnd; ++cell) {
      gatherCoordinates(cell, coordArray.get());
      computeGeometry(cell, true);
      const auto lc = static_cast<size_t>(cell - cStart);
      std::copy(invJ.begin(), invJ.begin() + dim * dim, cellInvJ.begin() + lc * dim * dim);
      cellDetJ[lc] = detJ[0];
    }
  }

  // Geometry and field coefficients on one cell.
  void setupCell(PetscInt cell, const std::vector<const PetscScalar*>& arrays,
                 const PetscScalar* coordArray) {
    gatherCoordinates(cell, coordArray);
    computePoints();
    if (affine) {
      const auto lc = static_cast<size_t>(cell - cStart);
      curInvJ = cellInvJ.data() + lc * dim * dim;
      curDetJ = cellDetJ.data() + lc;
    } else {
      computeGeometry(cell, false);
      curInvJ = invJ.data();
      curDetJ = detJ.data();
    }
    for (size_t f = 0; f < tabs.size(); ++f)
      gather(arrays[f], indices[f]->loc(cell - cStart), indices[f]->n, coeff[f].data());
  }

  // Value and physical gradient of field f at point q: val[c], grad[c·dim+k].
  void evaluateField(int f, int q, PetscScalar* val, PetscScalar* grad) const {
    const auto& T = tabs[f];
    const PetscReal* tq = T.at(q);
    const PetscScalar* cf = coeff[f].data();
    const PetscReal* iJ = invJAt(q);
    PetscScalar ref[3];
    for (int c = 0; c < T.Nc; ++c) {
      for (int s = 0; s <= dim; ++s) {
        const PetscReal* row = tq + (c * (1 + dim) + s) * T.Nb;
        PetscScalar v = 0;
        for (int b = 0; b < T.Nb; ++b) v += row[b] * cf[b];
        if (s == 0) {
          val[c] = v;
        } else {
          ref[s - 1] = v;
        }
      }
      // ∂/∂x_k = Σ_e ∂/∂ξ_e · J⁻¹[e·dim+k]
      for (int k = 0; k < dim; ++k) {
        PetscScalar g = 0;
        for (int e = 0; e < dim; ++e) g += ref[e] * iJ[e * dim + k];
        grad[c * dim + k] = g;
      }
    }
  }

  // u, ∇u, a, ∇a at quadrature point q.
  void evaluatePoint(int q) {
    evaluateField(0, q, u.data(), u_x.data());
    for (int k = 0; k < nAux(); ++k)
      evaluateField(k + 1, q, a.data() + aOff[k], a_x.data() + aOff_x[k]);
  }

  void callF(PetscPointFunc f, PetscReal t, int q, const std::vector<PetscScalar>& c,
             PetscScalar* out) const {
    f(dim, 1, nAux(), uOff.data(), uOff_x.data(), u.data(), u_t.data(), u_x.data(), aOff.data(),
      aOff_x.data(), a.data(), a_t.data(), a_x.data(), t, x.data() + q * dim,
      static_cast<PetscInt>(c.size()), c.data(), out);
  }
  // f0 and f1 of kernels k at point q (each zeroed by the caller): one call when k has a
  // fused entry point.
  void callBoth(const ResidualKernels& k, PetscReal t, int q, const std::vector<PetscScalar>& c,
                std::vector<PetscScalar>& f0, std::vector<PetscScalar>& f1) const {
    if (k.both) {
      k.both(dim, 1, nAux(), uOff.data(), uOff_x.data(), u.data(), u_t.data(), u_x.data(),
             aOff.data(), aOff_x.data(), a.data(), a_t.data(), a_x.data(), t, x.data() + q * dim,
             static_cast<PetscInt>(c.size()), c.data(), k.f0 ? f0.data() : nullptr,
             k.f1 ? f1.data() : nullptr);
      return;
    }
    if (k.f0) callF(k.f0, t, q, c, f0.data());
    if (k.f1) callF(k.f1, t, q, c, f1.data());
  }
  void callG(PetscPointJac g, PetscReal t, int q, const std::vector<PetscScalar>& c,
             std::vector<PetscScalar>& out) {
    std::fill(out.begin(), out.end(), 0.0);
    g(dim, 1, nAux(), uOff.data(), uOff_x.data(), u.data(), u_t.data(), u_x.data(), aOff.data(),
      aOff_x.data(), a.data(), a_t.data(), a_x.data(), t, 0.0, x.data() + q * dim,
      static_cast<PetscInt>(c.size()), c.data(), out.data());
  }

  // Element residual of the current cell into rebuf: with f1 pulled back to the reference cell,
  // f1ref[c·dim+e] = Σ_k J⁻¹[e·dim+k] f1[c·dim+k], the residual is one product with the
  // tabulation: re_b += w Σ_r tab[q][r][b] (f0 | f1ref)[r].
  void elementResidual(const ResidualKernels& k, PetscReal t, const std::vector<PetscScalar>& c) {
    rebuf.assign(tabs[0].Nb, 0.0);
    for (int q = 0; q < Nq; ++q) {
      evaluatePoint(q);
      residualPoint(k, t, c, q);
    }
  }

  // Adds point q's contribution to the element residual (the fields evaluated at q).
  void residualPoint(const ResidualKernels& k, PetscReal t, const std::vector<PetscScalar>& c,
                     int q) {
    const auto& T = tabs[0];
    const int Nc = T.Nc, rows = T.rows, Nb = T.Nb;
    const PetscReal w = weights[q] * detJAt(q);
    std::fill(f0buf.begin(), f0buf.end(), 0.0);
    std::fill(f1buf.begin(), f1buf.end(), 0.0);
    callBoth(k, t, q, c, f0buf, f1buf);
    const PetscReal* iJ = invJAt(q);
    for (int cc = 0; cc < Nc; ++cc) {
      f1ref[cc * (1 + dim)] = w * f0buf[cc];
      for (int e = 0; e < dim; ++e) {
        PetscScalar v = 0;
        for (int kk = 0; kk < dim; ++kk) v += iJ[e * dim + kk] * f1buf[cc * dim + kk];
        f1ref[cc * (1 + dim) + 1 + e] = w * v;
      }
    }
    const PetscReal* tq = T.at(q);
    for (int r = 0; r < rows; ++r) {
      const PetscScalar fr = f1ref[r];
      if (fr == 0.0) continue;
      const PetscReal* row = tq + r * Nb;
      for (int b = 0; b < Nb; ++b) rebuf[b] += row[b] * fr;
    }
  }

  // K += w · tabUᵀ G tabV at point q, where G ((Nu·(1+d)) × (Nv·(1+d)), in the tabulation's row
  // layout) holds the pointwise blocks pulled back to the reference cell:
  //   G[(fc,0),(gc,0)]   = g0[fc,gc]
  //   G[(fc,0),(gc,1+e')] = Σ_l g1[fc,gc,l] J⁻¹[e',l]
  //   G[(fc,1+e),(gc,0)]  = Σ_k J⁻¹[e,k] g2[fc,gc,k]
  //   G[(fc,1+e),(gc,1+e')] = Σ_kl J⁻¹[e,k] g3[fc,gc,k,l] J⁻¹[e',l]
  // (∇φ = J⁻ᵀ ∇_ξ φ on both sides). Only the rows and columns the present blocks touch are
  // formed and multiplied (setActive), e.g. the gradient rows alone for a stiffness term.
  void setActive(int trial, bool g0, bool g1, bool g2, bool g3) {
    const int key = ((trial * 2 + g0) * 2 + g1) * 4 + g2 * 2 + g3;
    if (key == activeKey) return;  // G's inactive entries are still zero
    activeKey = key;
    const int d = dim;
    activeU.clear(), activeV.clear();
    for (int fc = 0; fc < tabs[0].Nc; ++fc) {
      if (g0 || g1) activeU.push_back(fc * (1 + d));
      if (g2 || g3)
        for (int e = 0; e < d; ++e) activeU.push_back(fc * (1 + d) + 1 + e);
    }
    for (int gc = 0; gc < tabs[trial].Nc; ++gc) {
      if (g0 || g2) activeV.push_back(gc * (1 + d));
      if (g1 || g3)
        for (int e = 0; e < d; ++e) activeV.push_back(gc * (1 + d) + 1 + e);
    }
    G.assign(static_cast<size_t>(tabs[0].rows * tabs[trial].rows), 0.0);
    const auto& TU = tabs[0];
    const size_t nu = activeU.size(), R = nu * static_cast<size_t>(Nq);
    ustackT.assign(R * static_cast<size_t>(TU.Nb), 0.0);
    for (int q = 0; q < Nq; ++q)
      for (size_t a = 0; a < nu; ++a)
        for (int i = 0; i < TU.Nb; ++i)
          ustackT[i * R + q * nu + a] = TU.at(q)[activeU[a] * TU.Nb + i];
    tstack.assign(R * static_cast<size_t>(tabs[trial].Nb), 0.0);
  }

  void accumulate(int trial, int q, PetscReal w, const PetscScalar* g0, const PetscScalar* g1,
                  const PetscScalar* g2, const PetscScalar* g3) {
    const auto& TU = tabs[0];
    const auto& TV = tabs[trial];
    const int Nu = TU.Nc, Nv = TV.Nc, d = dim, rv = TV.rows;
    const PetscReal* iJ = invJAt(q);
    auto Gat = [&](int fc, int s, int gc, int s2) -> PetscScalar& {
      return G[(fc * (1 + d) + s) * rv + gc * (1 + d) + s2];
    };
    for (int fc = 0; fc < Nu; ++fc)
      for (int gc = 0; gc < Nv; ++gc) {
        const int fg = fc * Nv + gc;
        if (g0) Gat(fc, 0, gc, 0) = w * g0[fg];
        if (g1)
          for (int e2 = 0; e2 < d; ++e2) {
            PetscScalar v = 0;
            for (int l = 0; l < d; ++l) v += g1[fg * d + l] * iJ[e2 * d + l];
            Gat(fc, 0, gc, 1 + e2) = w * v;
          }
        if (g2)
          for (int e = 0; e < d; ++e) {
            PetscScalar v = 0;
            for (int k = 0; k < d; ++k) v += iJ[e * d + k] * g2[fg * d + k];
            Gat(fc, 1 + e, gc, 0) = w * v;
          }
        if (g3)
          for (int e = 0; e < d; ++e)
            for (int e2 = 0; e2 < d; ++e2) {
              PetscScalar v = 0;
              for (int k = 0; k < d; ++k) {
                PetscScalar inner = 0;
                for (int l = 0; l < d; ++l) inner += g3[(fg * d + k) * d + l] * iJ[e2 * d + l];
                v += iJ[e * d + k] * inner;
              }
              Gat(fc, 1 + e, gc, 1 + e2) = w * v;
            }
      }
    // G tabV on the active rows (nu × NbV) into this point's rows of tstack; finishElement
    // then adds tabUᵀ (G tabV) of all points to K.
    if (activeU.empty() || activeV.empty()) return;
    byElementSize(TV.Nb, [&](auto NB) { multiplyRows<NB()>(TV, q, rv); });
  }

  // The product of accumulate(); NB is the trial element's size, or 0 for "given at run time".
  template <int NB>
  void multiplyRows(const Tabulation& TV, int q, int rv) {
    const int NbV = NB > 0 ? NB : TV.Nb;
    const PetscReal* __restrict tv = TV.at(q);
    const auto nu = activeU.size(), nv = activeV.size();
    PetscScalar* __restrict tm = tstack.data() + static_cast<size_t>(q) * nu * NbV;
    for (size_t a = 0; a < nu; ++a) {
      const PetscScalar* Gr = G.data() + activeU[a] * rv;
      PetscScalar* __restrict t = tm + a * NbV;
      for (int j = 0; j < NbV; ++j) t[j] = 0;
      for (size_t b = 0; b < nv; ++b) {
        const PetscScalar gv = Gr[activeV[b]];
        const PetscReal* __restrict row = tv + activeV[b] * NbV;
        for (int j = 0; j < NbV; ++j) t[j] += gv * row[j];
      }
    }
  }

  // K += Σ_q tabU_qᵀ (G_q tabV_q), all points at once: K[i][j] += Σ_r ustackT[i][r] tstack[r][j]
  // with row i of K held in registers (NB, the trial element's size, known at compile time)
  // while r runs over every point's active rows, one load and store of K per element.
  template <int NB>
  void finishRows(int NbV) {
    const int NbU = tabs[0].Nb;
    const size_t R = activeU.size() * static_cast<size_t>(Nq);
    PetscScalar* __restrict K = Kbuf.data();
    const PetscScalar* __restrict ts = tstack.data();
    for (int i = 0; i < NbU; ++i) {
      const PetscReal* __restrict ui = ustackT.data() + i * R;
      PetscScalar* __restrict Ki = K + i * NbV;
      if constexpr (NB > 0) {
        PetscScalar acc[NB] = {};
        for (size_t r = 0; r < R; ++r) {
          const PetscScalar* __restrict t = ts + r * NB;
          for (int j = 0; j < NB; ++j) acc[j] += ui[r] * t[j];
        }
        for (int j = 0; j < NB; ++j) Ki[j] += acc[j];
      } else {
        for (size_t r = 0; r < R; ++r)
          for (int j = 0; j < NbV; ++j) Ki[j] += ui[r] * ts[r * NbV + j];
      }
    }
  }

  // Completes the element matrix of a pass of accumulate() calls over all points.
  void finishElement(int trial) {
    if (activeU.empty() || activeV.empty()) return;
    byElementSize(tabs[trial].Nb, [&](auto NB) { finishRows<NB()>(tabs[trial].Nb); });
  }

  void resetK(int trial) {
    Krows = tabs[0].Nb;
    Kcols = tabs[trial].Nb;
    Kbuf.assign(static_cast<size_t>(Krows * Kcols), 0.0);
  }

  // Element Jacobian of the state residual with respect to field `trial` (0 = state, k+1 = aux
  // k), into Kbuf (row-major, test dofs × trial dofs).
  void elementJacobian(const JacobianKernels& kern, int trial, PetscReal t,
                       const std::vector<PetscScalar>& c) {
    resetK(trial);
    setActive(trial, kern.g0, kern.g1, kern.g2, kern.g3);
    for (int q = 0; q < Nq; ++q) {
      evaluatePoint(q);
      jacobianPoint(kern, trial, t, c, q);
    }
    finishElement(trial);
  }

  // Point q's contribution to the element matrix (after resetK and setActive; finishElement
  // adds them all).
  void jacobianPoint(const JacobianKernels& kern, int trial, PetscReal t,
                     const std::vector<PetscScalar>& c, int q) {
    const PetscReal w = weights[q] * detJAt(q);
    if (kern.all) {
      const PetscPointJac g[4] = {kern.g0, kern.g1, kern.g2, kern.g3};
      for (int b = 0; b < 4; ++b)
        if (g[b]) std::fill(gbuf[b].begin(), gbuf[b].end(), 0.0);
      kern.all(dim, 1, nAux(), uOff.data(), uOff_x.data(), u.data(), u_t.data(), u_x.data(),
               aOff.data(), aOff_x.data(), a.data(), a_t.data(), a_x.data(), t, 0.0,
               x.data() + q * dim, static_cast<PetscInt>(c.size()), c.data(),
               kern.g0 ? gbuf[0].data() : nullptr, kern.g1 ? gbuf[1].data() : nullptr,
               kern.g2 ? gbuf[2].data() : nullptr, kern.g3 ? gbuf[3].data() : nullptr);
    } else {
      if (kern.g0) callG(kern.g0, t, q, c, gbuf[0]);
      if (kern.g1) callG(kern.g1, t, q, c, gbuf[1]);
      if (kern.g2) callG(kern.g2, t, q, c, gbuf[2]);
      if (kern.g3) callG(kern.g3, t, q, c, gbuf[3]);
    }
    accumulate(trial, q, w, kern.g0 ? gbuf[0].data() : nullptr, kern.g1 ? gbuf[1].data() : nullptr,
               kern.g2 ? gbuf[2].data() : nullptr, kern.g3 ? gbuf[3].data() : nullptr);
  }

  // Element residual and element Jacobian ∂R/∂u of the current cell in one pass over the
  // quadrature points (the fields are evaluated once for both).
  void elementResidualAndJacobian(const ResidualKernels& k, const JacobianKernels& kern,
                                  PetscReal t, const std::vector<PetscScalar>& c) {
    rebuf.assign(tabs[0].Nb, 0.0);
    resetK(0);
    setActive(0, kern.g0, kern.g1, kern.g2, kern.g3);
    for (int q = 0; q < Nq; ++q) {
      evaluatePoint(q);
      residualPoint(k, t, c, q);
      jacobianPoint(kern, 0, t, c, q);
    }
    finishElement(0);
  }

  // The pointwise derivatives of residual kernels with respect to aux field k, read off by
  // probing: with a_k's value (or one gradient component) raised by 1, f − f(base) is the
  // column of g0/g2 (or g1/g3). Exact for kernels affine in a_k, which the second-order kernels
  // are (they are linear in the direction); so a matrix comes from kernels written as residuals.
  void elementJacobianProbed(const ResidualKernels& kern, int k, PetscReal t,
                             const std::vector<PetscScalar>& c) {
    const int Nu = tabs[0].Nc, Nv = tabs[k + 1].Nc, d = dim;
    resetK(k + 1);
    setActive(k + 1, kern.f0, kern.f0, kern.f1, kern.f1);
    auto eval = [&](int q, std::vector<PetscScalar>& f0, std::vector<PetscScalar>& f1) {
      std::fill(f0.begin(), f0.end(), 0.0);
      std::fill(f1.begin(), f1.end(), 0.0);
      callBoth(kern, t, q, c, f0, f1);
    };
    for (auto& g : gbuf) std::fill(g.begin(), g.end(), 0.0);
    for (int q = 0; q < Nq; ++q) {
      evaluatePoint(q);
      const PetscReal w = weights[q] * detJAt(q);
      eval(q, f0buf, f1buf);
      for (int gc = 0; gc < Nv; ++gc) {
        PetscScalar& v = a[aOff[k] + gc];
        const PetscScalar keep = v;
        v = keep + 1.0;
        eval(q, f0probe, f1probe);
        v = keep;
        for (int fc = 0; fc < Nu; ++fc) {
          gbuf[0][fc * Nv + gc] = f0probe[fc] - f0buf[fc];
          for (int df = 0; df < d; ++df)
            gbuf[2][(fc * Nv + gc) * d + df] = f1probe[fc * d + df] - f1buf[fc * d + df];
        }
        for (int dg = 0; dg < d; ++dg) {
          PetscScalar& vx = a_x[aOff_x[k] + gc * d + dg];
          const PetscScalar keepx = vx;
          vx = keepx + 1.0;
          eval(q, f0probe, f1probe);
          vx = keepx;
          for (int fc = 0; fc < Nu; ++fc) {
            gbuf[1][(fc * Nv + gc) * d + dg] = f0probe[fc] - f0buf[fc];
            for (int df = 0; df < d; ++df)
              gbuf[3][((fc * Nv + gc) * d + df) * d + dg] =
                  f1probe[fc * d + df] - f1buf[fc * d + df];
          }
        }
      }
      accumulate(k + 1, q, w, kern.f0 ? gbuf[0].data() : nullptr,
                 kern.f0 ? gbuf[1].data() : nullptr, kern.f1 ? gbuf[2].data() : nullptr,
                 kern.f1 ? gbuf[3].data() : nullptr);
    }
    finishElement(k + 1);
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
    if (restricted) {
      for (PetscInt cell : cellSubset) {
        setupCell(cell, arrays, coordArray.get());
        body(cell);
      }
      return;
    }
    for (PetscInt cell = cStart; cell < cEnd; ++cell) {
      setupCell(cell, arrays, coordArray.get());
      body(cell);
    }
  }

  // The insertion plan for (J, trial field), rebuilt when J is another matrix or its pattern
  // changed; the few most recent are kept (an assembler fills ∂R/∂u and one or two ∂R/∂a_k).
  std::vector<InsertPlan> plans;
  InsertPlan& planFor(Mat J, int trial) {
    PetscObjectId id = 0;
    PetscObjectState state = 0;
    PDEINV_CALL(PetscObjectGetId(reinterpret_cast<PetscObject>(J), &id));
    PDEINV_CALL(MatGetNonzeroState(J, &state));
    auto it = std::find_if(plans.begin(), plans.end(),
                           [&](const InsertPlan& p) { return p.matId == id && p.trial == trial; });
    if (it == plans.end()) {
      if (plans.size() >= 4) plans.erase(plans.begin());
      plans.emplace_back();
      it = plans.end() - 1;
      it->matId = id;
      it->trial = trial;
    }
    if (it->nonzeroState != state) {
      buildInsertPlan(*it, J, *indices[0], *indices[trial], cEnd - cStart);
      it->nonzeroState = state;
    }
    return *it;
  }

  // J = Σ element matrices, each made by `element` into Kbuf (rows: state, columns: field
  // `trial`): added through the insertion plan, or by MatSetValues for other matrix types.
  template <class Element>
  void assembleMatrix(Mat J, int trial, Element&& element) {
    assembleMatrix(J, trial, element, [](PetscInt) {});
  }
  // The same, with afterCell(cell) run after each element (to use what else it computed).
  template <class Element, class After>
  void assembleMatrix(Mat J, int trial, Element&& element, After&& afterCell) {
    PDEINV_CALL(MatZeroEntries(J));
    const auto& ri = *indices[0];
    const auto& ci = *indices[trial];
    const InsertPlan& plan = planFor(J, trial);
    if (!plan.usable) {
      forEachCell([&](PetscInt cell) {
        element();
        const PetscInt c = cell - cStart;
        PDEINV_CALL(MatSetValues(J, ri.n, ri.glob(c), ci.n, ci.glob(c), Kbuf.data(), ADD_VALUES));
        afterCell(cell);
      });
    } else {
      Mat diag = nullptr, off = nullptr;
      const PetscInt* garray = nullptr;
      aijBlocks(J, &diag, &off, &garray);
      AijValues vd(diag), vo(off);
      PetscScalar* __restrict ad = vd.get();
      PetscScalar* __restrict ao = vo.get();
      const size_t nn = static_cast<size_t>(ri.n) * static_cast<size_t>(ci.n);
      forEachCell([&](PetscInt cell) {
        element();
        const PetscInt c = cell - cStart;
        const std::int32_t* w = plan.where.data() + static_cast<size_t>(c) * nn;
        const PetscScalar* K = Kbuf.data();
        for (size_t e = 0; e < nn; ++e) {
          if (w[e] >= 0) {
            ad[w[e]] += K[e];
          } else if (w[e] < -1) {
            ao[-w[e] - 2] += K[e];
          }
        }
        if (plan.remote[static_cast<size_t>(c)]) {
          const PetscInt* gr = ri.glob(c);
          for (int i = 0; i < ri.n; ++i) {
            if (gr[i] < 0 || (gr[i] >= plan.rStart && gr[i] < plan.rEnd)) continue;
            PDEINV_CALL(MatSetValues(J, 1, gr + i, ci.n, ci.glob(c), K + i * ci.n, ADD_VALUES));
          }
        }
        afterCell(cell);
      });
    }
    PDEINV_CALL(MatAssemblyBegin(J, MAT_FINAL_ASSEMBLY));
    PDEINV_CALL(MatAssemblyEnd(J, MAT_FINAL_ASSEMBLY));
  }

  // ∂R/∂a_k into Jk, each element matrix made by `element` (hand-written Jacobian kernels or
  // residual kernels probed).
  template <class Element>
  void assembleAuxMatrix(const FunctionSpace& state, const std::vector<const FunctionSpace*>& aux,
                         int k, Vec u, const std::vector<Vec>& a, Mat Jk, PetscReal t,
                         Element&& element) {
    load(state, aux, u, a, t);
    assembleMatrix(Jk, k + 1, element);
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
  // The mass and stiffness forms of the highest degree p are polynomials of degree ≤ 2p on
  // affine cells; coefficients like e^m raise the degree by extraQuadraturePoints. Simplices
  // use the fully symmetric rules of minimal size for that degree (Witherden–Vincent; P2 with
  // e^m, degree 5: 7 points in 2-D, where the conical product rule of the same exactness class
  // took 16, and the element loop's cost is proportional to the points); boxes take
  // p+1+extra Gauss points per direction.
  const PetscInt npts = maxDegree + 1 + extraQuadraturePoints;
  if (state.mesh().simplex()) {
    PDEINV_CALL(PetscDTSimplexQuadrature(I.dim, 2 * maxDegree + extraQuadraturePoints,
                                         PETSCDTSIMPLEXQUAD_MINSYM, I.quad.out()));
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
    I.indices.push_back(&s->cellClosure());
    if (I.cEnd > I.cStart && I.indices.back()->n != T.Nb) {
      throw Error("assembler: closure of '" + s->name() + "' has " +
                  std::to_string(I.indices.back()->n) + " dofs, its element " +
                  std::to_string(T.Nb));
    }
    I.coeff.emplace_back(T.Nb, 0.0);
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
    I.coordIndices = cellClosureIndices(cdm, I.cStart, I.cEnd, false);
    I.coordCoeff.assign(std::max(I.coordIndices.n, I.coordTab.Nb), 0.0);
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
  for (auto& g : I.gbuf) g.assign(static_cast<size_t>(Nu * maxNc * d * d), 0.0);
  I.f0buf.assign(Nu, 0.0);
  I.f1buf.assign(Nu * d, 0.0);
  I.f0probe.assign(Nu, 0.0);
  I.f1probe.assign(Nu * d, 0.0);
  I.f1ref.assign(I.tabs[0].rows, 0.0);
  I.x.assign(I.Nq * d, 0.0);
  I.J.assign(I.Nq * d * d, 0.0);
  I.invJ.assign(I.Nq * d * d, 0.0);
  I.detJ.assign(I.Nq, 0.0);
  // Simplices with linear coordinates are affine: J is constant on each cell.
  I.affine = state.mesh().simplex() && I.coordTab.Nb == (d + 1) * I.coordTab.Nc;
  if (I.affine) I.precomputeAffineGeometry();
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

void Assembler::restrictToCells(std::vector<PetscInt> cells) {
  auto& I = *impl_;
  for (PetscInt c : cells)
    require(c >= 0 && c < I.cEnd - I.cStart,
            "Assembler::restrictToCells: cell " + std::to_string(c) + " is not a local cell");
  I.cellSubset.clear();
  for (PetscInt c : cells) I.cellSubset.push_back(c + I.cStart);
  I.restricted = true;
}

void Assembler::residual(const ResidualKernels& k, Vec u, const std::vector<Vec>& a, Vec r,
                         PetscReal t) const {
  LogScope scope(Phase::AssembleResidual);
  auto& I = *impl_;
  I.load(*state_, aux_, u, a, t);
  CachedLocal rloc(state_->dm());
  PDEINV_CALL(VecSet(rloc, 0.0));
  {
    WriteArray out(rloc);
    I.forEachCell([&](PetscInt cell) {
      I.elementResidual(k, t, constants_);
      scatterAdd(out.get(), I.indices[0]->loc(cell - I.cStart), I.indices[0]->n, I.rebuf.data());
    });
  }
  localToGlobalAdd(state_->dm(), rloc, r);
}

void Assembler::residualAndJacobian(const ResidualKernels& kr, const JacobianKernels& kj, Vec u,
                                    const std::vector<Vec>& a, Vec r, Mat J, PetscReal t) const {
  LogScope scope(Phase::AssembleResidualJacobian);
  auto& I = *impl_;
  I.load(*state_, aux_, u, a, t);
  CachedLocal rloc(state_->dm());
  PDEINV_CALL(VecSet(rloc, 0.0));
  {
    WriteArray out(rloc);
    I.assembleMatrix(
        J, 0, [&] { I.elementResidualAndJacobian(kr, kj, t, constants_); },
        [&](PetscInt cell) {
          scatterAdd(out.get(), I.indices[0]->loc(cell - I.cStart), I.indices[0]->n,
                     I.rebuf.data());
        });
  }
  localToGlobalAdd(state_->dm(), rloc, r);
}

Owned<Mat> Assembler::createStateMatrix() const {
  return state_->createMatrix(*state_);
}

void Assembler::stateJacobian(const JacobianKernels& k, Vec u, const std::vector<Vec>& a, Mat J,
                              PetscReal t) const {
  LogScope scope(Phase::AssembleJacobian);
  auto& I = *impl_;
  I.load(*state_, aux_, u, a, t);
  I.assembleMatrix(J, 0, [&] { I.elementJacobian(k, 0, t, constants_); });
}

Owned<Mat> Assembler::createAuxMatrix(int k) const {
  return state_->createMatrix(*aux_.at(k));
}

void Assembler::auxJacobian(const JacobianKernels& kern, int k, Vec u, const std::vector<Vec>& a,
                            Mat Jk, PetscReal t) const {
  LogScope scope(Phase::AssembleParameterJacobian);
  auto& I = *impl_;
  I.assembleAuxMatrix(*state_, aux_, k, u, a, Jk, t,
                      [&] { I.elementJacobian(kern, k + 1, t, constants_); });
}

void Assembler::linearAuxJacobian(const ResidualKernels& kern, int k, Vec u,
                                  const std::vector<Vec>& a, Mat Jk, PetscReal t,
                                  const JacobianKernels& derivative) const {
  LogScope scope(Phase::AssembleSecondOrder);
  auto& I = *impl_;
  if (!derivative.empty()) {
    I.assembleAuxMatrix(*state_, aux_, k, u, a, Jk, t,
                        [&] { I.elementJacobian(derivative, k + 1, t, constants_); });
    return;
  }
  I.assembleAuxMatrix(*state_, aux_, k, u, a, Jk, t,
                      [&] { I.elementJacobianProbed(kern, k, t, constants_); });
}

void Assembler::applyAuxJacobian(const JacobianKernels& kern, int k, Vec u,
                                 const std::vector<Vec>& a, Vec x, Vec y, bool transpose,
                                 PetscReal t) const {
  LogScope scope(Phase::AssembleParameterJacobian);
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
      gather(xa.get(), I.indices[inField]->loc(c), I.indices[inField]->n, xe);
      const Eigen::Map<const RowMat> K(I.Kbuf.data(), I.Krows, I.Kcols);
      if (transpose) {
        ye.noalias() = K.transpose() * xe;
      } else {
        ye.noalias() = K * xe;
      }
      scatterAdd(ya.get(), I.indices[outField]->loc(c), ye);
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
    gather(ua.get(), I.indices[0]->loc(lc), nb, ue);
    gather(za.get(), I.indices[0]->loc(lc), nb, ze);
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
      gather(bc.get(), I.indices[0]->loc(lc), nb, uD);
      S = Eigen::Map<const Mat_>(pairs.S.data() + static_cast<size_t>(lc) * nb * nb, nb, nb);
      S.noalias() += uD * Z.transpose();
      std::fill(I.coeff[0].begin(), I.coeff[0].end(), 0.0);
      I.elementJacobian(kern, k + 1, 0.0, constants_);
      K0 = Eigen::Map<const RowMat>(I.Kbuf.data(), I.Krows, I.Kcols);
      ye.noalias() = K0.transpose() * Z;
      for (int b = 0; b < nb; ++b) {
        std::fill(I.coeff[0].begin(), I.coeff[0].end(), 0.0);
        I.coeff[0][b] = 1.0;
        I.elementJacobian(kern, k + 1, 0.0, constants_);
        const Eigen::Map<const RowMat> Kb(I.Kbuf.data(), I.Krows, I.Kcols);
        ye.noalias() += (Kb - K0).transpose() * S.row(b).transpose();
      }
      scatterAdd(ya.get(), I.indices[k + 1]->loc(lc), ye);
    });
  }
  localToGlobalAdd(out.dm(), yloc, y);
}

void Assembler::massRootApply(const PointNoise& noise, Vec r) const {
  auto& I = *impl_;
  const auto& T = I.tabs[0];
  CachedLocal rloc(state_->dm());
  PDEINV_CALL(VecSet(rloc, 0.0));
  {
    WriteArray out(rloc);
    std::vector<PetscScalar> re(static_cast<size_t>(T.Nb));
    I.forEachCell([&](PetscInt cell) {
      std::fill(re.begin(), re.end(), 0.0);
      for (int q = 0; q < I.Nq; ++q) {
        const PetscReal* x = I.x.data() + q * I.dim;
        const PetscReal root = std::sqrt(I.weights[q] * I.detJAt(q));
        const PetscReal* tq = T.at(q);
        for (int c = 0; c < T.Nc; ++c) {
          const PetscReal xi = root * noise(x, c);
          const PetscReal* phi = tq + (c * (1 + I.dim)) * T.Nb;
          for (int b = 0; b < T.Nb; ++b) re[b] += phi[b] * xi;
        }
      }
      scatterAdd(out.get(), I.indices[0]->loc(cell - I.cStart), I.indices[0]->n, re.data());
    });
  }
  localToGlobalAdd(state_->dm(), rloc, r);
}

PetscReal Assembler::integrate(Vec u, const Integrand& f) const {
  auto& I = *impl_;
  state_->globalToLocal(u, I.locals[0], true);
  PetscReal local = 0;
  std::vector<PetscScalar> uh(I.tabs[0].Nc), gh(I.tabs[0].Nc * I.dim);
  I.forEachCell([&](PetscInt) {
    for (int q = 0; q < I.Nq; ++q) {
      I.evaluateField(0, q, uh.data(), gh.data());
      local += I.weights[q] * I.detJAt(q) * f(uh.data(), gh.data(), I.x.data() + q * I.dim);
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
  std::vector<PetscScalar> uh(Nc), gh(Nc * d);
  I.forEachCell([&](PetscInt) {
    for (int q = 0; q < I.Nq; ++q) {
      I.evaluateField(0, q, uh.data(), gh.data());
      std::fill(ge.begin(), ge.end(), 0.0);
      exact(I.x.data() + q * d, ue.data(), ge.data());
      const PetscReal w = I.weights[q] * I.detJAt(q);
      for (int c = 0; c < Nc; ++c) local[0] += w * std::pow(uh[c] - ue[c], 2);
      for (int i = 0; i < Nc * d; ++i) local[1] += w * std::pow(gh[i] - ge[i], 2);
    }
  });
  PetscReal global[2] = {0, 0};
  MPI_Allreduce(local, global, 2, MPIU_REAL, MPI_SUM, state_->mesh().comm());
  return {std::sqrt(global[0]), std::sqrt(global[1])};
}

}  // namespace pdeinv
