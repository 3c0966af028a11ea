#include "pdeinv/inverse/weighted_regularization.hpp"

#include <cmath>
#include <sstream>

#include "pdeinv/core/error.hpp"

namespace pdeinv {

WeightedRegularization::WeightedRegularization(std::unique_ptr<Regularization> inner,
                                               PetscReal weight)
    : inner_(std::move(inner)), weight_(1.0) {
  setWeight(weight);
}

void WeightedRegularization::setWeight(PetscReal weight) {
  if (!(weight > 0) || !std::isfinite(weight)) {
    std::ostringstream msg;
    msg << "the regularization weight must be positive and finite, got " << weight;
    throw InputError(msg.str());
  }
  weight_ = weight;
}

PetscReal WeightedRegularization::value(Vec m) {
  return weight_ * inner_->value(m);
}

void WeightedRegularization::gradient(Vec m, Vec g) {
  inner_->gradient(m, g);
  PDEINV_CALL(VecScale(g, weight_));
}

void WeightedRegularization::hessianApply(Vec m, Vec dm, Vec out) {
  inner_->hessianApply(m, dm, out);
  PDEINV_CALL(VecScale(out, weight_));
}

bool WeightedRegularization::sample(unsigned long seed, Vec out) {
  if (!inner_->sample(seed, out)) return false;
  Owned<Vec> m0;
  PDEINV_CALL(VecDuplicate(out, m0.out()));
  if (!inner_->mean(m0)) return false;
  // out = m0 + (s − m0)/√β
  PDEINV_CALL(VecAXPBY(out, 1.0 - 1.0 / std::sqrt(weight_), 1.0 / std::sqrt(weight_), m0));
  return true;
}

bool WeightedRegularization::applyHessianInverse(Vec r, Vec out) {
  if (!inner_->applyHessianInverse(r, out)) return false;
  PDEINV_CALL(VecScale(out, 1.0 / weight_));
  return true;
}

bool WeightedRegularization::applyPreconditioner(Vec r, Vec out) {
  if (!inner_->applyPreconditioner(r, out)) return false;
  PDEINV_CALL(VecScale(out, 1.0 / weight_));
  return true;
}

}  // namespace pdeinv
