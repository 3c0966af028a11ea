#include "pdeinv/problem/inverse_problem.hpp"

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/root_vector.hpp"
#include "pdeinv/inverse/xray.hpp"
#include "pdeinv/transient/transient_solver.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

namespace pdeinv {
namespace {

// A list of the operator's k scalar parameters from option `name` (InputError naming the
// option when its length is not k).
std::vector<PetscReal> readScalars(const Options& opts, const std::string& name,
                                   const PdeOperator& op, int dim, const std::string& help) {
  const auto declared = op.scalarParameters(dim);
  std::vector<PetscReal> defaults;
  std::string names;
  for (const auto& s : declared) {
    defaults.push_back(s.defaultValue);
    names += (names.empty() ? "" : ", ") + s.name;
  }
  auto v = opts.getRealArray(name, defaults, help + " (" + names + ")");
  require(v.size() == declared.size(),
          opts.flag(name) + " has " + std::to_string(v.size()) + " values; operator '" + op.name() +
              "' has " + std::to_string(declared.size()) + " scalar parameters (" + names + ")");
  return v;
}

}  // namespace

std::unique_ptr<InverseProblem> InverseProblem::create(InverseProblemSpec spec) {
  require(spec.forward != nullptr, "InverseProblemSpec::forward is missing");
  require(spec.observation != nullptr, "InverseProblemSpec::observation is missing");
  require(spec.data, "InverseProblemSpec::data is missing (the observed values)");
  require(spec.sigma, "InverseProblemSpec::sigma is missing (the noise standard deviations)");
  std::unique_ptr<InverseProblem> p(new InverseProblem);
  p->forward_ = std::move(spec.forward);
  p->obs_ = std::move(spec.observation);
  const auto& P = p->forward_->parameter();
  auto checkObsVector = [&](Vec v, const std::string& what) {
    PetscInt n = 0;
    PDEINV_CALL(VecGetSize(v, &n));
    require(n == p->obs_->size(), "InverseProblemSpec::" + what + " has " + std::to_string(n) +
                                      " entries; the observation operator has " +
                                      std::to_string(p->obs_->size()));
  };
  checkObsVector(spec.data, "data");
  p->data_ = std::move(spec.data);
  checkObsVector(spec.sigma, "sigma");
  PetscReal minSigma = 0;
  PDEINV_CALL(VecMin(spec.sigma, nullptr, &minSigma));
  require(minSigma > 0, "InverseProblemSpec::sigma must be positive, got a minimum of " +
                            std::to_string(minSigma));
  p->sigma_ = std::move(spec.sigma);
  p->misfit_ =
      spec.misfit ? std::move(spec.misfit) : std::make_unique<GaussianMisfit>(p->data_, p->sigma_);
  require(spec.regularizationWeight > 0 && std::isfinite(spec.regularizationWeight),
          "InverseProblemSpec::regularizationWeight must be positive and finite");
  auto reg = spec.regularization ? std::move(spec.regularization)
                                 : regularizationRegistry().create("none", P, Options("reg_"));
  p->reg_ = std::make_unique<WeightedRegularization>(std::move(reg), spec.regularizationWeight);
  p->map_ = spec.map ? std::move(spec.map) : parameterMapRegistry().create("identity", Options());
  p->regions_ = std::move(spec.regions);
  p->kind_ = p->regions_ ? "regions" : "field";
  p->truth_ = std::move(spec.truth);
  p->initVector_ = std::move(spec.initialGuess);
  p->J_ = std::make_unique<ReducedFunctional>(p->forward_->solver(), *p->obs_, *p->misfit_,
                                              p->reg_.get(), *p->map_, p->regions_.get());
  p->J_->setAdjointMode(spec.adjoint);
  if (p->initVector_) {
    auto like = p->J_->createParameterVector();
    PetscInt n = 0, expected = 0;
    PDEINV_CALL(VecGetSize(p->initVector_, &n));
    PDEINV_CALL(VecGetSize(like, &expected));
    require(n == expected, "InverseProblemSpec::initialGuess has " + std::to_string(n) +
                               " entries; the parameter has " + std::to_string(expected));
  }
  return p;
}

std::unique_ptr<InverseProblem> InverseProblem::fromOptions(MPI_Comm comm) {
  std::unique_ptr<InverseProblem> p(new InverseProblem);
  const Options opts;
  const auto problem =
      opts.getString("problem", "steady", "steady | transient (time-dependent, -ts_* options)");
  require(problem == "steady" || problem == "transient",
          "-problem must be steady or transient, got '" + problem + "'");
  const auto adjoint =
      opts.getString("adjoint", "implicit",
                     "steady gradients: implicit (one transpose solve at the solution) | unrolled "
                     "(through the executed Newton iterations, see ReducedFunctional)");
  require(adjoint == "implicit" || adjoint == "unrolled",
          "-adjoint must be implicit or unrolled, got '" + adjoint + "'");
  require(adjoint == "implicit" || problem == "steady",
          "-adjoint unrolled applies to steady problems (transient gradients are the exact "
          "discrete adjoint of the time stepper)");
  const auto adjointMode = adjoint == "unrolled" ? AdjointMode::Unrolled : AdjointMode::Implicit;
  p->forward_ = SteadyProblem::fromOptions(comm);
  if (problem == "transient") {
    buildTransient(*p);
    return p;
  }
  auto& solver = p->forward_->solver();
  const auto& op = p->forward_->op();
  const auto& V = p->forward_->state();
  const auto& P = p->forward_->parameter();
  p->map_ = parameterMapFromOptions();
  p->obs_ = observationFromOptions(V);

  const auto regions =
      opts.getIntArray("parameter_regions", {}, "one scalar parameter per cell-label value");
  const auto space = opts.getString("parameter_space", regions.empty() ? "field" : "regions",
                                    "what is inverted for: field, regions (one scalar per cell "
                                    "region) or scalars (the operator's scalar parameters)");
  require(space == "field" || space == "regions" || space == "scalars",
          "-parameter_space must be field, regions or scalars, got '" + space + "'");
  require(space != "regions" || !regions.empty(),
          "-parameter_space regions needs -parameter_regions v1,v2,...");
  require(space == "regions" || regions.empty(),
          "-parameter_regions does not apply to -parameter_space " + space);
  p->scalarMode_ = space == "scalars";
  p->kind_ = space;
  const int dim = V.dim();
  if (p->scalarMode_) {
    require(solver.numScalars() > 0,
            "-parameter_space scalars: operator '" + op.name() +
                "' declares no scalar parameters with these options (poisson: "
                "-poisson_source_model gaussian)");
    Expression fixed(
        opts.getString("parameter_fixed", "0", "scalar mode: the fixed physical parameter field m"),
        "-parameter_fixed", P.components());
    p->fixedField_ = P.createVector();
    P.interpolate(fixed, p->fixedField_);
  } else {
    p->reg_ = std::make_unique<WeightedRegularization>(regularizationFromOptions(P));
  }

  std::optional<std::string> truthText;
  std::optional<std::vector<PetscReal>> truthScalars;
  if (p->scalarMode_) {
    if (opts.isSet("truth_scalars")) {
      truthScalars = readScalars(opts, "truth_scalars", op, dim,
                                 "scalar parameters generating synthetic data");
    }
  } else {
    truthText = opts.findString(
        "truth", "physical parameter generating synthetic data (shepp_logan: the CT phantom)");
  }
  // A truth drawn from the prior (hIPPYlib's benchmarks do this): the seed of the draw.
  std::optional<PetscInt> truthSample;
  if (!p->scalarMode_ && opts.isSet("truth_prior_sample")) {
    truthSample = opts.getInt("truth_prior_sample", 0,
                              "seed of a prior sample used as the true parameter (instead of "
                              "-truth; Gaussian priors, -reg_type bilaplacian)");
    require(*truthSample >= 0, opts.flag("truth_prior_sample") + " must be a non-negative seed");
    require(!truthText, "give either -truth or -truth_prior_sample, not both");
  }
  const bool synthetic = truthText || truthScalars || truthSample;
  const std::string truthFlag = p->scalarMode_ ? "-truth_scalars" : "-truth";
  const auto dataFile = opts.findString("data_file", "observed data file (CSV or HDF5)");
  require(synthetic || dataFile,
          "give " + truthFlag +
              " or -truth_prior_sample (synthetic data) or -data_file (observed data)");
  require(!(synthetic && dataFile), "give either " + truthFlag + " or -data_file, not both");
  const Options noise("noise_");
  const auto seed = static_cast<unsigned long>(noise.getInt("seed", 1, "seed of the noise draw"));
  const auto misfitType = opts.getType("misfit", "gaussian", "data misfit (noise model)");

  Owned<Vec> clean = p->obs_->createObservationVector();
  if (synthetic) {
    // Synthetic data: u(truth), observed, plus seeded noise (-noise_type, by default the
    // misfit's model) drawn in the original observation order (the same data on any number
    // of ranks).
    auto phys = P.createVector();
    const auto defaults = solver.scalars();
    if (truthScalars) {
      PDEINV_CALL(VecCopy(p->fixedField_, phys));
      solver.setScalars(*truthScalars);
      p->truth_ = createRootVector(comm, solver.numScalars());
      setRootVector(p->truth_, *truthScalars);
    } else if (truthSample) {
      p->truth_ = P.createVector();
      require(p->reg_->sample(static_cast<unsigned long>(*truthSample), p->truth_),
              "-truth_prior_sample needs a Gaussian prior (-reg_type bilaplacian), not -reg_type " +
                  p->reg_->name());
      p->map_->apply(p->truth_, phys);
    } else {
      if (truthText->find("shepp_logan") != std::string::npos) {
        // The phantom on the square around the mesh's bounding box (in an expression: 4*shepp_logan
        // scales it).
        PetscReal lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
        PDEINV_CALL(DMGetBoundingBox(P.dm(), lo, hi));
        require(P.dim() == 2, "-truth shepp_logan is a 2-D phantom, the mesh is " +
                                  std::to_string(P.dim()) + "-D");
        const std::string phantom =
            "(" +
            sheppLoganExpression(0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1]),
                                 0.5 * std::max(hi[0] - lo[0], hi[1] - lo[1])) +
            ")";
        for (size_t at = truthText->find("shepp_logan"); at != std::string::npos;
             at = truthText->find("shepp_logan", at + phantom.size()))
          truthText->replace(at, 11, phantom);
      }
      Expression truthExpr(*truthText, "-truth", P.components());
      P.interpolate(truthExpr, phys);
      p->truth_ = P.createVector();
      p->map_->applyInverse(phys, p->truth_);
    }
    auto u = V.createVector();
    PDEINV_CALL(VecSet(u, 0.0));
    try {
      solver.solve(phys, u);
    } catch (const ForwardSolveFailure& e) {
      // Name the input: the true parameter, not the noise or the data that come after it.
      const std::string at = truthScalars  ? "-truth_scalars"
                             : truthSample ? "-truth_prior_sample " + std::to_string(*truthSample)
                                           : "-truth '" + *truthText + "'";
      throw ForwardSolveFailure(std::string(e.what()) +
                                " [the forward solve making synthetic data at " + at + "]");
    }
    solver.setScalars(defaults);
    p->obs_->apply(u, clean);
    p->sigma_ = noiseSigmaFromOptions(clean, *p->obs_);
    size_t outliers = 0, lowCounts = 0;
    const auto noisy =
        drawSyntheticData(p->obs_->toOriginalOrder(clean), p->obs_->toOriginalOrder(p->sigma_),
                          seed, misfitType, Options("noise_"), &outliers, &lowCounts);
    if (outliers > 0)
      PDEINV_CALL(PetscPrintf(comm, "synthetic data: %zu of %zu observations are gross outliers\n",
                              outliers, noisy.size()));
    if (lowCounts > 0)
      PDEINV_CALL(PetscPrintf(comm, "synthetic data: %zu of %zu counts are below 10\n", lowCounts,
                              noisy.size()));
    p->data_ = p->obs_->createObservationVector();
    p->obs_->fromOriginalOrder(noisy, p->data_);
  } else {
    const auto data = readObservationData(comm, *dataFile, V.dim());
    checkDataMatchesObservation(data, *p->obs_, *dataFile);
    p->data_ = p->obs_->createObservationVector();
    p->obs_->fromOriginalOrder(data.values, p->data_);
    p->sigma_ = noiseSigmaFromOptions(p->data_, *p->obs_);
  }
  p->misfit_ = misfitRegistry().create(misfitType, p->data_, p->sigma_, Options("misfit_"));

  if (p->scalarMode_) {
    p->scalarInit_ = readScalars(opts, "scalars_init", op, dim,
                                 "starting scalar parameters (default: the operator's)");
    p->J_ = std::make_unique<ReducedFunctional>(solver, *p->obs_, *p->misfit_, p->fixedField_);
    p->J_->setAdjointMode(adjointMode);
    return p;
  }
  const std::string neutral = p->map_->name() == "identity" ? "0" : "";
  const auto initText = opts.getString(
      "m_init", neutral, "physical starting parameter (default: the map's neutral value)");
  if (!initText.empty())
    p->init_ = std::make_unique<Expression>(initText, "-m_init", P.components());
  const auto regionLabel =
      opts.getString("parameter_regions_label", "Cell Sets", "cell label of -parameter_regions");
  if (!regions.empty()) {
    p->regions_ = std::make_unique<RegionParameters>(P, regionLabel, regions);
    if (p->truth_) {
      auto field = P.createVector();
      PDEINV_CALL(VecCopy(p->truth_, field));
      p->truth_ = p->regions_->createVector();
      p->regions_->regionMeans(field, p->truth_);
    }
  }
  // An equality constraint on a linear functional of the field, by a penalty added to the
  // (weighted) regularization.
  if (auto c = linearConstraintFromOptions()) {
    require(!p->regions_,
            "-constraint_mean/-constraint_integral constrain a parameter field, "
            "not region parameters");
    p->constraint_ = std::make_unique<LinearConstraintPenalty>(P, p->reg_.get(), *c);
  }
  p->J_ = std::make_unique<ReducedFunctional>(
      solver, *p->obs_, *p->misfit_, p->objectiveRegularization(), *p->map_, p->regions_.get());
  p->J_->setAdjointMode(adjointMode);
  return p;
}

