#include "pdeinv/workflow/laplace_run.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/log_events.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/core/vec_ops.hpp"
#include "pdeinv/io/json.hpp"
#include "pdeinv/io/output.hpp"
#include "pdeinv/io/plot_data.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

namespace pdeinv {

void LaplaceRunSettings::validate() const {
  require(eigen.rank >= 0, "-laplace_rank must be non-negative, got " + std::to_string(eigen.rank));
  require(eigen.oversampling >= 0,
          "-laplace_oversampling must be non-negative, got " + std::to_string(eigen.oversampling));
  require(samples >= 0, "-laplace_samples must be non-negative, got " + std::to_string(samples));
  require(samples <= 1000, "-laplace_samples writes one file per sample: at most 1000, got " +
                               std::to_string(samples));
  require(variance.samples >= 2,
          "-laplace_variance_samples must be at least 2, got " + std::to_string(variance.samples));
}

LaplaceRunSettings LaplaceRunSettings::fromOptions() {
  const Options opts;
  LaplaceRunSettings s;
  s.eigen.rank = static_cast<int>(opts.getInt(
      "laplace_rank", 0,
      "Laplace approximation of the posterior at the estimate: eigenpairs of the misfit Hessian "
      "against the prior (0: none)"));
  s.eigen.oversampling =
      static_cast<int>(opts.getInt("laplace_oversampling", 10, "Laplace: extra random directions"));
  const auto seed = opts.getInt("laplace_seed", 1, "Laplace: seed of the random directions");
  require(seed >= 0, "-laplace_seed must be non-negative, got " + std::to_string(seed));
  s.eigen.seed = static_cast<unsigned long>(seed);
  const auto hessian = opts.getString("laplace_hessian", "gauss_newton",
                                      "Laplace: misfit Hessian, gauss_newton | newton");
  require(hessian == "gauss_newton" || hessian == "newton",
          "-laplace_hessian must be gauss_newton or newton, got '" + hessian + "'");
  s.hessian = hessian == "newton" ? HessianType::Newton : HessianType::GaussNewton;
  s.samples = static_cast<int>(
      opts.getInt("laplace_samples", s.samples, "Laplace: posterior and prior samples written"));
  const auto sampleSeed =
      opts.getInt("laplace_sample_seed", 1, "Laplace: the samples use seeds s, s+1, ...");
  require(sampleSeed >= 0,
          "-laplace_sample_seed must be non-negative, got " + std::to_string(sampleSeed));
  s.sampleSeed = static_cast<unsigned long>(sampleSeed);
  const auto variance =
      opts.getString("laplace_prior_variance", "auto",
                     "Laplace: the prior's pointwise variance, auto | exact | sampled");
  using Choice = PriorVarianceSettings::Choice;
  require(variance == "auto" || variance == "exact" || variance == "sampled",
          "-laplace_prior_variance must be auto, exact or sampled, got '" + variance + "'");
  s.variance.choice = variance == "exact"     ? Choice::exact
                      : variance == "sampled" ? Choice::sampled
                                              : Choice::automatic;
  s.variance.samples = static_cast<int>(
      opts.getInt("laplace_variance_samples", 400, "Laplace: N of the sampled prior variance"));
  s.validate();
  return s;
}

void requireLaplaceAvailable(InverseProblem& problem, const LaplaceRunSettings& s) {
  require(!problem.scalarMode() && !problem.regions(),
          "-laplace_rank: the Laplace approximation is implemented for a parameter field, not "
          "for -parameter_space scalars or -parameter_regions");
  require(!problem.transientObjective(),
          "-laplace_rank: the Laplace approximation is implemented for steady problems");
  require(!problem.constraint(),
          "-laplace_rank: the Laplace approximation needs a Gaussian prior; -constraint_mean and "
          "-constraint_integral add a penalty that is not part of it");
  auto* reg = problem.regularization();
  auto probe = problem.objective().createParameterVector();
  require(reg != nullptr && reg->mean(probe),
          "-laplace_rank needs a Gaussian prior (-reg_type bilaplacian), not -reg_type " +
              (reg ? reg->name() : std::string("none")));
  PetscInt n = 0;
  PDEINV_CALL(VecGetSize(probe, &n));
  require(s.eigen.rank <= n, "-laplace_rank " + std::to_string(s.eigen.rank) +
                                 " exceeds the number of parameters (" + std::to_string(n) + ")");
  if (s.hessian == HessianType::Newton) {
    require(problem.objective().newtonAvailable(),
            "-laplace_hessian newton: " + problem.objective().newtonUnavailableReason());
  }
}

namespace {

Owned<Vec> squareRoot(const FunctionSpace& P, Vec variance) {
  auto out = P.createVector();
  PDEINV_CALL(VecCopy(variance, out));
  PDEINV_CALL(VecSqrtAbs(out));
  return out;
}

void writeJson(MPI_Comm comm, const LaplaceReport& r, const LaplaceRunSettings& s, PetscInt n,
               PetscInt observations, const std::string& path) {
  if (rankOf(comm) != 0) return;
  std::ofstream out(path);
  if (!out) throw InputError("cannot write '" + path + "' (-output)");
  JsonWriter w(out);
  w.beginObject();
  w.field("parameters", n).field("observations", observations);
  w.field("hessian", s.hessian == HessianType::Newton ? "newton" : "gauss_newton");
  w.field("rank_requested", static_cast<PetscInt>(s.eigen.rank));
  w.field("eigenvalues", std::vector<double>(r.eigenvalues.begin(), r.eigenvalues.end()));
  w.field("truncated", r.truncated);
  w.field("kl_divergence", r.klDivergence).field("information_gain", r.informationGain);
  w.field("prior_variance_trace", r.priorVarianceTrace);
  w.field("posterior_variance_trace", r.posteriorVarianceTrace);
  w.field("variance_trace_ratio",
          r.priorVarianceTrace > 0 ? r.posteriorVarianceTrace / r.priorVarianceTrace : 0.0);
  w.key("prior_variance").beginObject(true);
  w.field("method", priorVarianceMethodName(r.priorVarianceMethod));
  if (r.priorVarianceMethod == PriorVarianceMethod::sampled) {
    w.field("samples", static_cast<PetscInt>(r.priorVarianceSamples));
    w.field("relative_standard_error", std::sqrt(2.0 / r.priorVarianceSamples));
  }
  w.endObject();
  w.field("samples", static_cast<PetscInt>(s.samples));
  w.field("posterior_sample_sums",
          std::vector<double>(r.posteriorSampleSums.begin(), r.posteriorSampleSums.end()));
  w.field("prior_sample_sums",
          std::vector<double>(r.priorSampleSums.begin(), r.priorSampleSums.end()));
  w.field("misfit_hessian_actions", r.misfitHessianActions).field("seconds", r.seconds);
  w.endObject();
  w.finish();
}

}  // namespace

LaplaceReport runLaplace(InverseProblem& problem, Vec x, const LaplaceRunSettings& s,
                         const std::string& outputDirectory,
                         std::unique_ptr<LaplaceApproximation>* keep) {
  requireLaplaceAvailable(problem, s);
  LogStage stage("pdeinv laplace");
  const double start = secondsSinceStart();
  MPI_Comm comm = problem.forward().mesh().comm();
  const bool root = rankOf(comm) == 0;
  auto& J = problem.objective();
  auto* prior = problem.regularization();
  J.value(x);

  // H_misfit = H − Γ_pr⁻¹: the objective's Hessian holds both.
  Owned<Vec> work;
  PDEINV_CALL(VecDuplicate(x, work.out()));
  const LinearAction misfitHessian = [&](Vec v, Vec out) {
    J.hessianApply(x, v, out, s.hessian);
    prior->hessianApply(x, v, work);
    PDEINV_CALL(VecAXPY(out, -1.0, work));
  };
  auto owned = std::make_unique<LaplaceApproximation>(*prior, x, misfitHessian, s.eigen);
  auto& laplace = *owned;

  LaplaceReport r;
  r.eigenvalues = laplace.eigenvalues();
  r.truncated = laplace.truncated();
  r.misfitHessianActions = laplace.misfitHessianActions();
  r.klDivergence = laplace.klDivergence();
  r.informationGain = laplace.informationGain();
  const auto& P = problem.parameterSpace();
  auto priorVar = P.createVector(), postVar = P.createVector();
  r.priorVarianceMethod = laplace.priorVariance(s.variance, priorVar);
  if (r.priorVarianceMethod == PriorVarianceMethod::sampled)
    r.priorVarianceSamples = s.variance.samples;
  laplace.posteriorVariance(priorVar, postVar);
  r.priorVarianceTrace = sum(priorVar);
  r.posteriorVarianceTrace = sum(postVar);
  r.posteriorStddev = squareRoot(P, postVar);

  PetscInt n = 0;
  PDEINV_CALL(VecGetSize(x, &n));
  if (root) {
    std::printf(
        "Laplace approximation at the estimate (%s misfit Hessian, %zu eigenpairs, %lld Hessian "
        "actions):\n",
        s.hessian == HessianType::Newton ? "Newton" : "Gauss-Newton", r.eigenvalues.size(),
        static_cast<long long>(r.misfitHessianActions));
    std::printf("  KL divergence posterior|prior %.4g nats, expected information gain %.4g nats\n",
                r.klDivergence, r.informationGain);
    std::printf(
        "  pointwise variance summed: prior %.4g, posterior %.4g (ratio %.3g); prior variance "
        "%s",
        r.priorVarianceTrace, r.posteriorVarianceTrace,
        r.priorVarianceTrace > 0 ? r.posteriorVarianceTrace / r.priorVarianceTrace : 0.0,
        priorVarianceMethodName(r.priorVarianceMethod));
    if (r.priorVarianceMethod == PriorVarianceMethod::sampled)
      std::printf(" from %d samples (relative standard error %.2g per dof)", r.priorVarianceSamples,
                  std::sqrt(2.0 / r.priorVarianceSamples));
    std::printf("\n");
    if (r.truncated)
      std::printf(
          "  warning: every computed eigenvalue exceeds 1 (the last is %.3g): more directions are "
          "informed by the data than were computed, and the posterior variance is overestimated; "
          "raise -laplace_rank\n",
          r.eigenvalues.back());
  }

  if (!outputDirectory.empty()) {
    const auto& dir = outputDirectory;
    auto priorStd = squareRoot(P, priorVar);
    writeVtu(priorStd, dir + "/prior_stddev.vtu");
    writeVtu(r.posteriorStddev, dir + "/posterior_stddev.vtu");
    auto estimate = P.createVector();
    problem.physicalField(x, estimate);
    std::vector<Owned<Vec>> held;  // the sample fields, alive until written
    std::vector<std::pair<std::string, Vec>> fields = {{"estimate", estimate},
                                                       {"posterior stddev", r.posteriorStddev},
                                                       {"prior stddev", priorStd}};
    auto sampleX = J.createParameterVector();
    for (int k = 0; k < s.samples; ++k) {
      const unsigned long seed = s.sampleSeed + static_cast<unsigned long>(k);
      for (const bool post : {true, false}) {
        if (post) {
          laplace.sample(seed, sampleX);
        } else {
          laplace.priorDeviation(seed, sampleX);
          Owned<Vec> m0;
          PDEINV_CALL(VecDuplicate(sampleX, m0.out()));
          prior->mean(m0);
          PDEINV_CALL(VecAXPY(sampleX, 1.0, m0));
        }
        (post ? r.posteriorSampleSums : r.priorSampleSums).push_back(sum(sampleX));
        auto field = P.createVector();
        problem.physicalField(sampleX, field);
        const std::string name =
            std::string(post ? "posterior" : "prior") + "_sample_" + std::to_string(k + 1);
        writeVtu(field, dir + "/" + name + ".vtu");
        if (k < 3)
          fields.push_back(
              {std::string(post ? "posterior" : "prior") + " sample " + std::to_string(k + 1),
               field});
        held.push_back(std::move(field));
      }
    }
    writePlotFields(dir + "/laplace.h5", fields);
  }
  J.value(x);
  r.seconds = secondsSinceStart() - start;
  if (keep) *keep = std::move(owned);
  if (!outputDirectory.empty())
    writeJson(comm, r, s, n, problem.dataSize(), outputDirectory + "/laplace.json");
  if (root && !outputDirectory.empty())
    std::printf("  wrote %s/{laplace.json,posterior_stddev.vtu,prior_stddev.vtu,...} (%.2f s)\n",
                outputDirectory.c_str(), r.seconds);
  return r;
}

}  // namespace pdeinv
