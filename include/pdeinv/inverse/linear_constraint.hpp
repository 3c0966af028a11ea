#pragma once
// Equality constraints on a linear functional of the parameter field, by a quadratic penalty:
//
//   R_c(m) = R(m) + (μ/2) (cᵀm − t)²
//
// with c the weights of the field's weighted mean, cᵀm = ∫ w m / ∫ w (-constraint_mean t), or
// of its weighted integral, cᵀm = ∫ w m (-constraint_integral t: a known total mass), over the
// optimisation field m; w(x) is -constraint_weight (default 1: the whole domain; an indicator:
// a region). -constraint_penalty μ (default 1e8) sets the weight: the violation at the minimiser
// is about (∂J/∂(cᵀm))/μ, reported after the inversion. The penalty adds the rank-one term
// μ c cᵀ to the Hessian, which preconditioned CG resolves in one more iteration, so a large μ
// costs little. The regularization's Hessian inverse stays the CG preconditioner; a penalized
// regularization is no Gaussian prior (sample() and mean() decline).
#include <memory>
#include <string>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/inverse/regularization.hpp"

namespace pdeinv {

class FunctionSpace;

struct LinearConstraint {
  enum class Kind { Mean, Integral };
  Kind kind = Kind::Mean;
  PetscReal target = 0;
  std::string weight = "1";
  PetscReal penalty = 1e8;
  // "weighted mean of m" / "weighted integral of m", with the weight.
  std::string describe() const;
};

class LinearConstraintPenalty final : public Regularization {
 public:
  // inner may be null (no regularization); it must outlive this. InputError when the weight
  // integrates to zero (for a mean) or the penalty is not positive.
  LinearConstraintPenalty(const FunctionSpace& P, Regularization* inner, LinearConstraint c);

  std::string name() const override;
  PetscReal value(Vec m) override;
  void gradient(Vec m, Vec g) override;
  void hessianApply(Vec m, Vec dm, Vec out) override;
  bool applyHessianInverse(Vec r, Vec out) override {
    return inner_ && inner_->applyHessianInverse(r, out);
  }
  void linearizeAt(Vec m, bool restart) override {
    if (inner_) inner_->linearizeAt(m, restart);
  }
  bool applyPreconditioner(Vec r, Vec out) override {
    return inner_ && inner_->applyPreconditioner(r, out);
  }

  const LinearConstraint& constraint() const { return c_; }
  // cᵀm and cᵀm − t.
  PetscReal functional(Vec m) const;
  PetscReal violation(Vec m) const { return functional(m) - c_.target; }

 private:
  Regularization* inner_;
  LinearConstraint c_;
  Owned<Vec> weights_;
};

// The constraint of -constraint_mean / -constraint_integral, -constraint_weight and
// -constraint_penalty, if one is given (InputError for both, or a bad penalty).
std::unique_ptr<LinearConstraint> linearConstraintFromOptions();

}  // namespace pdeinv