void InverseProblem::buildTransient(InverseProblem& p) {
  const Options opts;
  const Options ts("ts_");
  p.transient_ = true;
  auto& fwd = *p.forward_;
  const auto& V = fwd.state();
  const auto& P = fwd.parameter();
  const auto& solver = fwd.solver();
  p.obs_ = observationFromOptions(V);
  const auto space = opts.getString("parameter_space", "field",
                                    "transient: what is inverted for: field (the operator's "
                                    "parameter) or initial_state");
  require(space == "field" || space == "initial_state",
          "-parameter_space of a transient problem must be field or initial_state, got '" + space +
              "'");
  p.kind_ = space;
  const bool initial = space == "initial_state";
  require(!opts.isSet("data_file"),
          "-data_file is not available for transient problems; give -truth (synthetic data)");
  require(!opts.isSet("parameter_regions"),
          "-parameter_regions is not available for transient problems");

  // The time grid (with -ts_adapt 1, ARKODE chooses the steps below).
  const auto grid = TimeGrid::fromOptions(ts);
  const PetscReal T = grid.finalTime;
  const auto checkpoints = ts.getString(
      "checkpoints", "all", "stored time levels of the adjoint's checkpointing: a number, or all");

  const FunctionSpace& X = initial ? V : P;  // the space of the inverted field
  // An initial state is inverted for as it is (the map is the identity).
  p.map_ =
      initial ? parameterMapRegistry().create("identity", Options()) : parameterMapFromOptions();
  p.reg_ = std::make_unique<WeightedRegularization>(regularizationFromOptions(X));
  p.transientFixed_ = (initial ? P : V).createVector();
  {
    const auto text = initial ? opts.getString("parameter_fixed", "0",
                                               "initial_state: the fixed physical field m")
                              : opts.getString("initial_state", "0", "the initial state u(0)");
    Expression e(text, initial ? "-parameter_fixed" : "-initial_state",
                 (initial ? P : V).components());
    (initial ? P : V).interpolate(e, p.transientFixed_);
  }
  const std::string neutral = initial || p.map_->name() == "identity" ? "0" : "";
  const auto initText = opts.getString(
      "m_init", neutral, "starting guess (physical field; default: the map's neutral value)");
  if (!initText.empty())
    p.init_ = std::make_unique<Expression>(initText, "-m_init", X.components());

  std::vector<PetscReal> times;
  if (!grid.adapt) {
    times = grid.fixedTimes();
  } else {
    // ARKODE's steps at the starting point, frozen from then on.
    TransientSolver arkode(fwd.operatorPtr(), V, P, solver.dataSpaces(), solver.dataValues(), grid,
                           ts);
    auto x0 = p.initialGuess();
    auto field = P.createVector();
    auto u = V.createVector();
    if (initial) {
      PDEINV_CALL(VecCopy(p.transientFixed_, field));
      PDEINV_CALL(VecCopy(x0, u));
    } else {
      p.map_->apply(x0, field);
      PDEINV_CALL(VecCopy(p.transientFixed_, u));
    }
    arkode.solve(field, u);
    times = arkode.steps();
  }
  const long N = static_cast<long>(times.size()) - 1;
  long budget = N + 1;
  if (checkpoints != "all") {
    char* end = nullptr;
    const long c = std::strtol(checkpoints.c_str(), &end, 10);
    require(
        end && *end == '\0' && !checkpoints.empty(),
        "-ts_checkpoints must be a number of stored time levels or all, got '" + checkpoints + "'");
    require(c >= 1,
            "-ts_checkpoints must be at least 1 (one stored time level), got " + checkpoints);
    budget = c;
  }

  p.stepper_ = std::make_unique<DirkStepper>(fwd.operatorPtr(), V, P, solver.dataSpaces(),
                                             solver.dataValues(), grid.table, ts);
  p.timeObs_ = std::make_unique<TimeSeriesObservation>(*p.obs_, observationTimesFromOptions(T), T);
  p.tJ_ = std::make_unique<TransientReducedFunctional>(
      *p.stepper_, *p.timeObs_, nullptr, p.reg_.get(), initial ? nullptr : p.map_.get(),
      initial ? TransientParameter::InitialState : TransientParameter::Field, p.transientFixed_,
      times, budget);

  // Synthetic data from the truth, with seeded noise drawn in the original (time-major) order.
  const auto truthText = opts.findString("truth", "the true field generating synthetic data");
  require(truthText.has_value(), "give -truth (synthetic data) for a transient problem");
  auto phys = X.createVector();
  X.interpolate(Expression(*truthText, "-truth", X.components()), phys);
  p.truth_ = X.createVector();
  if (initial) {
    PDEINV_CALL(VecCopy(phys, p.truth_));
  } else {
    p.map_->applyInverse(phys, p.truth_);
  }
  p.tJ_->value(p.truth_);
  Owned<Vec> clean;
  PDEINV_CALL(VecDuplicate(p.tJ_->predictedObservations(), clean.out()));
  PDEINV_CALL(VecCopy(p.tJ_->predictedObservations(), clean));
  const Options noise("noise_");
  const auto seed = static_cast<unsigned long>(noise.getInt("seed", 1, "seed of the noise draw"));
  const auto& tobs = *p.timeObs_;
  p.sigma_ = noiseSigmaFromOptions(
      clean, tobs.size(),
      [&](const std::vector<PetscReal>& v, Vec out) { tobs.fromOriginalOrder(v, out); });
  const auto misfitType = opts.getType("misfit", "gaussian", "data misfit (noise model)");
  const auto noisy = drawSyntheticData(tobs.toOriginalOrder(clean), tobs.toOriginalOrder(p.sigma_),
                                       seed, misfitType);
  p.data_ = tobs.createObservationVector();
  tobs.fromOriginalOrder(noisy, p.data_);
  p.misfit_ = misfitRegistry().create(misfitType, p.data_, p.sigma_, Options("misfit_"));
  p.tJ_->setMisfit(p.misfit_.get());
}

