#include "pdeinv/workflow/sample_run.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iomanip>

#include "pdeinv/bayes/diagnostics.hpp"
#include "pdeinv/bayes/laplace.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/keyed_vector.hpp"
#include "pdeinv/core/log_events.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/random.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/core/vec_ops.hpp"
#include "pdeinv/fem/expression.hpp"
#include "pdeinv/fem/forms.hpp"
#include "pdeinv/forward/steady_solver.hpp"
#include "pdeinv/inverse/quantity_of_interest.hpp"
#include "pdeinv/inverse/regularization.hpp"
#include "pdeinv/io/hdf5_file.hpp"
#include "pdeinv/io/json.hpp"
#include "pdeinv/io/output.hpp"
#include "pdeinv/io/plot_data.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

namespace pdeinv {

void SampleSettings::validate() const {
  mcmc.validate();
  require(chains >= 1 && chains <= 64,
          "-chains must lie between 1 and 64, got " + std::to_string(chains));
  require(chainGroups >= 1 && chainGroups <= chains,
          "-chain_groups must lie between 1 and -chains (" + std::to_string(chains) + "), got " +
              std::to_string(chainGroups));
  require(saveEvery >= 0,
          "-mcmc_save_every must be non-negative, got " + std::to_string(saveEvery));
  require(progressEvery >= 0,
          "-mcmc_progress must be non-negative, got " + std::to_string(progressEvery));
  require(qoi == "parameter_mean" || qoi == "state_point" || qoi == "boundary_flux",
          "-qoi must be parameter_mean, state_point or boundary_flux, got '" + qoi + "'");
  require(qoi != "state_point" || !qoiPoint.empty(),
          "-qoi state_point needs the point: -qoi_point x,y[,z]");
  require(qoi != "boundary_flux" || !qoiBoundaryIds.empty(),
          "-qoi boundary_flux needs the boundary part: -qoi_boundary_ids id1[,id2,...] (of "
          "-qoi_boundary_label, default 'Face Sets')");
  require(qoiLaplaceSamples >= 10 && qoiLaplaceSamples <= 100000,
          "-qoi_laplace_samples must lie between 10 and 100000, got " +
              std::to_string(qoiLaplaceSamples));
  require(mcmc.samples >= 4,
          "-mcmc_samples: the autocorrelation estimates need at least 4 "
          "samples per chain, got " +
              std::to_string(mcmc.samples));
}

SampleSettings SampleSettings::fromOptions() {
  const Options opts;
  SampleSettings s;
  s.mcmc.kernel = mcmcKernelFromName(
      opts.getString("mcmc_kernel", "pcn", "MCMC kernel: pcn | mala | gpcn | hmc"));
  s.mcmc.samples = static_cast<int>(
      opts.getInt("mcmc_samples", 1000, "MCMC: samples kept per chain after burn-in"));
  s.mcmc.burnIn = static_cast<int>(
      opts.getInt("mcmc_burn_in", 200, "MCMC: burn-in steps per chain (step size adapted)"));
  s.mcmc.step = opts.getReal("mcmc_step", 0,
                             "MCMC: initial step size (pcn/gpcn beta, mala delta, hmc epsilon; "
                             "0: the kernel's default)");
  s.mcmc.adapt = opts.getBool("mcmc_adapt", true, "MCMC: adapt the step size during burn-in");
  s.mcmc.targetAcceptance = opts.getReal(
      "mcmc_target_acceptance", 0, "MCMC: target acceptance of the adaptation (0: the kernel's)");
  s.mcmc.hmcTime =
      opts.getReal("hmc_time", 1.5707963267948966, "HMC: integration time per proposal");
  const auto reference = opts.getString(
      "mala_reference", "laplace",
      "MALA: reference Gaussian, laplace (N(MAP, posterior covariance); needs -laplace_rank) | "
      "prior");
  require(reference == "laplace" || reference == "prior",
          "-mala_reference must be laplace or prior, got '" + reference + "'");
  s.mcmc.malaReference = reference == "prior" ? MalaReference::prior : MalaReference::laplace;
  const auto seed = opts.getInt("mcmc_seed", 1, "MCMC: seed (chain c uses seed + c)");
  require(seed >= 0, "-mcmc_seed must be non-negative, got " + std::to_string(seed));
  s.mcmc.seed = static_cast<unsigned long>(seed);
  s.chains = static_cast<int>(opts.getInt("chains", 1, "MCMC: number of chains"));
  s.chainGroups = static_cast<int>(opts.getInt(
      "chain_groups", 1, "MCMC: groups of ranks (sub-communicators) running chains concurrently"));
  s.saveEvery = static_cast<int>(opts.getInt(
      "mcmc_save_every", 10, "MCMC: every k-th kept sample into mcmc_samples.h5 (0: none)"));
  s.progressEvery =
      static_cast<int>(opts.getInt("mcmc_progress", 0, "MCMC: a progress line every k steps"));
  s.qoi = opts.getString("qoi", "parameter_mean",
                         "quantity of interest: parameter_mean | state_point | boundary_flux");
  s.qoiWeight = opts.getString("qoi_weight", "1",
                               "quantity of interest: the parameter's mean weighted by w(x)");
  s.qoiPoint = opts.getRealArray("qoi_point", {}, "quantity of interest: the point x,y[,z]");
  s.qoiBoundaryLabel = opts.getString("qoi_boundary_label", "Face Sets",
                                      "quantity of interest: mesh label of the flux boundary");
  s.qoiBoundaryIds = opts.getIntArray("qoi_boundary_ids", {},
                                      "quantity of interest: label values of the flux boundary");
  const auto direction = opts.getString("qoi_flux_direction", "outward",
                                        "quantity of interest: flux outward | inward");
  require(direction == "outward" || direction == "inward",
          "-qoi_flux_direction must be outward or inward, got '" + direction + "'");
  s.qoiInward = direction == "inward";
  s.qoiLaplaceSamples = static_cast<int>(opts.getInt(
      "qoi_laplace_samples", 200, "quantity of interest: Laplace samples for a state QoI"));
  s.validate();
  return s;
}

namespace {

double quantile(std::vector<double> x, double p) {
  std::sort(x.begin(), x.end());
  const double pos = p * static_cast<double>(x.size() - 1);
  const auto i = static_cast<size_t>(std::floor(pos));
  const double f = pos - static_cast<double>(i);
  return i + 1 < x.size() ? (1 - f) * x[i] + f * x[i + 1] : x.back();
}

std::unique_ptr<QuantityOfInterest> makeQuantityOfInterest(InverseProblem& problem,
                                                           const SampleSettings& s) {
  if (s.qoi == "parameter_mean")
    return std::make_unique<ParameterMeanQoi>(problem.parameterSpace(), s.qoiWeight);
  require(problem.steadyObjective() != nullptr && problem.parameterKind() == "field",
          "-qoi " + s.qoi + " is implemented for steady problems with a parameter field");
  auto& solver = problem.forward().solver();
  if (s.qoi == "state_point") return std::make_unique<StatePointQoi>(solver, s.qoiPoint);
  return std::make_unique<BoundaryFluxQoi>(solver, s.qoiBoundaryLabel, s.qoiBoundaryIds,
                                           s.qoiInward ? -1.0 : 1.0);
}

// Packs one chain's summary and traces into doubles, and back.
std::vector<double> packChain(const ChainSummary& cs, const std::vector<double>& q,
                              const std::vector<std::vector<double>>& cf) {
  const auto& r = cs.result;
  std::vector<double> p = {static_cast<double>(r.accepted),
                           static_cast<double>(r.proposals),
                           r.acceptance,
                           r.step,
                           static_cast<double>(r.forwardSolves),
                           static_cast<double>(r.adjointSolves),
                           r.seconds,
                           cs.qoiMean,
                           cs.qoiEss,
                           cs.qoiIact,
                           cs.minDirectionEss,
                           static_cast<double>(q.size())};
  p.insert(p.end(), q.begin(), q.end());
  for (const auto& c : cf) p.insert(p.end(), c.begin(), c.end());
  return p;
}

void unpackChain(const std::vector<double>& p, int nd, ChainSummary& cs, std::vector<double>& q,
                 std::vector<std::vector<double>>& cf) {
  auto& r = cs.result;
  r.accepted = std::lround(p[0]), r.proposals = std::lround(p[1]);
  r.acceptance = p[2], r.step = p[3];
  r.forwardSolves = std::lround(p[4]), r.adjointSolves = std::lround(p[5]);
  r.seconds = p[6], cs.qoiMean = p[7], cs.qoiEss = p[8], cs.qoiIact = p[9];
  cs.minDirectionEss = p[10];
  const auto n = static_cast<size_t>(std::lround(p[11]));
  q.assign(p.begin() + 12, p.begin() + 12 + static_cast<long>(n));
  cf.assign(static_cast<size_t>(nd), {});
  for (size_t i = 0; i < static_cast<size_t>(nd); ++i) {
    const auto first = p.begin() + 12 + static_cast<long>(n * (i + 1));
    cf[i].assign(first, first + static_cast<long>(n));
  }
}

// `data` of world rank `from` on world rank 0, length first (empty on every other rank). The
// first rank of chain group g is world rank g, so this moves a group's results to group 0.
std::vector<double> toWorldRoot(std::vector<double> data, int from, MPI_Comm world, int tag) {
  const int rank = rankOf(world);
  if (from == 0) return rank == 0 ? data : std::vector<double>{};
  long n = static_cast<long>(data.size());
  if (rank == from) {
    MPI_Send(&n, 1, MPI_LONG, 0, tag, world);
    MPI_Send(data.data(), static_cast<int>(n), MPI_DOUBLE, 0, tag + 1, world);
  }
  if (rank != 0) return {};
  MPI_Recv(&n, 1, MPI_LONG, from, tag, world, MPI_STATUS_IGNORE);
  data.resize(static_cast<size_t>(n));
  MPI_Recv(data.data(), static_cast<int>(n), MPI_DOUBLE, from, tag + 1, world, MPI_STATUS_IGNORE);
  return data;
}

// Every chain's summary and traces onto group 0's ranks: from the first rank of the chain's
// group to world rank 0, then across group 0.
void gatherChains(const ChainGroups& groups, MPI_Comm comm, int nd,
                  std::vector<ChainSummary>& chains, std::vector<std::vector<double>>& qoi,
                  std::vector<std::vector<std::vector<double>>>& coeff) {
  const int worldRank = rankOf(groups.world);
  for (size_t chain = 0; chain < chains.size(); ++chain) {
    const int owner = static_cast<int>(chain) % groups.count;
    if (owner == 0) continue;
    auto p = toWorldRoot(worldRank == owner ? packChain(chains[chain], qoi[chain], coeff[chain])
                                            : std::vector<double>{},
                         owner, groups.world, 0);
    if (groups.index != 0) continue;
    long n = static_cast<long>(p.size());
    MPI_Bcast(&n, 1, MPI_LONG, 0, comm);
    p.resize(static_cast<size_t>(n));
    MPI_Bcast(p.data(), static_cast<int>(n), MPI_DOUBLE, 0, comm);
    unpackChain(p, nd, chains[chain], qoi[chain], coeff[chain]);
  }
}

// The running mean and M2 fields of all groups combined into group 0's (Chan et al.'s pairwise
// update), through partition-independent keys: each group's mesh is partitioned its own way.
void mergeMoments(const ChainGroups& groups, const FunctionSpace& P, Vec mean, Vec m2,
                  long& count) {
  const auto keys = P.dofKeys();
  auto combinedMean = gatherKeyed(mean, keys), combinedM2 = gatherKeyed(m2, keys);
  const MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(mean));
  const int worldRank = rankOf(groups.world);
  const size_t n = combinedMean.size();  // on the groups' first ranks (0 elsewhere)
  long total = count;
  for (int g = 1; g < groups.count; ++g) {
    // Group g's [count, mean…, M2…] (key order) at world rank 0.
    std::vector<double> mine;
    if (worldRank == g) {
      mine.push_back(static_cast<double>(count));
      for (const auto& kv : combinedMean) mine.push_back(kv.second);
      for (const auto& kv : combinedM2) mine.push_back(kv.second);
    }
    const auto theirs = toWorldRoot(std::move(mine), g, groups.world, 2);
    if (worldRank != 0) continue;
    if (theirs.size() != 1 + 2 * n)
      throw Error("-chain_groups: the groups' parameter fields have different unknowns");
    const double na = static_cast<double>(total), nb = theirs[0], sum = na + nb;
    for (size_t i = 0; sum > 0 && i < n; ++i) {
      const double d = theirs[1 + i] - combinedMean[i].second;
      combinedMean[i].second += d * nb / sum;
      combinedM2[i].second += theirs[1 + n + i] + d * d * na * nb / sum;
    }
    total += std::lround(nb);
  }
  if (groups.index != 0) return;
  // Group 0: the combined fields from its first rank (world rank 0) to all of its ranks.
  unsigned long long m = combinedMean.size();
  MPI_Bcast(&m, 1, MPI_UNSIGNED_LONG_LONG, 0, comm);
  combinedMean.resize(static_cast<size_t>(m));
  combinedM2.resize(static_cast<size_t>(m));
  MPI_Bcast(combinedMean.data(), static_cast<int>(m * sizeof(combinedMean[0])), MPI_BYTE, 0, comm);
  MPI_Bcast(combinedM2.data(), static_cast<int>(m * sizeof(combinedM2[0])), MPI_BYTE, 0, comm);
  MPI_Bcast(&total, 1, MPI_LONG, 0, comm);
  if (!takeKeyed(mean, keys, combinedMean) || !takeKeyed(m2, keys, combinedM2))
    throw Error("-chain_groups: the groups' parameter fields have different unknowns");
  count = total;
}

// mcmc_samples.h5, written by world rank 0: each chain's saved samples from its group's first
// rank, then the dofs' keys and coordinates (in the same key order). world: all ranks (the
// problem's communicator without chain groups).
void writeSamples(const ChainGroups& groups, MPI_Comm world, const FunctionSpace& P,
                  const std::vector<std::uint64_t>& keys, std::vector<std::vector<double>>& saved,
                  const SampleSettings& s, const std::string& path) {
  const int dim = P.dim();
  // Coordinates of the dofs, key-ordered.
  std::vector<KeyedValues> coords;
  for (int d = 0; d < dim; ++d) coords.push_back(gatherKeyed(P.coordinateField(d), keys));
  const int worldRank = rankOf(world);
  std::unique_ptr<Hdf5Writer> file;
  std::string error;
  // Rank 0 writes; the first failure is kept and, after the transfers, raised on every rank.
  auto attempt = [&](const std::function<void()>& write) {
    if (worldRank != 0 || !error.empty()) return;
    try {
      write();
    } catch (const Error& e) {
      error = e.what();
    }
  };
  attempt([&] { file = std::make_unique<Hdf5Writer>(path); });
  const size_t n = worldRank == 0 ? coords[0].size() : 0;
  for (size_t chain = 0; chain < saved.size(); ++chain) {
    const int owner = static_cast<int>(chain) % groups.count;
    const auto data = toWorldRoot(
        worldRank == owner ? std::move(saved[chain]) : std::vector<double>{}, owner, world, 5);
    attempt([&] {
      file->writeMatrix("chain_" + std::to_string(chain + 1), n > 0 ? data.size() / n : 0, n, data);
    });
  }
  attempt([&] {
    std::vector<std::uint64_t> k(n);
    std::vector<double> xy(n * static_cast<size_t>(dim));
    for (size_t i = 0; i < n; ++i) {
      k[i] = coords[0][i].first;
      for (int d = 0; d < dim; ++d)
        xy[i * static_cast<size_t>(dim) + static_cast<size_t>(d)] =
            coords[static_cast<size_t>(d)][i].second;
    }
    file->writeKeys("keys", k);
    file->writeMatrix("coordinates", n, static_cast<size_t>(dim), xy);
    file->attribute("kernel", std::string(mcmcKernelName(s.mcmc.kernel)));
    file->attribute("save_every", static_cast<double>(s.saveEvery));
    file->attribute("burn_in", static_cast<double>(s.mcmc.burnIn));
  });
  file.reset();
  raiseFromRoot(world, error);
}

}  // namespace

