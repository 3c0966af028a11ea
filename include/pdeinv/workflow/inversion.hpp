#pragma once
// Inversion: the whole inversion workflow of `pdeinv -mode invert`, as a library class.
//
// Given an InverseProblem (built from the options database or from code), an Inversion
//   - configures the optimizer (a TaoProblem: -tao_* options, bounds, Hessian type),
//   - chooses the regularization weight β (fixed, Morozov's discrepancy principle, L-curve),
//   - writes checkpoints every k iterations and restarts from one exactly (the iterate by dof
//     position and pdeinvgncg's state: any rank count, any partition),
//   - prints one monitor line per iteration,
//   - and writes the run directory (fields, history, summary.json, plots).
// A program embeds it in four lines:
//
//   auto problem = pdeinv::InverseProblem::fromOptions(comm);
//   pdeinv::Inversion inversion(*problem, pdeinv::InversionSettings::fromOptions(*problem));
//   const auto& result = inversion.run();
//   inversion.writeResults();
//
// InversionSettings can equally be filled in code (validate() checks each field against its
// documented range and names the option it corresponds to).
//
// Output directory (settings.outputDirectory; empty: write nothing):
//   estimate.vtu, truth.vtu, error.vtu, state.vtu   fields for ParaView (physical parameter)
//   fields.h5, fields.png, convergence.png          plot data and the plots made from it
//   history.csv                                     one line per iteration
//   summary.json                                    what the run achieved (see README)
//   estimate.vec                                    the optimisation variable (PETSc binary, in
//                                                   this run's partition order)
//   estimate.{dat,txt}                              the same by dof position (any rank count:
//                                                   -mode evaluate -evaluate_at DIR reads it)
//   checkpoint.{dat,txt}                            with checkpointEvery > 0 (for restart)
//   options_used.txt, run_info.json                 how the run was made
//   identify.json                                   with spectrum.rank > 0
//   laplace.json, posterior_stddev.vtu, ...         with laplace.enabled() (laplace_run.hpp)
#include <petscsys.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pdeinv/analysis/field_identifiability.hpp"
#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/log_events.hpp"
#include "pdeinv/inverse/objective.hpp"
#include "pdeinv/optim/tao_problem.hpp"
#include "pdeinv/optim/weight_choice.hpp"
#include "pdeinv/problem/inverse_problem.hpp"
#include "pdeinv/workflow/laplace_run.hpp"

namespace pdeinv {

class Options;

struct InversionSettings {
  enum class WeightChoice { fixed, morozov, lcurve };

  HessianType hessian = HessianType::GaussNewton;   // -hessian gauss_newton | newton
  WeightChoice weightChoice = WeightChoice::fixed;  // -reg_weight_choice
  PetscReal weight = 1.0;                           // -reg_weight β (> 0)
  PetscReal morozovRtol = 0.05;                     // -morozov_rtol, in (0, 1)
  std::vector<PetscReal> lcurveWeights = {1e-3, 1e-2, 1e-1, 1, 10, 100};  // -lcurve_weights
  PetscInt checkpointEvery = 0;  // -checkpoint_every k (0: never; needs an output directory)
  bool restart = false;          // -restart: continue from the output directory's checkpoint
  std::string outputDirectory;   // -output (empty: write nothing)
  bool monitor = true;           // -monitor: one line per iteration
  std::string plotScript;        // run with /usr/bin/python3 after writing (empty: no plots)
  RandomizedEigenOptions spectrum = {0, 10, 1};  // -identify_rank r > 0: spectrum at the estimate
  LaplaceRunSettings laplace;          // -laplace_rank r > 0: Laplace approximation at the estimate
  std::vector<PetscReal> outputTimes;  // transient: -output_times (empty: the final time)
  std::optional<PetscReal> lowerBound, upperBound;  // -bound_lower/-bound_upper (physical)
  // -error_weight: a weight w(x) ≥ 0 (expression; e.g. an indicator of a band around an
  // interface) for a second relative error against the truth, ‖w(m − m_true)‖/‖w m_true‖ in L2
  // (empty: none).
  std::string errorWeight;

