#pragma once
// Test problems for the pdeinvgncg TAO type: distributed (MPI Vec) objectives with callbacks
// that count their evaluations, a MATSHELL Hessian (Gauss–Newton or Newton) and a MATSHELL
// preconditioner applying the inverse of the regularisation.
#include <petsctao.h>

#include <cmath>
#include <functional>
#include <string>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"
#include "pdeinv/optim/tao_gncg.hpp"

namespace pdeinv::test {

// A Tao that is destroyed at the end of the scope.
struct OwnedTao {
  Tao tao = nullptr;
  explicit OwnedTao(MPI_Comm comm) { PDEINV_CALL(TaoCreate(comm, &tao)); }
  ~OwnedTao() { TaoDestroy(&tao); }
  OwnedTao(const OwnedTao&) = delete;
  OwnedTao& operator=(const OwnedTao&) = delete;
  operator Tao() const { return tao; }  // NOLINT
};

struct Counts {
  PetscInt objective = 0, gradient = 0, objectiveAndGradient = 0, hessian = 0, hessianMults = 0,
           pcApplies = 0;
};

// Base of the test problems: R = β (s K + δ I) with K = tridiag(-1, 2, -1) over all ranks, the
// "regularisation"; the preconditioner applies R⁻¹ (CG to 1e-13).
class Problem {
 public:
  Problem(PetscInt n, PetscReal beta, PetscReal stiffness, PetscReal delta) {
    beta *= stiffness;
    delta /= stiffness;
    PDEINV_CALL(MatCreateAIJ(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, n, n, 3, nullptr, 2,
                             nullptr, R_.out()));
    PetscInt lo = 0, hi = 0;
    PDEINV_CALL(MatGetOwnershipRange(R_, &lo, &hi));
    for (PetscInt i = lo; i < hi; ++i) {
      if (i > 0) PDEINV_CALL(MatSetValue(R_, i, i - 1, -beta, INSERT_VALUES));
      PDEINV_CALL(MatSetValue(R_, i, i, beta * (2 + delta), INSERT_VALUES));
      if (i + 1 < n) PDEINV_CALL(MatSetValue(R_, i, i + 1, -beta, INSERT_VALUES));
    }
    PDEINV_CALL(MatAssemblyBegin(R_, MAT_FINAL_ASSEMBLY));
    PDEINV_CALL(MatAssemblyEnd(R_, MAT_FINAL_ASSEMBLY));
    PDEINV_CALL(MatCreateVecs(R_, q_.out(), nullptr));
    PDEINV_CALL(VecSet(q_, 0.0));
    PDEINV_CALL(VecDuplicate(q_, diag_.out()));
    PDEINV_CALL(VecDuplicate(q_, work_.out()));
    PDEINV_CALL(VecGetLocalSize(q_, &nLocal_));
    PDEINV_CALL(KSPCreate(PETSC_COMM_WORLD, rSolver_.out()));
    PDEINV_CALL(KSPSetOperators(rSolver_, R_, R_));
    PDEINV_CALL(KSPSetType(rSolver_, KSPCG));
    PC pc = nullptr;
    PDEINV_CALL(KSPGetPC(rSolver_, &pc));
    PDEINV_CALL(PCSetType(pc, PCJACOBI));
    PDEINV_CALL(KSPSetTolerances(rSolver_, 1e-13, 0.0, PETSC_DEFAULT, 10 * n));
    PDEINV_CALL(MatCreateShell(PETSC_COMM_WORLD, nLocal_, nLocal_, n, n, this, H_.out()));
    PDEINV_CALL(MatShellSetOperation(H_, MATOP_MULT, (void (*)(void))hessianMult));
    PDEINV_CALL(MatCreateShell(PETSC_COMM_WORLD, nLocal_, nLocal_, n, n, this, P_.out()));
    PDEINV_CALL(MatShellSetOperation(P_, MATOP_MULT, (void (*)(void))pcMult));
  }
  virtual ~Problem() = default;

  // The pointwise part φ(x_i) of the objective and its first two derivatives; `newton` selects
  // the exact second derivative, otherwise the Gauss–Newton one.
  virtual PetscReal pointValue(PetscInt i, PetscReal x) const = 0;
  virtual PetscReal pointDerivative(PetscInt i, PetscReal x) const = 0;
  virtual PetscReal pointSecond(PetscInt i, PetscReal x, bool newton) const = 0;
  // The objective fails (returns PETSC_INFINITY) at x when this is false for some i.
  std::function<bool(PetscInt, PetscReal)> admissible;

