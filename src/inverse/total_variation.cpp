#include "pdeinv/inverse/total_variation.hpp"

#include <algorithm>
#include <cmath>

#include "pdeinv/core/error.hpp"
#include "pdeinv/fem/assembler.hpp"
#include "pdeinv/fem/forms.hpp"
#include "pdeinv/inverse/bilaplacian_prior.hpp"

namespace pdeinv {
namespace {

// Kernel constants: [γ, ε]. Fields: u = m (the parameter, scalar); tv's primal-dual Hessian has
// the dual w (P0, dim components) as aux field 0, l1 has m0 (the parameter space) as aux field 0.

PetscReal gradSquared(PetscInt dim, const PetscScalar g[]) {
  PetscReal s = 0;
  for (PetscInt d = 0; d < dim; ++d) s += g[d] * g[d];
  return s;
}

void tvF1(PetscInt dim, PetscInt, PetscInt, const PetscInt[], const PetscInt[], const PetscScalar[],
          const PetscScalar[], const PetscScalar u_x[], const PetscInt[], const PetscInt[],
          const PetscScalar[], const PetscScalar[], const PetscScalar[], PetscReal,
          const PetscReal[], PetscInt, const PetscScalar c[], PetscScalar f1[]) {
  const PetscReal n = std::sqrt(gradSquared(dim, u_x) + c[1]);
  for (PetscInt d = 0; d < dim; ++d) f1[d] = c[0] * u_x[d] / n;
}

void tvG3(PetscInt dim, PetscInt, PetscInt, const PetscInt[], const PetscInt[], const PetscScalar[],
          const PetscScalar[], const PetscScalar u_x[], const PetscInt[], const PetscInt[],
          const PetscScalar[], const PetscScalar[], const PetscScalar[], PetscReal, PetscReal,
          const PetscReal[], PetscInt, const PetscScalar c[], PetscScalar g3[]) {
  const PetscReal n = std::sqrt(gradSquared(dim, u_x) + c[1]), n3 = n * n * n;
  for (PetscInt f = 0; f < dim; ++f)
    for (PetscInt g = 0; g < dim; ++g)
      g3[f * dim + g] = c[0] * ((f == g ? 1.0 / n : 0.0) - u_x[f] * u_x[g] / n3);
}

// H_pd with the dual w = a[0 .. dim).
void tvPrimalDualG3(PetscInt dim, PetscInt, PetscInt, const PetscInt[], const PetscInt[],
                    const PetscScalar[], const PetscScalar[], const PetscScalar u_x[],
                    const PetscInt[], const PetscInt[], const PetscScalar w[], const PetscScalar[],
                    const PetscScalar[], PetscReal, PetscReal, const PetscReal[], PetscInt,
                    const PetscScalar c[], PetscScalar g3[]) {
  const PetscReal n = std::sqrt(gradSquared(dim, u_x) + c[1]);
  for (PetscInt f = 0; f < dim; ++f)
    for (PetscInt g = 0; g < dim; ++g)
      g3[f * dim + g] =
          c[0] / n * ((f == g ? 1.0 : 0.0) - 0.5 * (w[f] * u_x[g] + u_x[f] * w[g]) / n);
}

void l1F0(PetscInt, PetscInt, PetscInt, const PetscInt[], const PetscInt[], const PetscScalar u[],
          const PetscScalar[], const PetscScalar[], const PetscInt[], const PetscInt[],
          const PetscScalar a[], const PetscScalar[], const PetscScalar[], PetscReal,
          const PetscReal[], PetscInt, const PetscScalar c[], PetscScalar f0[]) {
  const PetscReal d = u[0] - a[0];
  f0[0] = c[0] * d / std::sqrt(d * d + c[1]);
}

void l1G0(PetscInt, PetscInt, PetscInt, const PetscInt[], const PetscInt[], const PetscScalar u[],
          const PetscScalar[], const PetscScalar[], const PetscInt[], const PetscInt[],
          const PetscScalar a[], const PetscScalar[], const PetscScalar[], PetscReal, PetscReal,
          const PetscReal[], PetscInt, const PetscScalar c[], PetscScalar g0[]) {
  const PetscReal d = u[0] - a[0], n = std::sqrt(d * d + c[1]);
  g0[0] = c[0] * c[1] / (n * n * n);
}

// Dual-space residuals, tested with P0 vector functions (so each is |K| times the cell average).
// Aux fields: 0 = m, then (update) 1 = dm, 2 = w. Constants [γ, ε].
void dualConsistentF0(PetscInt dim, PetscInt, PetscInt, const PetscInt[], const PetscInt[],
                      const PetscScalar[], const PetscScalar[], const PetscScalar[],
                      const PetscInt[], const PetscInt[], const PetscScalar[], const PetscScalar[],
                      const PetscScalar a_x[], PetscReal, const PetscReal[], PetscInt,
                      const PetscScalar c[], PetscScalar f0[]) {
  const PetscReal n = std::sqrt(gradSquared(dim, a_x) + c[1]);
  for (PetscInt d = 0; d < dim; ++d) f0[d] = a_x[d] / n;
}

void dualUpdateF0(PetscInt dim, PetscInt, PetscInt, const PetscInt[], const PetscInt[],
                  const PetscScalar[], const PetscScalar[], const PetscScalar[],
                  const PetscInt aOff[], const PetscInt aOff_x[], const PetscScalar a[],
                  const PetscScalar[], const PetscScalar a_x[], PetscReal, const PetscReal[],
                  PetscInt, const PetscScalar c[], PetscScalar f0[]) {
  const PetscScalar* gm = a_x + aOff_x[0];
  const PetscScalar* gdm = a_x + aOff_x[1];
  const PetscScalar* w = a + aOff[2];
  const PetscReal n = std::sqrt(gradSquared(dim, gm) + c[1]);
  PetscReal mdm = 0;
  for (PetscInt d = 0; d < dim; ++d) mdm += gm[d] * gdm[d];
  for (PetscInt d = 0; d < dim; ++d) f0[d] = (gdm[d] - mdm / n * w[d]) / n - w[d] + gm[d] / n;
}

void unitF0(PetscInt dim, PetscInt, PetscInt, const PetscInt[], const PetscInt[],
            const PetscScalar[], const PetscScalar[], const PetscScalar[], const PetscInt[],
            const PetscInt[], const PetscScalar[], const PetscScalar[], const PetscScalar[],
            PetscReal, const PetscReal[], PetscInt, const PetscScalar[], PetscScalar f0[]) {
  for (PetscInt d = 0; d < dim; ++d) f0[d] = 1.0;
}

// The largest α with |w + α dw| ≤ 1, given |w| ≤ 1: the positive root of
// |dw|² α² + 2 (w·dw) α + |w|² − 1 = 0 (infinite for dw = 0).
PetscReal stepToUnitBall(const PetscScalar* w, const PetscScalar* dw, PetscInt dim) {
  PetscReal a = 0, b = 0, c = -1;
  for (PetscInt d = 0; d < dim; ++d) {
    a += dw[d] * dw[d];
    b += w[d] * dw[d];
    c += w[d] * w[d];
  }
  if (a <= 0) return PETSC_INFINITY;
  c = std::min(c, 0.0);  // |w| ≤ 1 up to rounding
  return (-b + std::sqrt(b * b - a * c)) / a;
}

class SmoothedL1Regularization : public Regularization {
 public:
  SmoothedL1Regularization(const FunctionSpace& V, SmoothedL1Settings s)
      : s_(std::move(s)),
        V_(&V),
        assembler_(V, s_.kind == Kind::Field ? std::vector<const FunctionSpace*>{&V}
                                             : std::vector<const FunctionSpace*>{}) {
    s_.validate();
    assembler_.setConstants({s_.gamma, s_.epsilon});
    if (isField()) {
      RegularizationSettings r;
      r.m0 = s_.m0;
      r.prefix = s_.prefix;
      // m0 enters with zero Dirichlet values (aux fields do), as in value(): where m itself is
      // constrained, R measures m's boundary values against 0.
      m0_ = r.interpolateM0(V);
    }
    H_ = V.createMatrix(V);
    P_ = V.createMatrix(V);
    M_ = massMatrix(V, H_);
    work_ = V.createVector();
    if (isTv() && s_.primalDual) {
      W_ =
          std::make_unique<FunctionSpace>(V.mesh(), ElementSpec{0, V.dim()}, s_.prefix + "tv_dual");
      pdAssembler_ = std::make_unique<Assembler>(V, std::vector<const FunctionSpace*>{W_.get()});
      pdAssembler_->setConstants({s_.gamma, s_.epsilon});
      dualAssembler_ =
          std::make_unique<Assembler>(*W_, std::vector<const FunctionSpace*>{&V, &V, W_.get()});
      dualAssembler_->setConstants({s_.gamma, s_.epsilon});
      dualAssembler_->insertBoundaryValues(0);
      w_ = W_->createVector();
      dw_ = W_->createVector();
      volume_ = W_->createVector();
      Assembler(*W_, {}).residual({unitF0, nullptr}, nullptr, {}, volume_);
      mLin_ = V.createVector();
      dm_ = V.createVector();
    }
  }