  // Throws InputError naming the option of the first field out of its range.
  void validate() const;
  // Reads the options above (defaults as written); the output directory defaults to
  // defaultOutput ("none" on the command line: write nothing);
  // plotScript: the plot script -plot (default true) runs; empty: none.
  static InversionSettings fromOptions(const InverseProblem& problem,
                                       const std::string& defaultOutput = "output/invert",
                                       const std::string& plotScript = "");
};

struct InversionResult {
  bool converged = false;
  std::string reason;              // TAO's converged reason
  PetscInt iterations = 0;         // including those before a restart
  PetscInt restartIteration = -1;  // the checkpoint's iteration (-1: not restarted)
  Owned<Vec> x;                    // the optimisation variable at the end
  PetscReal cost = 0, misfit = 0, regularization = 0;
  PetscReal initialGradientNorm = 0, gradientNorm = 0;
  PetscReal expectedMisfit = 0;  // N/2 for N observations
  // Gaussian misfit: Φ/(N/2), and whether it lies in [0.1, 10] (outside, the estimate explains
  // the data far worse — or far better — than the noise level allows: a converged run with an
  // implausible misfit is flagged, not reported as plain success). Other misfits: ratio -1.
  PetscReal misfitRatio = -1;
  bool misfitPlausible = true;
  PetscReal weight = 0;  // the β of the final inversion
  bool morozovFound = false;
  std::vector<WeightTrial> trials;       // Morozov's or the L-curve's inversions
  PetscReal relativeError = -1;          // against the truth, when there is one (else -1)
  PetscReal weightedRelativeError = -1;  // the same with -error_weight (else -1)
  // The equality constraint (-constraint_mean/-constraint_integral), if any: cᵀm at the
  // estimate and cᵀm − t.
  bool constrained = false;
  PetscReal constraintValue = 0, constraintViolation = 0;
  std::vector<PetscReal> estimateAtObservationPoints;  // layout-free fingerprint of x
  SolveCounts counts;                                  // PDE solves of the inversion
  double wallTime = 0;  // since the program started (secondsSinceStart), set-up included
  double peakMemoryMB = 0;
  std::vector<PhaseTime> phases;  // inclusive times of the inversion's log stage
};

class Inversion {
 public:
  // Validates the settings and configures the optimizer (reads the -tao_* options).
  Inversion(InverseProblem& problem, InversionSettings settings);
  ~Inversion();
  Inversion(const Inversion&) = delete;
  Inversion& operator=(const Inversion&) = delete;

  TaoProblem& optimizer() { return *tao_; }
  const InversionSettings& settings() const { return settings_; }

  // Solves (from the checkpoint when settings.restart), choosing β first if asked; collective.
  const InversionResult& run();
  const InversionResult& result() const { return result_; }
  // Prints the summary (rank 0) and, with settings.spectrum.rank > 0, computes and prints the
  // spectrum at the estimate; writes the run directory when there is one. Collective.
  void writeResults();

 private:
  WeightTrial invertAt(Vec x, PetscReal weight);
  void writeSummaryJson(const std::string& path) const;

  InverseProblem& problem_;
  InversionSettings settings_;
  std::unique_ptr<TaoProblem> tao_;
  InversionResult result_;
  std::string fingerprint_;
  std::vector<std::uint64_t> keys_;
  PetscInt startIteration_ = 0;  // TAO's own types restart their counters
  bool ran_ = false;
};

// What identifies the problem an iterate file belongs to (checkpoint.txt, estimate.txt):
// nothing that depends on the rank count or the partition.
std::string problemFingerprint(InverseProblem& problem, Vec x);
// The keys an iterate is stored by: dof positions for a field (partition-independent), none
// (global index) for region or scalar parameters held on rank 0.
std::vector<std::uint64_t> parameterKeys(InverseProblem& problem);

// The name of an InversionSettings::WeightChoice ("fixed", "morozov", "lcurve").
const char* weightChoiceName(InversionSettings::WeightChoice c);

}  // namespace pdeinv