SampleReport runSampling(InverseProblem& problem, Vec x, LaplaceApproximation* laplace,
                         Vec laplaceStddev, const SampleSettings& s,
                         const std::string& outputDirectory, const std::string& plotScript,
                         const ChainGroups& groups) {
  s.validate();
  LogStage stage("pdeinv sample");
  MPI_Comm comm = problem.forward().mesh().comm();
  const bool root = rankOf(comm) == 0;
  auto& J = problem.objective();
  auto* prior = problem.regularization();
  require(prior != nullptr, "-mode sample needs a Gaussian prior (-reg_type bilaplacian)");
  PosteriorTarget target(J, *prior);
  const auto& P = problem.parameterSpace();

  // The QoI: linear in m (q = cᵀm), or of the state, carried along the chains.
  const auto quantity = makeQuantityOfInterest(problem, s);
  const Vec c = quantity->linearWeights();
  if (!c) target.setStateQoi([&](Vec m) { return quantity->value(m); });
  const int nd =
      laplace ? std::min<int>(s.directions, static_cast<int>(laplace->eigenvalues().size())) : 0;

  SampleReport report;
  std::vector<std::vector<double>> qoi(static_cast<size_t>(s.chains));
  std::vector<std::vector<std::vector<double>>> coeff(
      static_cast<size_t>(s.chains), std::vector<std::vector<double>>(static_cast<size_t>(nd)));
  // Running mean and M2 (Welford) of the samples, over all chains.
  auto mean = P.createVector(), m2 = P.createVector(), delta = P.createVector(),
       delta2 = P.createVector(), state = J.createParameterVector();
  PDEINV_CALL(VecSet(mean, 0.0));
  PDEINV_CALL(VecSet(m2, 0.0));
  long count = 0;
  double seconds = 0;  // this group's chains
  // Saved samples (every saveEvery-th kept one), key-ordered, on the group's first rank.
  const MPI_Comm world = groups.count > 1 ? groups.world : comm;
  int save = s.saveEvery > 0 && !outputDirectory.empty() ? 1 : 0;
  MPI_Bcast(&save, 1, MPI_INT, 0, world);  // world rank 0 writes, if it has a directory
  const auto keys = P.dofKeys();
  std::vector<std::vector<double>> saved(static_cast<size_t>(s.chains));
  report.chains.resize(static_cast<size_t>(s.chains));
  for (int chain = 0; chain < s.chains; ++chain) {
    if (chain % groups.count != groups.index) continue;
    McmcSettings ms = s.mcmc;
    ms.seed = s.mcmc.seed + static_cast<unsigned long>(chain);
    // Start from a Laplace posterior sample (overdispersed starts make R̂ meaningful).
    if (laplace) {
      laplace->sample(combineKeys(ms.seed, 0x5354415254ull), state);
    } else {
      PDEINV_CALL(VecCopy(x, state));
    }
    auto& q = qoi[static_cast<size_t>(chain)];
    auto& cf = coeff[static_cast<size_t>(chain)];
    auto& keep = saved[static_cast<size_t>(chain)];
    auto record = [&](int k, Vec m, PetscReal qState) {
      q.push_back(c ? dot(c, m) : qState);
      if (save && k % s.saveEvery == 0)
        for (const auto& kv : gatherKeyed(m, keys)) keep.push_back(kv.second);
      if (nd > 0) {
        const auto& BU = laplace->priorPrecisionTimesEigenvectors();
        PDEINV_CALL(VecWAXPY(delta, -1.0, laplace->map(), m));
        for (int i = 0; i < nd; ++i) cf[static_cast<size_t>(i)].push_back(dot(BU[i], delta));
      }
      ++count;
      PDEINV_CALL(VecWAXPY(delta, -1.0, mean, m));
      PDEINV_CALL(VecAXPY(mean, 1.0 / static_cast<double>(count), delta));
      PDEINV_CALL(VecWAXPY(delta2, -1.0, mean, m));
      PDEINV_CALL(VecPointwiseMult(delta2, delta2, delta));
      PDEINV_CALL(VecAXPY(m2, 1.0, delta2));
    };
    auto progress = [&](int k, double acceptance) {
      if (root)
        std::printf("  chain %d: step %d of %d, acceptance %.3f\n", chain + 1, k,
                    ms.burnIn + ms.samples, acceptance);
      std::fflush(stdout);
    };
    ChainSummary cs;
    cs.result = runChain(target, laplace, state, ms, record, progress, s.progressEvery);
    cs.qoiIact = integratedAutocorrelationTime(q);
    cs.qoiEss = static_cast<double>(q.size()) / cs.qoiIact;
    double sum = 0;
    for (double v : q) sum += v;
    cs.qoiMean = sum / static_cast<double>(q.size());
    cs.minDirectionEss = nd > 0 ? 1e300 : 0;
    for (int i = 0; i < nd; ++i)
      cs.minDirectionEss =
          std::min(cs.minDirectionEss, effectiveSampleSize(cf[static_cast<size_t>(i)]));
    seconds += cs.result.seconds;
    report.chains[static_cast<size_t>(chain)] = cs;
  }
  if (groups.count > 1) {
    gatherChains(groups, comm, nd, report.chains, qoi, coeff);
    mergeMoments(groups, P, mean, m2, count);
    MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, groups.world);
  }
  report.samplingSeconds = seconds;
  if (save) writeSamples(groups, world, P, keys, saved, s, outputDirectory + "/mcmc_samples.h5");
  if (groups.index != 0) return report;  // group 0 reports
  long solves = 0;
  for (const auto& cs : report.chains) solves += cs.result.forwardSolves + cs.result.adjointSolves;
  std::vector<double> pooled;
  double essTotal = 0;
  for (size_t k = 0; k < qoi.size(); ++k) {
    pooled.insert(pooled.end(), qoi[k].begin(), qoi[k].end());
    essTotal += report.chains[k].qoiEss;
  }
  if (s.chains >= 2) report.rhat = splitRhat(qoi);
  double sum = 0;
  for (double v : pooled) sum += v;
  report.qoiMean = sum / static_cast<double>(pooled.size());
  report.qoiLow = quantile(pooled, 0.05);
  report.qoiHigh = quantile(pooled, 0.95);
  report.essPer1000Solves = solves > 0 ? 1000.0 * essTotal / static_cast<double>(solves) : 0.0;
  report.essPerSecond = seconds > 0 ? essTotal / seconds : 0.0;  // wall time
  Owned<Vec> laplaceVar;
  report.qoiDescription = quantity->describe();
  J.value(x);
  report.mapQoi = quantity->value(x);
  if (laplace && c) {
    auto Cc = P.createVector();
    laplace->covarianceApply(c, Cc);
    const double sd = std::sqrt(std::max(0.0, dot(c, Cc)));
    report.laplaceQoiMean = dot(c, laplace->map());
    report.laplaceQoiLow = report.laplaceQoiMean - 1.6448536269514722 * sd;
    report.laplaceQoiHigh = report.laplaceQoiMean + 1.6448536269514722 * sd;
  } else if (laplace) {
    // q at exact Laplace samples (seeds of their own): the Laplace approximation's law of q,
    // which is not Gaussian for a q nonlinear in m.
    std::vector<double> ql;
    auto sample = J.createParameterVector();
    for (int j = 0; j < s.qoiLaplaceSamples; ++j) {
      laplace->sample(combineKeys(0x514f49ull, static_cast<std::uint64_t>(j)), sample);
      try {
        J.value(sample);
      } catch (const ForwardSolveFailure&) {
        continue;  // counted below
      }
      ql.push_back(quantity->value(sample));
    }
    require(!ql.empty(), "no Laplace sample of the QoI could be solved for");
    if (root && static_cast<int>(ql.size()) < s.qoiLaplaceSamples)
      std::printf("  warning: %d of %d Laplace samples failed to solve; the interval uses %zu\n",
                  s.qoiLaplaceSamples - static_cast<int>(ql.size()), s.qoiLaplaceSamples,
                  ql.size());
    double total = 0;
    for (double v : ql) total += v;
    report.laplaceQoiMean = total / static_cast<double>(ql.size());
    report.laplaceQoiLow = quantile(ql, 0.05);
    report.laplaceQoiHigh = quantile(ql, 0.95);
  }

  if (root) {
    std::printf("MCMC (%s, %d chain(s) of %d samples after %d burn-in steps):\n",
                mcmcKernelName(s.mcmc.kernel), s.chains, s.mcmc.samples, s.mcmc.burnIn);
    std::printf(
        "  chain  acceptance     step   PDE solves   time (s)   QoI IACT   QoI ESS   slowest "
        "eigen-direction ESS\n");
    for (size_t k = 0; k < report.chains.size(); ++k) {
      const auto& cs = report.chains[k];
      std::printf("  %5zu  %10.3f  %7.3g  %11ld  %9.2f  %9.2f  %8.1f  %8.1f\n", k + 1,
                  cs.result.acceptance, cs.result.step,
                  cs.result.forwardSolves + cs.result.adjointSolves, cs.result.seconds, cs.qoiIact,
                  cs.qoiEss, cs.minDirectionEss);
    }
    std::printf("  QoI ESS per 1000 PDE solves %.2f, per second %.2f", report.essPer1000Solves,
                report.essPerSecond);
    if (s.chains >= 2) std::printf(", split R-hat %.4f", report.rhat);
    std::printf("\n  QoI (%s): at the MAP point %.6g\n", report.qoiDescription.c_str(),
                report.mapQoi);
    std::printf("    MCMC mean %.6g, 90%% interval [%.6g, %.6g]\n", report.qoiMean, report.qoiLow,
                report.qoiHigh);
    if (laplace) {
      const std::string how =
          c ? "" : " (" + std::to_string(s.qoiLaplaceSamples) + " Laplace samples)";
      std::printf("    Laplace mean %.6g, 90%% interval [%.6g, %.6g]%s\n", report.laplaceQoiMean,
                  report.laplaceQoiLow, report.laplaceQoiHigh, how.c_str());
    }
  }

  if (outputDirectory.empty()) return report;
  const auto& dir = outputDirectory;
  // Fields: the sample mean and standard deviation (and the Laplace one, when there is one).
  auto stddev = P.createVector();
  PDEINV_CALL(VecCopy(m2, stddev));
  PDEINV_CALL(VecScale(stddev, count > 1 ? 1.0 / static_cast<double>(count - 1) : 0.0));
  PDEINV_CALL(VecSqrtAbs(stddev));
  const PetscReal meanSum = pdeinv::sum(mean), stddevSum = pdeinv::sum(stddev);  // fingerprints
  writeVtu(mean, dir + "/mcmc_mean.vtu");
  writeVtu(stddev, dir + "/mcmc_stddev.vtu");
  std::vector<std::pair<std::string, Vec>> fields = {{"MCMC mean", mean}, {"MCMC stddev", stddev}};
  if (laplaceStddev) fields.push_back({"Laplace stddev", laplaceStddev});
  writePlotFields(dir + "/mcmc.h5", fields);
  if (root) {
    std::ofstream t(dir + "/trace.csv");
    t << "chain,sample,qoi";
    for (int i = 0; i < nd; ++i) t << ",direction_" << i + 1;
    t << "\n" << std::setprecision(12);
    for (size_t k = 0; k < qoi.size(); ++k)
      for (size_t j = 0; j < qoi[k].size(); ++j) {
        t << k + 1 << "," << j << "," << qoi[k][j];
        for (int i = 0; i < nd; ++i) t << "," << coeff[k][static_cast<size_t>(i)][j];
        t << "\n";
      }
    std::ofstream out(dir + "/mcmc.json");
    JsonWriter w(out);
    w.beginObject();
    w.field("kernel", mcmcKernelName(s.mcmc.kernel));
    w.field("chains", static_cast<PetscInt>(s.chains));
    w.field("chain_groups", static_cast<PetscInt>(groups.count));
    w.field("sampling_seconds", report.samplingSeconds);
    // Σ over dofs of the mean and standard deviation fields: independent of the partition.
    w.field("mean_field_sum", meanSum).field("stddev_field_sum", stddevSum);
    w.field("samples_per_chain", static_cast<PetscInt>(s.mcmc.samples));
    w.field("burn_in", static_cast<PetscInt>(s.mcmc.burnIn));
    w.field("qoi_description", report.qoiDescription);
    w.key("per_chain").beginArray();
    for (const auto& cs : report.chains) {
      w.beginObject(true);
      w.field("acceptance", cs.result.acceptance).field("step", cs.result.step);
      w.field("pde_solves",
              static_cast<PetscInt>(cs.result.forwardSolves + cs.result.adjointSolves));
      w.field("seconds", cs.result.seconds).field("qoi_mean", cs.qoiMean);
      w.field("qoi_iact", cs.qoiIact).field("qoi_ess", cs.qoiEss);
      w.field("slowest_direction_ess", cs.minDirectionEss);
      w.endObject();
    }
    w.endArray();
    w.field("qoi_ess_per_1000_pde_solves", report.essPer1000Solves);
    w.field("qoi_ess_per_second", report.essPerSecond);
    if (s.chains >= 2) w.field("split_rhat", report.rhat);
    w.key("qoi").beginObject(true);
    w.field("map", report.mapQoi);
    w.field("mcmc_mean", report.qoiMean).field("mcmc_5", report.qoiLow);
    w.field("mcmc_95", report.qoiHigh);
    if (laplace) {
      w.field("laplace_mean", report.laplaceQoiMean).field("laplace_5", report.laplaceQoiLow);
      w.field("laplace_95", report.laplaceQoiHigh);
    }
    w.endObject();
    w.endObject();
    w.finish();
    std::printf("  wrote %s/{mcmc.json,trace.csv,mcmc_mean.vtu,mcmc_stddev.vtu}\n", dir.c_str());
  }
  if (!plotScript.empty() && root) {
    const std::string cmd =
        "/usr/bin/python3 '" + plotScript + "' '" + dir + "' > '" + dir + "/plot.log' 2>&1";
    if (std::system(cmd.c_str()) == 0)
      std::printf("  plots: %s/{fields,convergence,%smcmc,mcmc_fields}.png\n", dir.c_str(),
                  laplace ? "laplace," : "");
    else
      std::printf("  warning: no plots (see %s/plot.log)\n", dir.c_str());
  }
  J.value(x);
  return report;
}

}  // namespace pdeinv