  std::string name() const override { return isTv() ? "tv" : "l1"; }

  PetscReal value(Vec m) override {
    const PetscReal g = s_.gamma, e = s_.epsilon;
    if (isTv()) {
      return assembler_.integrate(m,
                                  [&](const PetscScalar*, const PetscScalar* gm, const PetscReal*) {
                                    return g * std::sqrt(gradSquared(V_->dim(), gm) + e);
                                  });
    }
    PDEINV_CALL(VecWAXPY(work_, -1.0, m0_, m));
    return assembler_.integrate(work_,
                                [&](const PetscScalar* d, const PetscScalar*, const PetscReal*) {
                                  return g * std::sqrt(d[0] * d[0] + e);
                                });
  }

  void gradient(Vec m, Vec g) override {
    if (isTv()) {
      assembler_.residual({nullptr, tvF1}, m, {}, g);
    } else {
      assembler_.residual({l1F0, nullptr}, m, {m0_}, g);
    }
  }

  void hessianApply(Vec m, Vec dm, Vec out) override {
    const bool atLinearization = haveDual_ && sameAs(m, mLin_);
    if (atLinearization) {
      if (hKind_ != HKind::PrimalDual) assembleHessian(m, true);
    } else if (hKind_ != HKind::Exact || !sameAs(m, hPoint_)) {
      assembleHessian(m, false);
    }
    PDEINV_CALL(MatMult(H_, dm, out));
  }

