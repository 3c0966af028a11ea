#pragma once
// The Laplace approximation of the posterior at an estimate (usually the MAP point of an
// inversion: `pdeinv -mode invert -laplace_rank r`), as a workflow step: the low-rank posterior
// (bayes/laplace.hpp), the prior and posterior pointwise standard deviations, a few exact
// posterior samples and prior samples, KL divergence and information gain, written to the run
// directory and printed.
//
// Options (LaplaceRunSettings::fromOptions):
//   -laplace_rank r              eigenpairs of H_misfit against Γ_pr⁻¹ (0: no Laplace step)
//   -laplace_oversampling p      extra random directions (10)
//   -laplace_seed s              seed of the random directions (1)
//   -laplace_hessian h           gauss_newton (default; positive semi-definite everywhere) or
//                                newton (the full Hessian: needs the estimate to be a minimum)
//   -laplace_samples k           posterior and prior samples written (3)
//   -laplace_sample_seed s       the samples use seeds s, s+1, … (1)
//   -laplace_prior_variance v    auto | exact | sampled: the prior's pointwise variance, exactly
//                                (one covariance action per parameter) or from N prior samples
//                                (relative standard error √(2/N)); auto: exact up to 20 000
//                                parameters
//   -laplace_variance_samples N  N of the sampled estimator (400)
// Outputs (with an output directory):
//   laplace.json                 eigenvalues, KL divergence, information gain, variance traces,
//                                the estimator used, counts and time
//   posterior_stddev.vtu, prior_stddev.vtu       pointwise standard deviations of the
//                                                optimisation variable (e.g. log-conductivity)
//   posterior_sample_<k>.vtu, prior_sample_<k>.vtu   samples as physical fields
//   laplace.h5 (→ laplace.png by the plot script)    the same fields for plotting
#include <petscvec.h>

#include <memory>
#include <string>
#include <vector>

#include "pdeinv/bayes/laplace.hpp"
#include "pdeinv/core/handle.hpp"
#include "pdeinv/inverse/objective.hpp"

namespace pdeinv {

class InverseProblem;

struct LaplaceRunSettings {
  RandomizedEigenOptions eigen = {0, 10, 1};  // rank 0: no Laplace step
  HessianType hessian = HessianType::GaussNewton;
  int samples = 3;
  unsigned long sampleSeed = 1;
  PriorVarianceSettings variance;

  bool enabled() const { return eigen.rank > 0; }
  // InputError naming the option of the first field out of range.
  void validate() const;
  static LaplaceRunSettings fromOptions();
};

// InputError naming the option when the problem has no Laplace approximation: a parameter field
// with a Gaussian prior (-reg_type bilaplacian) is needed, and Newton Hessians where asked.
void requireLaplaceAvailable(InverseProblem& problem, const LaplaceRunSettings& s);

struct LaplaceReport {
  std::vector<PetscReal> eigenvalues;
  bool truncated = false;
  PetscReal klDivergence = 0, informationGain = 0;
  PetscReal priorVarianceTrace = 0, posteriorVarianceTrace = 0;  // Σ over dofs
  PriorVarianceMethod priorVarianceMethod = PriorVarianceMethod::exact;
  int priorVarianceSamples = 0;  // sampled estimator only
  PetscInt misfitHessianActions = 0;
  // Σ_j of each written sample's dofs (optimisation variable): a fingerprint that does not
  // depend on the partition, to compare runs on different rank counts.
  std::vector<PetscReal> posteriorSampleSums, priorSampleSums;
  // The posterior's pointwise standard deviation of the optimisation variable (the estimator of
  // the prior variance as chosen), for later steps (-mode sample plots it beside the chains').
  Owned<Vec> posteriorStddev;
  double seconds = 0;
};

// At the optimisation variable x of problem; prints the report (rank 0) and writes the outputs
// into outputDirectory (empty: none). Collective. Leaves the objective evaluated at x. With
// keep, the approximation is handed over (for sampling).
LaplaceReport runLaplace(InverseProblem& problem, Vec x, const LaplaceRunSettings& s,
                         const std::string& outputDirectory,
                         std::unique_ptr<LaplaceApproximation>* keep = nullptr);

}  // namespace pdeinv
