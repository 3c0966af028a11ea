#pragma once
// Misfit Φ(y): the data term of the objective (the negative log-likelihood up to a constant)
// as a function of the predicted observations y = B u, with its first two derivatives in y.
//
//   gaussian   Φ(y) = ½ Σ_i ((y_i − d_i) / σ_i)²,   ∂Φ/∂y = Γ⁻¹(y − d),   ∂²Φ/∂y² = Γ⁻¹,
//              Γ = diag(σ²). σ is one number (-noise_sigma), one per observation, or a
//              relative level (-noise_relative r: σ = r · max_i |d_i|).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/registry.hpp"
#include "pdeinv/inverse/observation.hpp"

namespace pdeinv {

class Misfit {
 public:
  virtual ~Misfit() = default;
  virtual std::string name() const = 0;
  virtual PetscReal value(Vec y) = 0;
  virtual void gradient(Vec y, Vec g) = 0;                // g = ∂Φ/∂y
  virtual void hessianApply(Vec y, Vec dy, Vec out) = 0;  // out = ∂²Φ/∂y² dy
};

// data d and noise standard deviations σ (one per observation), both observation vectors.
using MisfitRegistry = Registry<Misfit, Vec, Vec, const Options&>;
MisfitRegistry& misfitRegistry();

class GaussianMisfit final : public Misfit {
 public:
  // σ must be positive and finite everywhere (InputError otherwise).
  GaussianMisfit(Vec data, Vec sigma);
  std::string name() const override { return "gaussian"; }
  PetscReal value(Vec y) override;
  void gradient(Vec y, Vec g) override;
  void hessianApply(Vec y, Vec dy, Vec out) override;

 private:
  Owned<Vec> d_, invVar_, r_;
};

// Noise standard deviations for the observations `clean` of `obs`, from the options:
//   -noise_sigma s             one σ for every observation (default 0.01)
//   -noise_sigma s1,...,sn     one σ per observation, in the observations' original order
//   -noise_relative r          σ = r·max|clean|
// InputError when a σ is not positive or the list length matches neither 1 nor n.
Owned<Vec> noiseSigmaFromOptions(Vec clean, const ObservationOperator& obs,
                                 const Options& opts = Options("noise_"));
// The same for any observation layout: n observations, fromOriginal maps original-order values
// (replicated) into a vector like clean.
Owned<Vec> noiseSigmaFromOptions(
    Vec clean, PetscInt n,
    const std::function<void(const std::vector<PetscReal>&, Vec)>& fromOriginal,
    const Options& opts = Options("noise_"));

// d = clean + σ ⊙ ξ, ξ ~ N(0, I) drawn from `seed`. The vectors are replicated and in the
// observations' original order (ObservationOperator::toOriginalOrder), so the same seed gives
// the same data on any number of ranks.
std::vector<PetscReal> addGaussianNoise(const std::vector<PetscReal>& clean,
                                        const std::vector<PetscReal>& sigma, unsigned long seed);

}  // namespace pdeinv