  void linearizeAt(Vec m, bool restart) override {
    if (isTv() && s_.primalDual) {
      if (restart || !haveDual_) {
        // w = ∇m / n: H_pd is then the exact Hessian (aux fields 1, 2 unused here).
        dualAssembler_->residual({dualConsistentF0, nullptr}, nullptr, {m, m, dw_}, w_);
        PDEINV_CALL(VecPointwiseDivide(w_, w_, volume_));
      } else {
        stepDual(m);
      }
      haveDual_ = true;
      PDEINV_CALL(VecCopy(m, mLin_));
      assembleHessian(m, true);
    } else if (hKind_ != HKind::Exact || !sameAs(m, hPoint_)) {
      assembleHessian(m, false);
    }
    factorPreconditioner();
  }

  bool applyPreconditioner(Vec r, Vec out) override {
    if (!pc_) {
      // Before any linearization: the Hessian at m = m0 (tv: at 0).
      auto m = V_->createVector();
      if (m0_)
        PDEINV_CALL(VecCopy(m0_, m));
      else
        PDEINV_CALL(VecSet(m, 0.0));
      assembleHessian(m, false);
      factorPreconditioner();
    }
    pc_->solve(r, out);
    return true;
  }

 private:
  using Kind = SmoothedL1Settings::Kind;
  enum class HKind { None, Exact, PrimalDual };
  bool isTv() const { return s_.kind == Kind::TotalVariation; }
  bool isField() const { return s_.kind == Kind::Field; }

  // m holds the values of `copy` (one comparison and reduction: cheap next to the assembly it
  // saves).
  static bool sameAs(Vec m, Vec copy) {
    if (!copy) return false;
    PetscBool equal = PETSC_FALSE;
    PDEINV_CALL(VecEqual(m, copy, &equal));
    return equal == PETSC_TRUE;
  }

  void assembleHessian(Vec m, bool primalDual) {
    if (primalDual) {
      pdAssembler_->stateJacobian({nullptr, nullptr, nullptr, tvPrimalDualG3}, m, {w_}, H_);
      hKind_ = HKind::PrimalDual;
    } else {
      if (isTv()) {
        assembler_.stateJacobian({nullptr, nullptr, nullptr, tvG3}, m, {}, H_);
      } else {
        assembler_.stateJacobian({l1G0, nullptr, nullptr, nullptr}, m, {m0_}, H_);
      }
      hKind_ = HKind::Exact;
      if (!hPoint_) hPoint_ = V_->createVector();
      PDEINV_CALL(VecCopy(m, hPoint_));
    }
    pcCurrent_ = false;
  }