const FunctionSpace& InverseProblem::parameterSpace() const {
  return kind_ == "initial_state" ? forward_->state() : forward_->parameter();
}

PetscInt InverseProblem::dataSize() const {
  return transient_ ? timeObs_->size() : obs_->size();
}

Owned<Vec> InverseProblem::initialGuess() const {
  if (transient_) {
    const auto& X = parameterSpace();
    auto x = X.createVector();
    if (!init_) {
      PDEINV_CALL(VecSet(x, 0.0));
      return x;
    }
    auto phys = X.createVector();
    X.interpolate(*init_, phys);
    if (map_ && kind_ != "initial_state") {
      map_->applyInverse(phys, x);
    } else {
      PDEINV_CALL(VecCopy(phys, x));
    }
    return x;
  }
  if (scalarMode_) {
    auto theta = J_->createParameterVector();
    setRootVector(theta, scalarInit_);
    return theta;
  }
  if (initVector_) {
    auto x = J_->createParameterVector();
    PDEINV_CALL(VecCopy(initVector_, x));
    return x;
  }
  const auto& P = forward_->parameter();
  auto m = P.createVector();
  if (init_) {
    auto phys = P.createVector();
    P.interpolate(*init_, phys);
    map_->applyInverse(phys, m);
  } else {
    PDEINV_CALL(VecSet(m, 0.0));  // exp: e^0 = 1; sigmoid: the midpoint of the bounds
  }
  if (!regions_) return m;
  auto theta = regions_->createVector();
  regions_->regionMeans(m, theta);
  return theta;
}

void InverseProblem::operatorField(Vec x, Vec field) const {
  if (kind_ == "initial_state") {
    PDEINV_CALL(VecCopy(transientFixed_, field));
  } else {
    physicalField(x, field);
  }
}

void InverseProblem::physicalField(Vec x, Vec field) const {
  if (kind_ == "initial_state") {
    PDEINV_CALL(VecCopy(x, field));
  } else if (scalarMode_) {
    PDEINV_CALL(VecCopy(fixedField_, field));
  } else if (regions_) {
    auto m = forward_->parameter().createVector();
    regions_->embed(x, m);
    map_->apply(m, field);
  } else {
    map_->apply(x, field);
  }
}

}  // namespace pdeinv
