#pragma once
// WeightedRegularization: β·R(m) for a regularization R, with β changeable at run time.
//
// The regularization weight is what Morozov's discrepancy principle and the L-curve vary; the
// decorator lets them do so without rebuilding R's assembled matrices and solvers. Every
// derivative is scaled by β, and the Hessian inverse (the CG preconditioner) by 1/β.
#include <memory>

#include "pdeinv/inverse/regularization.hpp"

namespace pdeinv {

class WeightedRegularization final : public Regularization {
 public:
  explicit WeightedRegularization(std::unique_ptr<Regularization> inner, PetscReal weight = 1.0);

  std::string name() const override { return inner_->name(); }
  PetscReal value(Vec m) override;
  void gradient(Vec m, Vec g) override;
  void hessianApply(Vec m, Vec dm, Vec out) override;
  bool applyHessianInverse(Vec r, Vec out) override;
  // β·R is the negative log-density of N(m0, C/β) when R is that of N(m0, C): samples are
  // m0 + (inner sample − m0)/√β, so that their covariance is the inverse of this Hessian.
  bool sample(unsigned long seed, Vec out) override;
  bool mean(Vec out) override { return inner_->mean(out); }
  void linearizeAt(Vec m, bool restart) override { inner_->linearizeAt(m, restart); }
  bool applyPreconditioner(Vec r, Vec out) override;

  PetscReal weight() const { return weight_; }
  // InputError unless β > 0.
  void setWeight(PetscReal weight);
  Regularization& inner() { return *inner_; }

 private:
  std::unique_ptr<Regularization> inner_;
  PetscReal weight_;
};

}  // namespace pdeinv