  // P = H + s (γ/√ε) M, factored (refactored when H changed since).
  void factorPreconditioner() {
    if (pcCurrent_) return;
    PDEINV_CALL(MatCopy(H_, P_, SAME_NONZERO_PATTERN));
    PDEINV_CALL(
        MatAXPY(P_, s_.pcShift * s_.gamma / std::sqrt(s_.epsilon), M_, SAME_NONZERO_PATTERN));
    if (!pc_) {
      pc_ = std::make_unique<SpdSolver>(P_, s_.prefix + (isTv() ? "tv_" : "l1_"),
                                        SpdSolver::Preconditioner::amg, SpdSolver::operatorRtol);
    }
    pcCurrent_ = true;
  }

  // The dual's Newton step for the primal step dm = m − m_lin, linearized at m_lin, as far as
  // the unit ball allows in each cell.
  void stepDual(Vec m) {
    PDEINV_CALL(VecWAXPY(dm_, -1.0, mLin_, m));
    dualAssembler_->residual({dualUpdateF0, nullptr}, nullptr, {mLin_, dm_, w_}, dw_);
    PDEINV_CALL(VecPointwiseDivide(dw_, dw_, volume_));
    PetscInt n = 0;
    PDEINV_CALL(VecGetLocalSize(w_, &n));
    PetscScalar* w = nullptr;
    const PetscScalar* dw = nullptr;
    PDEINV_CALL(VecGetArray(w_, &w));
    PDEINV_CALL(VecGetArrayRead(dw_, &dw));
    const PetscInt dim = V_->dim();
    for (PetscInt i = 0; i + dim <= n; i += dim) {
      const PetscReal alpha = std::min(1.0, 0.99 * stepToUnitBall(w + i, dw + i, dim));
      for (PetscInt d = 0; d < dim; ++d) w[i + d] += alpha * dw[i + d];
    }
    PDEINV_CALL(VecRestoreArrayRead(dw_, &dw));
    PDEINV_CALL(VecRestoreArray(w_, &w));
  }

  SmoothedL1Settings s_;
  const FunctionSpace* V_;
  Assembler assembler_;
  Owned<Vec> m0_, work_;
  Owned<Mat> H_, P_, M_;
  std::unique_ptr<SpdSolver> pc_;
  bool pcCurrent_ = false;
  HKind hKind_ = HKind::None;
  Owned<Vec> hPoint_;
  // Primal-dual TV.
  std::unique_ptr<FunctionSpace> W_;
  std::unique_ptr<Assembler> pdAssembler_, dualAssembler_;
  Owned<Vec> w_, dw_, volume_, mLin_, dm_;
  bool haveDual_ = false;
};

}  // namespace

void SmoothedL1Settings::validate() const {
  require(std::isfinite(gamma) && gamma > 0,
          "option " + flag("gamma") + " must be positive, got " + realText(gamma));
  require(std::isfinite(epsilon) && epsilon > 0,
          "option " + flag("epsilon") +
              " (the smoothing ε of √(|∇m|² + ε)) must be positive, got " + realText(epsilon));
  require(std::isfinite(pcShift) && pcShift > 0,
          "option " + flag("pc_shift") + " must be positive, got " + realText(pcShift));
}

std::unique_ptr<Regularization> makeSmoothedL1Regularization(const FunctionSpace& parameter,
                                                             const SmoothedL1Settings& settings) {
  settings.validate();
  require(parameter.components() == 1,
          "-" + settings.prefix + "type " +
              (settings.kind == SmoothedL1Settings::Kind::TotalVariation ? "tv" : "l1") +
              " needs a scalar parameter field, got " + std::to_string(parameter.components()) +
              " components");
  require(
      settings.kind != SmoothedL1Settings::Kind::TotalVariation || parameter.element().degree >= 1,
      "-" + settings.prefix +
          "type tv needs a continuous parameter field (P1 or P2): the gradient of a "
          "piecewise constant field vanishes in every cell");
  return std::make_unique<SmoothedL1Regularization>(parameter, settings);
}

}  // namespace pdeinv