  // f(x) = Σ φ_i(x_i) + ½ xᵀ R x − qᵀ x.
  PetscReal value(Vec x) {
    const PetscScalar *xa = nullptr, *qa = nullptr;
    PDEINV_CALL(VecGetArrayRead(x, &xa));
    PDEINV_CALL(VecGetArrayRead(q_, &qa));
    PetscInt lo = 0;
    PDEINV_CALL(VecGetOwnershipRange(x, &lo, nullptr));
    PetscReal local = 0;
    int bad = 0;
    for (PetscInt i = 0; i < nLocal_; ++i) {
      if (admissible && !admissible(lo + i, xa[i])) bad = 1;
      local += pointValue(lo + i, xa[i]) - qa[i] * xa[i];
    }
    PDEINV_CALL(VecRestoreArrayRead(q_, &qa));
    PDEINV_CALL(VecRestoreArrayRead(x, &xa));
    PDEINV_CALL(MatMult(R_, x, work_));
    PetscScalar xRx = 0;
    PDEINV_CALL(VecDot(x, work_, &xRx));
    PetscReal sum = 0;
    int anyBad = 0;
    MPI_Allreduce(&local, &sum, 1, MPIU_REAL, MPI_SUM, PETSC_COMM_WORLD);
    MPI_Allreduce(&bad, &anyBad, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
    if (anyBad) return PETSC_INFINITY;  // a "failed forward solve", collectively
    return sum + 0.5 * xRx;
  }
  void gradient(Vec x, Vec g) {
    PDEINV_CALL(MatMult(R_, x, g));
    PDEINV_CALL(VecAXPY(g, -1.0, q_));
    pointwise(
        x, g, [this](PetscInt i, PetscReal xi) { return pointDerivative(i, xi); }, true);
  }
  void setHessianPoint(Vec x) {
    const bool nt = newton;
    pointwise(
        x, diag_, [this, nt](PetscInt i, PetscReal xi) { return pointSecond(i, xi, nt); }, false);
  }

  // Makes x* the exact stationary point: q = ∇φ(x*) + R x*.
  void setMinimiser(Vec xstar) {
    PDEINV_CALL(MatMult(R_, xstar, q_));
    pointwise(
        xstar, q_, [this](PetscInt i, PetscReal xi) { return pointDerivative(i, xi); }, true);
  }

  Vec createVec() const {
    Vec v = nullptr;
    PDEINV_CALL(VecDuplicate(q_, &v));
    return v;
  }
  // Sets v_i = fn(i) for the global index i.
  void fill(Vec v, const std::function<PetscReal(PetscInt)>& fn) const {
    PetscScalar* a = nullptr;
    PetscInt lo = 0;
    PDEINV_CALL(VecGetOwnershipRange(v, &lo, nullptr));
    PDEINV_CALL(VecGetArray(v, &a));
    for (PetscInt i = 0; i < nLocal_; ++i) a[i] = fn(lo + i);
    PDEINV_CALL(VecRestoreArray(v, &a));
  }

  // Installs the callbacks (objective, gradient, objective+gradient, Hessian H with
  // preconditioner P) on the Tao.
  void attach(Tao tao, bool withPreconditioner = true) {
    PDEINV_CALL(TaoSetObjective(tao, objectiveCb, this));
    PDEINV_CALL(TaoSetGradient(tao, nullptr, gradientCb, this));
    PDEINV_CALL(TaoSetObjectiveAndGradient(tao, nullptr, objectiveAndGradientCb, this));
    PDEINV_CALL(TaoSetHessian(tao, H_, withPreconditioner ? P_.get() : H_.get(), hessianCb, this));
  }
  Mat hessianMat() const { return H_; }
  Mat preconditionerMat() const { return P_; }

  bool newton = true;  // which Hessian the Hessian callback builds
  Counts counts;

 private:
  template <class Fn>
  void pointwise(Vec x, Vec out, Fn fn, bool add) {
    const PetscScalar* xa = nullptr;
    PetscScalar* oa = nullptr;
    PetscInt lo = 0;
    PDEINV_CALL(VecGetOwnershipRange(x, &lo, nullptr));
    PDEINV_CALL(VecGetArrayRead(x, &xa));
    PDEINV_CALL(VecGetArray(out, &oa));
    for (PetscInt i = 0; i < nLocal_; ++i) oa[i] = (add ? oa[i] : 0.0) + fn(lo + i, xa[i]);
    PDEINV_CALL(VecRestoreArray(out, &oa));
    PDEINV_CALL(VecRestoreArrayRead(x, &xa));
  }
  static PetscErrorCode objectiveCb(Tao, Vec x, PetscReal* f, void* ctx) {
    auto* p = static_cast<Problem*>(ctx);
    ++p->counts.objective;
    *f = p->value(x);
    return 0;
  }
  static PetscErrorCode gradientCb(Tao, Vec x, Vec g, void* ctx) {
    auto* p = static_cast<Problem*>(ctx);
    ++p->counts.gradient;
    p->gradient(x, g);
    return 0;
  }
  static PetscErrorCode objectiveAndGradientCb(Tao, Vec x, PetscReal* f, Vec g, void* ctx) {
    auto* p = static_cast<Problem*>(ctx);
    ++p->counts.objectiveAndGradient;
    *f = p->value(x);
    p->gradient(x, g);
    return 0;
  }
  static PetscErrorCode hessianCb(Tao, Vec x, Mat, Mat, void* ctx) {
    auto* p = static_cast<Problem*>(ctx);
    ++p->counts.hessian;
    p->setHessianPoint(x);
    return 0;
  }
  static PetscErrorCode hessianMult(Mat H, Vec v, Vec y) {
    Problem* p = nullptr;
    PetscCall(MatShellGetContext(H, &p));
    ++p->counts.hessianMults;
    PetscCall(MatMult(p->R_, v, y));
    PetscCall(VecPointwiseMult(p->work_, p->diag_, v));
    PetscCall(VecAXPY(y, 1.0, p->work_));
    return 0;
  }
  static PetscErrorCode pcMult(Mat P, Vec r, Vec z) {
    Problem* p = nullptr;
    PetscCall(MatShellGetContext(P, &p));
    ++p->counts.pcApplies;
    PetscCall(KSPSolve(p->rSolver_, r, z));
    return 0;
  }

  PetscInt nLocal_ = 0;
  Owned<Mat> R_, H_, P_;
  Owned<Vec> q_, diag_, work_;
  Owned<KSP> rSolver_;
};

// Nonlinear least squares with a non-zero residual at the solution:
//   f(x) = ½ Σ (exp(a_i x_i) + c_i)² + ½ xᵀRx − qᵀx,  c_i > 0,
// strictly convex (every residual and its second derivative are positive), so the stationary
// point x* set by setMinimiser() is the unique minimiser. The Gauss–Newton Hessian drops
// r_i r_i'' = (e^{a x} + c) a² e^{a x}, which is not small: Gauss–Newton converges only linearly.
class ExpLeastSquares : public Problem {
 public:
  // R = 1000 K + I: the data term is small against R except in the smooth modes, as in an
  // inverse problem, so that R⁻¹ is a good preconditioner.
  explicit ExpLeastSquares(PetscInt n) : Problem(n, 1.0, 1000.0, 1.0) {}
  static PetscReal a(PetscInt i) { return 1.0 + 0.5 * std::sin(1.0 * i); }
  static PetscReal c(PetscInt i) { return 0.1 * (1.0 + 0.5 * std::cos(0.7 * i)); }
  PetscReal pointValue(PetscInt i, PetscReal x) const override {
    const PetscReal r = std::exp(a(i) * x) + c(i);
    return 0.5 * r * r;
  }
  PetscReal pointDerivative(PetscInt i, PetscReal x) const override {
    const PetscReal e = std::exp(a(i) * x);
    return (e + c(i)) * a(i) * e;
  }
  PetscReal pointSecond(PetscInt i, PetscReal x, bool nt) const override {
    const PetscReal e = std::exp(a(i) * x), ai = a(i);
    return ai * ai * e * e + (nt ? (e + c(i)) * ai * ai * e : 0.0);
  }
};

// A coupled double well, f(x) = Σ (¼x_i⁴ − ½x_i²) + ½ xᵀRx − qᵀx: the Newton Hessian
// diag(3x² − 1) + R is indefinite near x = 0. The Gauss–Newton-like variant uses diag(3x²) + R.
class DoubleWell : public Problem {
 public:
  explicit DoubleWell(PetscInt n) : Problem(n, 0.05, 1.0, 0.01) {}
  PetscReal pointValue(PetscInt, PetscReal x) const override {
    return 0.25 * x * x * x * x - 0.5 * x * x;
  }
  PetscReal pointDerivative(PetscInt, PetscReal x) const override { return x * x * x - x; }
  PetscReal pointSecond(PetscInt, PetscReal x, bool nt) const override {
    return 3 * x * x - (nt ? 1.0 : 0.0);
  }
};

}  // namespace pdeinv::test
