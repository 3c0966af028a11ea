#pragma once
// Sampling the posterior: `pdeinv -mode sample`. The MAP point first (an Inversion), the Laplace
// approximation there (when -laplace_rank r > 0; gpcn and hmc need it), then k chains of the
// chosen MCMC kernel (bayes/mcmc.hpp), each started from its own Laplace posterior sample (from
// the MAP point without one), with a seed of its own. Recorded per kept sample: a quantity of
// interest and the coefficients of the sample along the leading eigen-directions; over all
// samples, the running mean and variance fields.
//
// Options (SampleSettings::fromOptions):
//   -mcmc_kernel pcn | mala | gpcn | hmc      (pcn)
//   -mcmc_samples N, -mcmc_burn_in B          kept samples and burn-in steps per chain
//   -mcmc_step s, -mcmc_adapt, -mcmc_target_acceptance a, -hmc_time T, -mcmc_seed s
//   -chains k                                 chains
//   -chain_groups g                           the ranks split into g groups (sub-communicators)
//                                             that run chains concurrently: chain c on group
//                                             c mod g, each group with its own copy of the
//                                             problem, MAP point and Laplace approximation
//                                             (default 1: the chains one after another on all
//                                             ranks, each solve parallel)
//   -mcmc_progress k                          a progress line every k steps (0: none)
//   -mcmc_save_every k                        every k-th kept sample of every chain into
//                                             mcmc_samples.h5 (10; 0: none)
//   -qoi parameter_mean | state_point | boundary_flux    the quantity of interest
//                                             (inverse/quantity_of_interest.hpp):
//     parameter_mean: q(m) = ∫ w m / ∫ w with -qoi_weight <expr> (default 1: the parameter's
//                     mean over the domain; an indicator such as (x<0.5)*(y<0.5) gives a
//                     region's mean)
//     state_point:    q = u(x₀), -qoi_point x,y[,z]
//     boundary_flux:  q = ∫_Γ κ ∂u/∂n ds through the facets of -qoi_boundary_label (Face Sets)
//                     with values -qoi_boundary_ids, -qoi_flux_direction outward (default) or
//                     inward (its negative)
//   -qoi_laplace_samples N                    a state QoI's Laplace interval from N exact
//                                             Laplace posterior samples pushed through q (200)
// Diagnostics (printed, and in mcmc.json): per chain the acceptance rate, the step size, PDE
// solves, time, and for the QoI and the coefficients along the leading eigen-directions the
// integrated autocorrelation time and ESS; ESS per 1000 PDE solves and per second; split R̂
// of the QoI across chains (k ≥ 2). The QoI's posterior mean and 90 % credible interval from the
// samples, and from the Laplace approximation (q = cᵀm: mean cᵀm*, variance cᵀΓ_post c,
// exact; a state QoI: q at N Laplace samples, one forward solve each; its value at the MAP
// point is printed too). State QoIs ride along the chains: evaluated after each solve, no
// extra solves.
// Outputs: mcmc_samples.h5 (datasets chain_<c>: saved samples × parameter dofs, the samples of
// the optimisation variable with its dofs in partition-independent order; keys and coordinates
// of those dofs; attributes kernel, save_every, burn_in),
// mcmc.json, trace.csv (chain, sample, qoi, eigen-coefficients), mcmc_mean.vtu,
// mcmc_stddev.vtu, mcmc.h5 (→ mcmc.png: trace and autocorrelation of the QoI; mcmc_fields.png:
// the MCMC and Laplace standard deviations side by side).
#include <petscvec.h>

#include <string>
#include <vector>

#include "pdeinv/bayes/mcmc.hpp"

namespace pdeinv {

class InverseProblem;
class LaplaceApproximation;

// Chains run concurrently by groups of ranks: this rank's group `index` of `count`, all of them
// on `world` (null: one group, the problem's communicator). Group g holds the world ranks
// r ≡ g (mod count); world rank g is its first.
struct ChainGroups {
  MPI_Comm world = MPI_COMM_NULL;
  int index = 0, count = 1;
};

struct SampleSettings {
  McmcSettings mcmc;
  int chains = 1;
  int chainGroups = 1;
  int progressEvery = 0;
  int saveEvery = 10;                  // every k-th kept sample into mcmc_samples.h5 (0: none)
  std::string qoi = "parameter_mean";  // parameter_mean | state_point | boundary_flux
  std::string qoiWeight = "1";
  std::vector<PetscReal> qoiPoint;
  std::string qoiBoundaryLabel = "Face Sets";
  std::vector<PetscInt> qoiBoundaryIds;
  bool qoiInward = false;
  int qoiLaplaceSamples = 200;
  int directions = 3;  // leading eigen-directions whose coefficients are traced
  void validate() const;
  static SampleSettings fromOptions();
};

struct ChainSummary {
  McmcResult result;
  double qoiMean = 0, qoiEss = 0, qoiIact = 0;
  double minDirectionEss = 0;  // the slowest of the traced eigen-directions
};

struct SampleReport {
  std::vector<ChainSummary> chains;
  double rhat = 0;  // split R̂ of the QoI across chains (0 with one chain)
  double qoiMean = 0, qoiLow = 0, qoiHigh = 0;                       // samples: mean, 5 %, 95 %
  double laplaceQoiMean = 0, laplaceQoiLow = 0, laplaceQoiHigh = 0;  // Laplace (if any)
  double mapQoi = 0;                                                 // q at the MAP point
  std::string qoiDescription;
  double essPer1000Solves = 0, essPerSecond = 0;  // QoI, all chains
  double samplingSeconds = 0;                     // wall time of the chains (the slowest group's)
};

// laplace may be null (pcn and mala run without it); laplaceStddev, its pointwise standard
// deviation (LaplaceReport::posteriorStddev), is plotted beside the chains' when given. x: the
// MAP point (chains start there or at a Laplace sample). Prints the report (rank 0), writes the
// outputs into outputDirectory (empty: none) and runs the plot script there (empty: none; it
// plots everything in the directory, the inversion's and the Laplace step's fields too).
// Collective on the problem's communicator, and with groups on groups.world: every group runs
// its chains, then group 0 gathers them and reports (the report is complete on group 0; only
// group 0 should be given an output directory).
SampleReport runSampling(InverseProblem& problem, Vec x, LaplaceApproximation* laplace,
                         Vec laplaceStddev, const SampleSettings& s,
                         const std::string& outputDirectory, const std::string& plotScript,
                         const ChainGroups& groups = {});

}  // namespace pdeinv
