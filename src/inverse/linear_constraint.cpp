#include "pdeinv/inverse/linear_constraint.hpp"

#include <cmath>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/vec_ops.hpp"
#include "pdeinv/inverse/quantity_of_interest.hpp"

namespace pdeinv {

std::string LinearConstraint::describe() const {
  return std::string(kind == Kind::Mean ? "mean" : "integral") + " of m weighted by '" + weight +
         "'";
}

LinearConstraintPenalty::LinearConstraintPenalty(const FunctionSpace& P, Regularization* inner,
                                                 LinearConstraint c)
    : inner_(inner),
      c_(std::move(c)),
      weights_(integralWeights(P, c_.weight, "-constraint_weight",
                               c_.kind == LinearConstraint::Kind::Mean)) {
  require(c_.penalty > 0 && std::isfinite(c_.penalty),
          "-constraint_penalty must be positive and finite, got " + realText(c_.penalty));
  require(std::isfinite(c_.target), "the constraint's target value must be finite");
}

std::string LinearConstraintPenalty::name() const {
  return "constrained";  // the regularization with the penalty ("regularization constrained")
}

PetscReal LinearConstraintPenalty::functional(Vec m) const {
  return dot(weights_, m);
}

PetscReal LinearConstraintPenalty::value(Vec m) {
  const PetscReal v = violation(m);
  return (inner_ ? inner_->value(m) : 0.0) + 0.5 * c_.penalty * v * v;
}

void LinearConstraintPenalty::gradient(Vec m, Vec g) {
  if (inner_) {
    inner_->gradient(m, g);
  } else {
    PDEINV_CALL(VecSet(g, 0.0));
  }
  PDEINV_CALL(VecAXPY(g, c_.penalty * violation(m), weights_));
}

void LinearConstraintPenalty::hessianApply(Vec m, Vec dm, Vec out) {
  if (inner_) {
    inner_->hessianApply(m, dm, out);
  } else {
    PDEINV_CALL(VecSet(out, 0.0));
  }
  PDEINV_CALL(VecAXPY(out, c_.penalty * dot(weights_, dm), weights_));
}

std::unique_ptr<LinearConstraint> linearConstraintFromOptions() {
  const Options opts("constraint_");
  const bool mean = opts.isSet("mean"), integral = opts.isSet("integral");
  if (!mean && !integral) return nullptr;
  require(!(mean && integral), "give either -constraint_mean or -constraint_integral, not both");
  auto c = std::make_unique<LinearConstraint>();
  c->kind = mean ? LinearConstraint::Kind::Mean : LinearConstraint::Kind::Integral;
  c->target = mean ? opts.getReal("mean", 0.0, "equality constraint: the weighted mean of m")
                   : opts.getReal("integral", 0.0,
                                  "equality constraint: the weighted integral of m (total mass)");
  c->weight = opts.getString("weight", "1", "weight w(x) of the constrained mean or integral");
  c->penalty = opts.getReal("penalty", 1e8, "penalty weight μ of the equality constraint");
  return c;
}

}  // namespace pdeinv
