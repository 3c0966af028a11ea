#pragma once
// Scalar quantities of interest (QoIs) of a steady inverse problem: what a posterior is sampled
// for (-mode sample reports each one's posterior mean and credible interval).
//
//   ParameterMeanQoi   q = cᵀx, c = M w / ∫ w: the optimisation variable's mean weighted by
//                      w(x) (an indicator gives a region's mean). Linear in x, so its Laplace
//                      mean and variance are exact (cᵀx*, cᵀ Γ_post c).
//   StatePointQoi      q = u(x₀): the state at a point (the finite-element interpolant).
//   BoundaryFluxQoi    q = s · Σ_{i on Γ} R_i(u, p): the flux of the weak form through the
//                      boundary part Γ, computed variationally from the residual without
//                      Dirichlet constraints (the "reaction"). For −∇·(κ∇u) = f it is, by
//                      Green's formula with the test function equal to 1 on Γ's nodes,
//                      ∫_Γ κ ∂u/∂n ds (outward normal; s = 1) — the same quantity as the
//                      boundary integral of κ ∇u·n, but accurate to the order of the energy
//                      instead of the gradient's trace (the usual way FE codes compute
//                      reactions). Scalar states only.
//
// State QoIs read the solver's last solution: value(x) must follow an evaluation of the
// objective at x (as MCMC kernels and the Laplace sampler do). All calls are collective.
#include <petscvec.h>

#include <memory>
#include <string>
#include <vector>

#include "pdeinv/core/handle.hpp"

namespace pdeinv {

class SteadySolver;
class FunctionSpace;
class Assembler;
class ObservationOperator;

class QuantityOfInterest {
 public:
  virtual ~QuantityOfInterest() = default;
  // One line for reports, e.g. "flux through Face Sets 1".
  virtual std::string describe() const = 0;
  // q at the optimisation variable x (state QoIs: at the solver's last solve, which must be x's).
  virtual PetscReal value(Vec x) const = 0;
  // For a QoI linear in x, c with q = cᵀx; null otherwise.
  virtual Vec linearWeights() const { return nullptr; }
};

// c with cᵀx = ∫ w x (M w, M the mass matrix), or with mean, ∫ w x / ∫ w; w(x) the expression
// `weight`, named `flag` in errors (InputError for a mean whose weight integrates to zero).
Owned<Vec> integralWeights(const FunctionSpace& P, const std::string& weight,
                           const std::string& flag, bool mean);

class ParameterMeanQoi final : public QuantityOfInterest {
 public:
  // weight: the expression w(x) (muparser), interpolated on P; InputError naming -qoi_weight
  // when ∫ w = 0.
  ParameterMeanQoi(const FunctionSpace& P, const std::string& weight);
  std::string describe() const override { return "weighted parameter mean, weight " + weight_; }
  PetscReal value(Vec x) const override;
  Vec linearWeights() const override { return c_; }

 private:
  std::string weight_;
  Owned<Vec> c_;
};

class StatePointQoi final : public QuantityOfInterest {
 public:
  // InputError naming -qoi_point when the point lies outside the mesh.
  StatePointQoi(const SteadySolver& solver, const std::vector<PetscReal>& point);
  ~StatePointQoi() override;
  std::string describe() const override { return description_; }
  PetscReal value(Vec x) const override;

 private:
  const SteadySolver& solver_;
  std::unique_ptr<ObservationOperator> B_;
  Owned<Vec> y_;
  std::string description_;
};

class BoundaryFluxQoi final : public QuantityOfInterest {
 public:
  // Γ: the facets of `label` with one of `ids`. InputError (naming -qoi_boundary_ids) when Γ
  // holds no dof on any rank, or for a vector-valued state.
  BoundaryFluxQoi(const SteadySolver& solver, const std::string& label,
                  const std::vector<PetscInt>& ids, PetscReal sign);
  ~BoundaryFluxQoi() override;
  std::string describe() const override { return description_; }
  PetscReal value(Vec x) const override;

 private:
  const SteadySolver& solver_;
  PetscReal sign_;
  std::unique_ptr<FunctionSpace> free_;  // the state's element without Dirichlet constraints
  std::unique_ptr<Assembler> assembler_;
  Owned<Vec> indicator_, uLocal_, uFree_, r_;
  std::string description_;
};

}  // namespace pdeinv
