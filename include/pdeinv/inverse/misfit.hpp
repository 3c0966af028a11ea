#pragma once
// Misfit Φ(y): the data term of the objective (the negative log-likelihood up to a constant)
// as a function of the predicted observations y = B u, with its first two derivatives in y.
//
//   gaussian   Φ(y) = ½ Σ_i ((y_i − d_i) / σ_i)²,   ∂Φ/∂y = Γ⁻¹(y − d),   ∂²Φ/∂y² = Γ⁻¹,
//              Γ = diag(σ²). σ is one number (-noise_sigma), one per observation, or a
//              relative level (-noise_relative r: σ = r · max_i |d_i|).
//
// The others are sums of one term per observation, φ(y_i; d_i, σ_i), with r = y − d
// (src/inverse/misfit.cpp; -misfit_type selects, -help lists them):
//   laplace    (√(r² + ε²) − ε)/b, b = σ/√2 (a Laplace law of standard deviation σ), smoothed
//              with ε = s·σ (-misfit_laplace_smoothing s, default 0.1): a smooth objective
//              keeps Newton–CG, the Taylor tests and the Laplace approximation as they are.
//              Smaller s is closer to |r| and slower: on the flagship with outliers GN-CG took
//              30, 77 and > 200 iterations for s = 1, 0.1, 0.01.
//   huber      r²/(2σ²) for |r| ≤ c, (c|r| − c²/2)/σ² beyond, c = δσ (-misfit_huber_delta δ,
//              default 1.345: 95 % efficiency under Gaussian noise).
//   student_t  ((ν+1)/2) log(1 + r²/(νσ²)) (-misfit_nu ν, default 4): heavy tails, not convex.
//   poisson    counts d ~ Poisson(λ), λ = e^y (the log link keeps the rate positive):
//              λ − d − d log(λ/d), half the Poisson deviance (0 at λ = d; ≈ N/2 at the truth).
//   bernoulli  binary d ∈ {0, 1}, P(d = 1) = 1/(1 + e^{−y}) (logit link): the cross-entropy
//              log(1 + e^y) − d y.
// Gauss–Newton weight W (positive semi-definite; what the Gauss–Newton Hessian JᵀWJ, the
// data-space step and the Laplace approximation use): Γ⁻¹ for gaussian; the exact curvature
// λ and p(1 − p) for poisson and bernoulli (their Fisher information: canonical links); the
// exact curvature clipped at zero, max(φ'', 0), for huber (1/σ² inside, 0 beyond) and
// student_t (negative beyond √ν σ); and the IRLS weight φ'(r)/r for laplace, whose φ'' all but
// vanishes beyond ε, so each Gauss–Newton step is an iteratively reweighted least-squares step.
// (The IRLS weight for huber and student_t as well took 92 and 184 GN-CG iterations on the H1
// flagship with Gaussian noise against 27 and 46 with the clipped curvature, to the same
// minimizer.) The Newton Hessian uses the exact φ''.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pdeinv/core/error.hpp"
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
  // out = W(y) dy, the positive semi-definite weight of the Gauss–Newton model; the exact
  // Hessian by default (right where that is positive semi-definite).
  virtual void gaussNewtonApply(Vec y, Vec dy, Vec out) { hessianApply(y, dy, out); }
  // The scale on which Φ varies in each observation: σ where the noise model has one, 1 for
  // counts and binary data (y is a log-rate or a logit). Derivative checks step on it, so that
  // a robust misfit's kinks and bends (a few σ wide) are resolved.
  virtual void residualScale(Vec s) const { PDEINV_CALL(VecSet(s, 1.0)); }
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
  void residualScale(Vec s) const override;

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

// Synthetic data around the predictions `clean` (replicated, original order) with scales σ,
// from the noise model -noise_type (default: the one misfit `misfitType` assumes; gaussian for
// huber and for misfits it does not know):
//   gaussian   d = clean + σ ξ, ξ ~ N(0, 1) (exactly addGaussianNoise)
//   laplace    d = clean + Laplace(b), b = σ/√2 (standard deviation σ)
//   student_t  d = clean + σ t_ν (-noise_nu ν, default 4)
//   poisson    d ~ Poisson(e^clean) (counts)
//   bernoulli  d ~ Bernoulli(1/(1 + e^−clean)) (0 or 1)
// -noise_outlier_fraction f (default 0) makes round(f·N) of the N observations (chosen at
// random) gross outliers: d = clean ± a σ (-noise_outlier_size a, default 20; random sign), for
// the first three models. Observation i's draw depends on (seed, i) alone, so the data are the same on any
// number of ranks. Bad values (f outside [0, 1), a or ν not positive, an unknown type,
// outliers of counts) are InputErrors naming the option. `outliers`, if given, receives the
// number of outliers drawn.
// -noise_log_counts (poisson noise only): the data are log(max(c, ½)) of the counts c drawn —
// CT's post-log data (log I0 − log c estimates the line integral ∫μ, a count of 0 taken as ½),
// for a least-squares (Gaussian misfit) reconstruction of count data. `lowCounts`, if given,
// receives the number of counts below 10 (poisson noise; 0 otherwise).
std::vector<PetscReal> drawSyntheticData(const std::vector<PetscReal>& clean,
                                         const std::vector<PetscReal>& sigma, unsigned long seed,
                                         const std::string& misfitType,
                                         const Options& opts = Options("noise_"),
                                         size_t* outliers = nullptr, size_t* lowCounts = nullptr);

}  // namespace pdeinv
