#include "pdeinv/workflow/inversion.hpp"

#include <petsctime.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/fem/expression.hpp"
#include "pdeinv/fem/forms.hpp"
#include "pdeinv/io/json.hpp"
#include "pdeinv/io/output.hpp"
#include "pdeinv/io/plot_data.hpp"
#include "pdeinv/io/run_info.hpp"
#include "pdeinv/optim/checkpoint.hpp"
#include "pdeinv/optim/tao_gncg.hpp"

namespace pdeinv {

namespace {

constexpr const char* kInversionStage = "pdeinv inversion";

std::string text(PetscReal v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

MPI_Comm commOf(InverseProblem& p) {
  return p.forward().mesh().comm();
}

}  // namespace

const char* weightChoiceName(InversionSettings::WeightChoice c) {
  switch (c) {
    case InversionSettings::WeightChoice::morozov:
      return "morozov";
    case InversionSettings::WeightChoice::lcurve:
      return "lcurve";
    default:
      return "fixed";
  }
}

void InversionSettings::validate() const {
  // Out of range, these made the weight choice loop until killed or divide by zero.
  require(std::isfinite(weight) && weight > 0,
          "-reg_weight must be positive and finite, got " + text(weight));
  require(std::isfinite(morozovRtol) && morozovRtol > 0 && morozovRtol < 1,
          "-morozov_rtol must lie in (0, 1), got " + text(morozovRtol));
  require(!lcurveWeights.empty(), "-lcurve_weights needs at least one weight");
  for (PetscReal w : lcurveWeights)
    require(std::isfinite(w) && w > 0,
            "-lcurve_weights: every weight must be positive and finite, got " + text(w));
  require(checkpointEvery >= 0,
          "-checkpoint_every must be non-negative, got " + std::to_string(checkpointEvery));
  require(spectrum.rank >= 0,
          "-identify_rank must be non-negative, got " + std::to_string(spectrum.rank));
  require(spectrum.oversampling >= 0, "-identify_oversampling must be non-negative, got " +
                                          std::to_string(spectrum.oversampling));
  laplace.validate();
  require(!restart || !outputDirectory.empty(),
          "-restart needs an -output directory holding the checkpoint");
  require(checkpointEvery == 0 || !outputDirectory.empty(),
          "-checkpoint_every needs an -output directory");
  for (auto [b, flag] : {std::pair{lowerBound, "-bound_lower"}, {upperBound, "-bound_upper"}})
    require(!b || !std::isnan(*b), std::string(flag) + " is not a number");
  require(!lowerBound || !upperBound || *lowerBound < *upperBound,
          "-bound_lower " + (lowerBound ? text(*lowerBound) : "") + " must be below -bound_upper " +
              (upperBound ? text(*upperBound) : ""));
}

InversionSettings InversionSettings::fromOptions(const InverseProblem& problem,
                                                 const std::string& defaultOutput,
                                                 const std::string& plotScript) {
  const Options opts;
  InversionSettings s;
  const auto hessian = opts.getString("hessian", "gauss_newton",
                                      "Hessian of the Newton-Krylov types: gauss_newton | newton");
  require(hessian == "gauss_newton" || hessian == "newton",
          "-hessian must be gauss_newton or newton, got '" + hessian + "'");
  s.hessian = hessian == "newton" ? HessianType::Newton : HessianType::GaussNewton;
  s.checkpointEvery =
      opts.getInt("checkpoint_every", 0, "write a checkpoint every k iterations (0: never)");
  s.restart =
      opts.getBool("restart", false, "continue from the checkpoint in the -output directory");
  const auto choice = opts.getString("reg_weight_choice", "fixed",
                                     "regularization weight: fixed | morozov | lcurve");
  require(choice == "fixed" || choice == "morozov" || choice == "lcurve",
          "-reg_weight_choice must be fixed, morozov or lcurve, got '" + choice + "'");
  s.weightChoice = choice == "morozov"  ? WeightChoice::morozov
                   : choice == "lcurve" ? WeightChoice::lcurve
                                        : WeightChoice::fixed;
  s.weight = opts.getReal("reg_weight", s.weight,
                          "weight β of the regularization (multiplies -reg_gamma)");
  s.morozovRtol = opts.getReal("morozov_rtol", s.morozovRtol,
                               "Morozov: accepted relative distance of the misfit to its target");
  s.lcurveWeights =
      opts.getRealArray("lcurve_weights", s.lcurveWeights, "L-curve: the weights β to try");
  s.monitor = opts.getBool("monitor", true, "print one line per iteration");
  if (opts.getBool("plot", true, "make the PNG plots (Debian's python3-matplotlib)"))
    s.plotScript = plotScript;
  s.spectrum.rank = static_cast<int>(opts.getInt(
      "identify_rank", 0,
      "after the inversion: eigenpairs of the misfit Hessian against the prior at the estimate "
      "(identify.json, spectrum.png; 0: none)"));
  s.spectrum.oversampling = static_cast<int>(opts.getInt(
      "identify_oversampling", s.spectrum.oversampling, "field spectrum: extra random directions"));
  s.laplace = LaplaceRunSettings::fromOptions();
  s.errorWeight = opts.getString("error_weight", "",
                                 "weight w(x) ≥ 0 of a second relative parameter error against "
                                 "the truth, ‖w(m − m_true)‖/‖w m_true‖ (e.g. a band around an "
                                 "interface; needs -truth; empty: none)");
  if (!s.errorWeight.empty()) {
    // Parsed and evaluated now, so that a bad weight stops the run before the inversion.
    auto w = problem.parameterSpace().createVector();
    problem.parameterSpace().interpolate(Expression(s.errorWeight, "-error_weight"), w);
    PetscReal lowest = 0;
    PDEINV_CALL(VecMin(w, nullptr, &lowest));
    require(lowest >= 0,
            "-error_weight must be non-negative everywhere, got " + text(lowest) + " somewhere");
  }
  s.outputDirectory = outputDirectoryFromOptions(defaultOutput);
  if (auto* tJ = const_cast<InverseProblem&>(problem).transientObjective()) {
    const auto& tobs = tJ->times();
    s.outputTimes = opts.getRealArray("output_times", {tobs.back()},
                                      "transient: times at which the state is written "
                                      "(estimate and truth; default: the final time)");
    for (PetscReal t : s.outputTimes)
      require(t >= 0 && t <= tobs.back() * (1 + 1e-12),
              "-output_times: " + text(t) + " is outside the simulated interval [0, " +
                  text(tobs.back()) + "]");
  }
  auto number = [](const std::optional<std::string>& t,
                   const char* flag) -> std::optional<PetscReal> {
    if (!t) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(t->c_str(), &end);
    require(end && *end == '\0' && std::isfinite(v),
            std::string(flag) + " expects a number, got '" + *t + "'");
    return v;
  };
  s.lowerBound = number(opts.findString("bound_lower", "lower bound on the physical parameter"),
                        "-bound_lower");
  s.upperBound = number(opts.findString("bound_upper", "upper bound on the physical parameter"),
                        "-bound_upper");
  s.validate();
  return s;
}

Inversion::Inversion(InverseProblem& problem, InversionSettings settings)
    : problem_(problem), settings_(std::move(settings)) {
  settings_.validate();
  auto& J = problem_.objective();
  require(settings_.hessian == HessianType::GaussNewton || J.newtonAvailable(),
          "-hessian newton: " + J.newtonUnavailableReason());
  if (settings_.spectrum.rank > 0) requireFieldIdentifiable(problem_);
  if (settings_.laplace.enabled()) requireLaplaceAvailable(problem_, settings_.laplace);
  auto* reg = problem_.regularization();  // null for scalar parameters
  require(reg || settings_.weightChoice == InversionSettings::WeightChoice::fixed,
          std::string("-reg_weight_choice ") + weightChoiceName(settings_.weightChoice) +
              ": this problem has no regularization to weigh");
  if (reg) reg->setWeight(settings_.weight);
  tao_ = std::make_unique<TaoProblem>(J, problem_.regions() ? nullptr : reg);
  tao_->setHessianType(settings_.hessian);
  if (settings_.lowerBound || settings_.upperBound) {
    // Physical bounds become bounds on the optimisation variable through the (monotone) map.
    auto lo = J.createParameterVector(), hi = J.createParameterVector();
    PDEINV_CALL(VecSet(lo, PETSC_NINFINITY));
    PDEINV_CALL(VecSet(hi, PETSC_INFINITY));
    auto toVariable = [&](PetscReal v, const char* flag) {
      const std::string what = std::string(flag) + " " + text(v) + " is outside the range of the " +
                               problem_.map().name() + " parameter map";
      PetscReal m = 0;
      try {
        m = problem_.map().inverse(v);
      } catch (const InputError& e) {
        throw InputError(what + " (" + e.what() + ")");
      }
      require(std::isfinite(m), what);
      return m;
    };
    if (settings_.lowerBound)
      PDEINV_CALL(VecSet(lo, toVariable(*settings_.lowerBound, "-bound_lower")));
    if (settings_.upperBound)
      PDEINV_CALL(VecSet(hi, toVariable(*settings_.upperBound, "-bound_upper")));
    tao_->setBounds(lo, hi);
  }
  tao_->setFromOptions();
}

Inversion::~Inversion() = default;

// What identifies the problem a checkpoint belongs to: nothing that depends on the rank count
// or the partition (a checkpoint restarts on any number of ranks).
std::string problemFingerprint(InverseProblem& inv, Vec x) {
  PetscInt nx = 0;
  PDEINV_CALL(VecGetSize(x, &nx));
  PetscReal dataNorm = 0;
  PDEINV_CALL(VecNorm(inv.data(), NORM_2, &dataNorm));
  std::ostringstream s;
  // The data norm to 9 digits: its last digits depend on the order of the parallel sum.
  s << "operator=" << inv.forward().op().name() << " parameter_space=" << inv.parameterKind()
    << " state=" << inv.forward().state().element().str()
    << " parameter=" << inv.forward().parameter().element().str() << " unknowns=" << nx
    << " state_unknowns=" << inv.forward().state().globalSize()
    << " observations=" << inv.dataSize() << " data_norm=" << std::setprecision(9) << dataNorm
    << " map=" << inv.map().name()
    << " regularization=" << (inv.regularization() ? inv.regularization()->name() : "none");
  return s.str();
}

std::vector<std::uint64_t> parameterKeys(InverseProblem& inv) {
  const bool field = !inv.regions() && !inv.scalarMode();
  return field ? inv.parameterSpace().dofKeys() : std::vector<std::uint64_t>{};
}

WeightTrial Inversion::invertAt(Vec x, PetscReal w) {
  auto& J = problem_.objective();
  auto* reg = problem_.regularization();
  if (reg) reg->setWeight(w);
  if (rankOf(commOf(problem_)) == 0) {
    std::printf("inversion: tao %s, beta = %.4e\n", tao_->typeName().c_str(), w);
    std::printf(
        "  it        cost      misfit         reg      |grad|      step    cg   pde    time\n");
  }
  tao_->solve(x);
  WeightTrial t;
  t.weight = w;
  J.value(x);
  t.misfit = J.misfitValue();
  t.regularization = reg ? J.regularizationValue() / w : 0.0;
  t.iterations = tao_->iterations();
  t.converged = tao_->converged();
  return t;
}

const InversionResult& Inversion::run() {
  require(!ran_, "Inversion::run: this inversion has run already");
  ran_ = true;
  MPI_Comm comm = commOf(problem_);
  const bool root = rankOf(comm) == 0;
  auto& J = problem_.objective();
  const auto& outDir = settings_.outputDirectory;
  if (!outDir.empty()) makeDirectory(comm, outDir);
  auto& r = result_;

  // 1. The starting point: the configured guess, or the last checkpoint.
  r.x = problem_.initialGuess();
  Vec x = r.x;
  fingerprint_ = problemFingerprint(problem_, x);
  keys_ = parameterKeys(problem_);
  const std::string& fp = fingerprint_;
  const auto& keys = keys_;
  const bool gncg = tao_->typeName() == TAOPDEINVGNCG;
  if (settings_.restart) {
    const auto c = readCheckpoint(outDir, x, keys, fp);
    if (gncg) {
      // pdeinvgncg resumes exactly: its iteration count, forcing history and ‖g₀‖ continue.
      GNCGState st;
      auto get = [&](const char* k, double def) {
        auto it = c.state.find(k);
        return it == c.state.end() ? def : it->second;
      };
      st.iteration = static_cast<PetscInt>(get("iteration", static_cast<double>(c.iteration)));
      st.cgTotal = static_cast<PetscInt>(get("cg_total", 0));
      st.gnorm0 = get("gnorm0", -1);
      st.gnormPrev = get("gnorm_prev", -1);
      st.etaPrev = get("eta_prev", -1);
      st.step = get("step", 0);
      taoGNCGSetState(tao_->tao(), st);
    } else {
      startIteration_ = c.iteration;  // TAO's own types restart their counters (and memory)
    }
    r.restartIteration = c.iteration;
    if (root)
      std::printf("restarting from %s/checkpoint.dat (iteration %lld)\n", outDir.c_str(),
                  static_cast<long long>(c.iteration));
  }

  // 2. One monitor line per iteration; checkpoints.
  tao_->setMonitor([&, root, gncg](const IterationRecord& rec) {
    const PetscInt it = rec.iteration + startIteration_;
    if (settings_.monitor && root) {
      std::printf("%4lld %11.5e %11.5e %11.5e %11.4e %9.3e %5lld %5lld %7.2f\n",
                  static_cast<long long>(it), rec.cost, rec.misfit, rec.regularization,
                  rec.gradientNorm, rec.step, static_cast<long long>(rec.cgIterations),
                  static_cast<long long>(rec.pdeSolves), rec.elapsed);
      std::fflush(stdout);
    }
    const PetscInt every = settings_.checkpointEvery;
    if (every > 0 && rec.iteration > 0 && it % every == 0) {
      Vec xc = nullptr;
      PDEINV_CALL(TaoGetSolution(tao_->tao(), &xc));
      Checkpoint c;
      c.iteration = it;
      c.fingerprint = fp;
      if (gncg) {
        const auto st = taoGNCGGetState(tao_->tao());
        c.state = {{"iteration", static_cast<double>(st.iteration)},
                   {"cg_total", static_cast<double>(st.cgTotal)},
                   {"gnorm0", st.gnorm0},
                   {"gnorm_prev", st.gnormPrev},
                   {"eta_prev", st.etaPrev},
                   {"step", st.step}};
      }
      writeCheckpoint(outDir, xc, keys, c);
    }
  });

  // 3. Solve, choosing β first if asked (in its own log stage: -log_view, summary.json).
  using WC = InversionSettings::WeightChoice;
  auto stage = std::make_unique<LogStage>(kInversionStage);
  auto x0 = J.createParameterVector();
  PDEINV_CALL(VecCopy(x, x0));
  // The expected misfit at the truth, N/2, holds for the Gaussian misfit (its discrepancy
  // principle); the other likelihoods have none that Morozov's rule could aim at.
  const bool gaussian = problem_.misfit().name() == "gaussian";
  r.expectedMisfit = gaussian ? 0.5 * static_cast<PetscReal>(problem_.dataSize()) : 0.0;
  r.weight = settings_.weight;
  auto invert = [&](PetscReal w) { return invertAt(x, w); };
  if (settings_.weightChoice == WC::morozov) {
    require(gaussian,
            "-reg_weight_choice morozov aims at the Gaussian misfit's expected value "
            "N/2; with -misfit_type " +
                problem_.misfit().name() +
                " choose the weight by -reg_weight_choice lcurve or give -reg_weight");
    auto m = morozov(invert, r.expectedMisfit, settings_.weight, settings_.morozovRtol);
    r.trials = m.trials;
    r.weight = m.weight;
    r.morozovFound = m.found;
    if (root)
      std::printf("Morozov: beta = %.4e (%s after %zu inversions), target misfit %.4e\n", r.weight,
                  m.found ? "found" : "NOT found", r.trials.size(), r.expectedMisfit);
  } else if (settings_.weightChoice == WC::lcurve) {
    for (PetscReal w : settings_.lcurveWeights) {
      PDEINV_CALL(VecCopy(x0, x));
      r.trials.push_back(invertAt(x, w));
    }
    r.weight = r.trials[lcurveCorner(r.trials)].weight;
    if (root) std::printf("L-curve corner: beta = %.4e\n", r.weight);
  }
  // The final inversion at the chosen β (Morozov's last trial is already at it, warm-started;
  // when Morozov stops without meeting its tolerance, the best β is solved again from the start).
  const bool again = settings_.weightChoice == WC::lcurve ||
                     (settings_.weightChoice == WC::morozov && !r.morozovFound);
  if (again) PDEINV_CALL(VecCopy(x0, x));
  if (settings_.weightChoice == WC::fixed || again) invertAt(x, r.weight);
  r.wallTime = secondsSinceStart();
  stage.reset();
  r.phases = phaseTimes(comm, kInversionStage);
  r.peakMemoryMB = peakMemoryMB(comm);

  // 4. What was reached.
  r.converged = tao_->converged();
  r.reason = tao_->reasonName();
  r.iterations = tao_->iterations() + startIteration_;
  r.cost = J.value(x);
  r.misfit = J.misfitValue();
  r.regularization = J.regularizationValue();
  const auto& hist = tao_->history();
  r.initialGradientNorm = hist.empty() ? 0 : hist.front().gradientNorm;
  r.gradientNorm = hist.empty() ? 0 : hist.back().gradientNorm;
  r.counts = J.counts();
  if (problem_.misfit().name() == "gaussian" && r.expectedMisfit > 0) {
    r.misfitRatio = r.misfit / r.expectedMisfit;
    r.misfitPlausible = r.misfitRatio >= 0.1 && r.misfitRatio <= 10;
  }
  if (auto* c = problem_.constraint()) {
    r.constrained = true;
    r.constraintValue = c->functional(x);
    r.constraintViolation = c->violation(x);
  }
  if (problem_.truth() && !problem_.scalarMode() && !problem_.regions()) {
    const auto& P = problem_.parameterSpace();
    auto estimate = P.createVector(), truth = P.createVector();
    problem_.physicalField(x, estimate);
    problem_.physicalField(problem_.truth(), truth);
    auto M = massMatrix(P);
    r.relativeError = relativeError(M, estimate, truth);
    if (!settings_.errorWeight.empty()) {
      auto w = P.createVector();  // checked non-negative by InversionSettings::fromOptions
      P.interpolate(Expression(settings_.errorWeight, "-error_weight"), w);
      PDEINV_CALL(VecPointwiseMult(estimate, estimate, w));
      PDEINV_CALL(VecPointwiseMult(truth, truth, w));
      r.weightedRelativeError = relativeError(M, estimate, truth);
    }
  } else if (problem_.truth()) {
    // A few global scalars: the Euclidean relative error of θ itself.
    Owned<Vec> d;
    PDEINV_CALL(VecDuplicate(x, d.out()));
    PDEINV_CALL(VecWAXPY(d, -1.0, problem_.truth(), x));
    PetscReal nd = 0, nt = 0;
    PDEINV_CALL(VecNorm(d, NORM_2, &nd));
    PDEINV_CALL(VecNorm(problem_.truth(), NORM_2, &nt));
    r.relativeError = nt > 0 ? nd / nt : nd;
  }
  // The estimate at the sensors: a layout-free fingerprint of the result (compared across rank
  // counts by the tests).
  if (!problem_.observation().points().empty()) {
    const auto& P = problem_.parameterSpace();
    auto estimate = P.createVector();
    problem_.physicalField(x, estimate);
    auto probe = makePointObservation(P, problem_.observation().points(), "observation points");
    auto pv = probe->createObservationVector();
    probe->apply(estimate, pv);
    r.estimateAtObservationPoints = probe->toOriginalOrder(pv);
  }
  return r;
}

void Inversion::writeResults() {
  require(ran_, "Inversion::writeResults: call run() first");
  MPI_Comm comm = commOf(problem_);
  const bool root = rankOf(comm) == 0;
  const auto& r = result_;
  auto& J = problem_.objective();
  Vec x = r.x;
  if (root) {
    std::printf("%s: %s after %lld iterations (tao %s)\n",
                r.converged ? "converged" : "NOT converged", r.reason.c_str(),
                static_cast<long long>(r.iterations), tao_->typeName().c_str());
    if (r.expectedMisfit > 0) {
      std::printf("  cost %.6e  misfit %.6e (expected %.4e)  regularization %.6e\n", r.cost,
                  r.misfit, r.expectedMisfit, r.regularization);
    } else {
      std::printf("  cost %.6e  misfit %.6e (%s)  regularization %.6e\n", r.cost, r.misfit,
                  problem_.misfit().name().c_str(), r.regularization);
    }
    if (!r.misfitPlausible)
      std::printf(
          "  warning: the misfit is %.3g times its expected value N/2 = %.4g (outside [0.1, 10]): "
          "the estimate %s the data %s the noise level (-noise_*) says; check the noise level, "
          "the data and the model, or the regularization weight\n",
          r.misfitRatio, r.expectedMisfit, r.misfitRatio > 1 ? "explains" : "fits",
          r.misfitRatio > 1 ? "far worse than" : "far closer than");
    std::printf("  gradient norm %.3e (reduced %.2e-fold)\n", r.gradientNorm,
                r.gradientNorm > 0 ? r.initialGradientNorm / r.gradientNorm : 0.0);
    std::printf(
        "  PDE solves: %lld forward, %lld adjoint, %lld tangent, %lld incremental adjoint\n",
        static_cast<long long>(r.counts.forward), static_cast<long long>(r.counts.adjoint),
        static_cast<long long>(r.counts.tangent),
        static_cast<long long>(r.counts.incrementalAdjoint));
    if (r.relativeError >= 0) std::printf("  relative parameter error %.4e\n", r.relativeError);
    if (r.weightedRelativeError >= 0)
      std::printf("  relative parameter error weighted by -error_weight %.4e\n",
                  r.weightedRelativeError);
    if (r.constrained)
      std::printf("  constraint: %s = %.10g (target %.10g, violation %.3e)\n",
                  problem_.constraint()->constraint().describe().c_str(), r.constraintValue,
                  problem_.constraint()->constraint().target, r.constraintViolation);
    std::printf("  wall time %.2f s on %d rank(s), peak memory %.0f MB per rank\n", r.wallTime,
                sizeOf(comm), r.peakMemoryMB);
    std::printf("  time per phase (s, inclusive):");
    for (const auto& p : r.phases) {
      if (p.count > 0) std::printf(" %s %.2f", p.name.c_str(), p.seconds);
    }
    std::printf("\n");
  }
  const auto& outDir = settings_.outputDirectory;
  const bool write = !outDir.empty();
  if (settings_.spectrum.rank > 0) {
    // What the data determine, linearised at the estimate.
    LogStage identifyStage("pdeinv identify");
    const auto report = fieldIdentifiability(problem_, x, settings_.spectrum);
    if (root) std::printf("at the estimate, ");
    printFieldIdentifiability(comm, report);
    if (write) writeFieldIdentifiabilityJson(comm, report, outDir + "/identify.json");
    J.value(x);  // the spectrum moved the objective's linearization point
  }
  if (settings_.laplace.enabled()) runLaplace(problem_, x, settings_.laplace, outDir);
  if (!write) return;

  const auto& P = problem_.parameterSpace();
  auto estimate = P.createVector();
  problem_.physicalField(x, estimate);
  writeVtu(estimate, outDir + "/estimate.vtu");
  writeVtu(J.state(), outDir + "/state.vtu");
  // Transient: the state of the estimate and of the truth at the output times.
  std::vector<std::pair<std::string, Owned<Vec>>> timeFields;
  if (auto* tJ = problem_.transientObjective()) {
    auto est = tJ->statesAt(x, settings_.outputTimes);
    std::vector<Owned<Vec>> tru;
    if (problem_.truth()) tru = tJ->statesAt(problem_.truth(), settings_.outputTimes);
    for (size_t k = 0; k < settings_.outputTimes.size(); ++k) {
      std::ostringstream tag;
      tag << "t" << settings_.outputTimes[k];
      writeVtu(est[k], outDir + "/state_" + tag.str() + ".vtu");
      timeFields.emplace_back("state_" + tag.str(), std::move(est[k]));
      if (!tru.empty()) {
        writeVtu(tru[k], outDir + "/true_state_" + tag.str() + ".vtu");
        timeFields.emplace_back("true_state_" + tag.str(), std::move(tru[k]));
      }
    }
    J.value(x);  // statesAt moved the objective away from x
  }
  Owned<Vec> truthField, errorField;
  if (problem_.truth() && !problem_.scalarMode()) {
    truthField = P.createVector();
    problem_.physicalField(problem_.truth(), truthField);
    errorField = P.createVector();
    PDEINV_CALL(VecWAXPY(errorField, -1.0, truthField, estimate));
    writeVtu(truthField, outDir + "/truth.vtu");
    writeVtu(errorField, outDir + "/error.vtu");
  }
  {
    Owned<PetscViewer> v;
    PDEINV_CALL(
        PetscViewerBinaryOpen(comm, (outDir + "/estimate.vec").c_str(), FILE_MODE_WRITE, v.out()));
    PDEINV_CALL(PetscViewerBinarySetSkipInfo(v, PETSC_TRUE));
    PDEINV_CALL(VecView(x, v));
  }
  {
    Checkpoint c;  // the estimate by dof position: read back on any rank count
    c.iteration = r.iterations;
    c.fingerprint = fingerprint_;
    writeCheckpoint(outDir, x, keys_, c, "estimate");
  }
  writeOptionsFile(comm, outDir + "/options_used.txt");
  writeRunInfo(comm, outDir + "/run_info.json");
  {
    std::vector<std::pair<std::string, Vec>> fields = {{"estimate", estimate}};
    if (truthField)
      fields.push_back({"truth", truthField}), fields.push_back({"error", errorField});
    fields.push_back({"state", J.state()});
    for (const auto& [name, v] : timeFields) fields.push_back({name, v.get()});
    writePlotFields(outDir + "/fields.h5", fields);
  }
  // The data and the estimate's predictions, in the original observation order (steady
  // problems; for a CT run the sinogram).
  std::vector<PetscReal> observed, predicted;
  if (auto* sJ = problem_.steadyObjective()) {
    sJ->value(x);  // the predictions at the estimate (the state is cached when it is there)
    observed = problem_.observation().toOriginalOrder(problem_.data());
    predicted = problem_.observation().toOriginalOrder(sJ->predictedObservations());
  }
  if (root && !observed.empty()) {
    std::ofstream o(outDir + "/observations.csv");
    o << "index,observed,predicted\n" << std::setprecision(12);
    for (size_t i = 0; i < observed.size(); ++i)
      o << i << "," << observed[i] << "," << predicted[i] << "\n";
  }
  if (root) {
    std::ofstream h(outDir + "/history.csv");
    h << "iteration,cost,misfit,regularization,gradient_norm,step,cg_iterations,pde_solves,"
         "elapsed_s\n"
      << std::setprecision(12);
    for (const auto& rec : tao_->history()) {
      h << rec.iteration + startIteration_ << "," << rec.cost << "," << rec.misfit << ","
        << rec.regularization << "," << rec.gradientNorm << "," << rec.step << ","
        << rec.cgIterations << "," << rec.pdeSolves << "," << rec.elapsed << "\n";
    }
    writeSummaryJson(outDir + "/summary.json");
    std::printf("  wrote %s/{summary.json,history.csv,estimate.vtu,...}\n", outDir.c_str());
  }
  if (!settings_.plotScript.empty() && root) {
    // The plots come from Debian's matplotlib; a machine without it still has every result, so
    // a failed plot is a warning, not an error.
    const std::string cmd = "/usr/bin/python3 '" + settings_.plotScript + "' '" + outDir + "' > '" +
                            outDir + "/plot.log' 2>&1";
    if (std::system(cmd.c_str()) == 0) {
      std::printf("  plots: %s/fields.png, %s/convergence.png%s%s\n", outDir.c_str(),
                  outDir.c_str(),
                  settings_.spectrum.rank > 0 ? (", " + outDir + "/spectrum.png").c_str() : "",
                  settings_.laplace.enabled() ? (", " + outDir + "/laplace.png").c_str() : "");
    } else {
      std::printf("  warning: no plots (see %s/plot.log)\n", outDir.c_str());
    }
  }
}

void Inversion::writeSummaryJson(const std::string& path) const {
  const auto& r = result_;
  const auto& s = settings_;
  std::ofstream out(path);
  JsonWriter w(out);
  w.beginObject();
  w.field("converged", r.converged).field("reason", r.reason);
  w.field("iterations", r.iterations);
  w.field("restarted", r.restartIteration >= 0).field("tao_type", tao_->typeName());
  w.field("hessian", s.hessian == HessianType::Newton ? "newton" : "gauss_newton");
  w.field("preconditioned", tao_->preconditioned());
  w.key("pde_solves").beginObject(true);
  w.field("forward", r.counts.forward).field("adjoint", r.counts.adjoint);
  w.field("tangent", r.counts.tangent).field("incremental_adjoint", r.counts.incrementalAdjoint);
  w.field("failed_forward", tao_->failedEvaluations()).endObject();
  w.key("final").beginObject(true);
  w.field("cost", r.cost).field("misfit", r.misfit);
  w.field("regularization", r.regularization).field("gradient_norm", r.gradientNorm);
  w.endObject();
  w.field("initial_gradient_norm", r.initialGradientNorm)
      .field("gradient_reduction",
             r.initialGradientNorm > 0 ? r.gradientNorm / r.initialGradientNorm : 0.0);
  w.field("expected_misfit", r.expectedMisfit).field("regularization_weight", r.weight);
  if (r.misfitRatio >= 0)
    w.field("misfit_ratio", r.misfitRatio).field("misfit_plausible", r.misfitPlausible);
  w.key("weight_choice").beginObject().field("method", weightChoiceName(s.weightChoice));
  if (s.weightChoice == InversionSettings::WeightChoice::morozov)
    w.field("found", r.morozovFound).field("rtol", s.morozovRtol);
  w.key("trials").beginArray();
  for (const auto& t : r.trials) {
    w.beginObject(true).field("weight", t.weight).field("misfit", t.misfit);
    w.field("regularization", t.regularization).field("iterations", t.iterations);
    w.field("converged", t.converged).endObject();
  }
  w.endArray().endObject();
  if (r.relativeError >= 0) w.field("relative_parameter_error", r.relativeError);
  if (r.weightedRelativeError >= 0)
    w.field("weighted_relative_parameter_error", r.weightedRelativeError);
  if (r.constrained)
    w.field("constraint_value", r.constraintValue)
        .field("constraint_violation", r.constraintViolation);
  w.field("estimate_at_observation_points",
          std::vector<double>(r.estimateAtObservationPoints.begin(),
                              r.estimateAtObservationPoints.end()));
  w.field("observations", problem_.dataSize());
  if (auto* tJ = problem_.transientObjective()) {
    const auto& cs = tJ->checkpointStats();
    w.key("transient").beginObject();
    w.field("parameter_space", problem_.parameterKind());
    w.field("steps", static_cast<PetscInt>(tJ->steps()));
    w.field("final_time", tJ->times().back());
    w.field("checkpoint_budget", static_cast<PetscInt>(tJ->budget()));
    w.field("peak_stored_levels", static_cast<PetscInt>(cs.peakStoredLevels));
    w.field("forward_steps", static_cast<PetscInt>(cs.forwardSteps));
    w.field("adjoint_steps", static_cast<PetscInt>(cs.adjointSteps));
    w.field("tangent_steps", static_cast<PetscInt>(cs.tangentSteps));
    w.field("output_times", std::vector<double>(s.outputTimes.begin(), s.outputTimes.end()));
    w.endObject();
  }
  PetscInt nParam = 0;
  PDEINV_CALL(VecGetSize(r.x, &nParam));
  w.field("parameter_unknowns", nParam)
      .field("state_unknowns", problem_.forward().state().globalSize());
  w.field("wall_time_s", r.wallTime).field("ranks", sizeOf(commOf(problem_)));
  // Inclusive times of each phase (PETSc log events, maximum over ranks) and peak memory.
  w.key("phase_times_s").beginObject();
  for (const auto& p : r.phases) w.field(p.name, p.seconds);
  w.endObject();
  w.key("phase_counts").beginObject(true);
  for (const auto& p : r.phases) w.field(p.name, static_cast<PetscInt>(p.count));
  w.endObject();
  w.field("peak_memory_mb", r.peakMemoryMB);
  w.endObject();
  w.finish();
}

}  // namespace pdeinv
