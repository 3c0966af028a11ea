#include "pdeinv/inverse/inverse_problem.hpp"

#include "pdeinv/core/error.hpp"

namespace pdeinv {

std::unique_ptr<InverseProblem> InverseProblem::fromOptions(MPI_Comm comm) {
  std::unique_ptr<InverseProblem> p(new InverseProblem);
  const Options opts;
  p->forward_ = SteadyProblem::fromOptions(comm);
  auto& solver = p->forward_->solver();
  const auto& V = p->forward_->state();
  const auto& P = p->forward_->parameter();
  p->map_ = parameterMapFromOptions();
  p->obs_ = observationFromOptions(V);
  p->reg_ = std::make_unique<WeightedRegularization>(regularizationFromOptions(P));

  const auto truthText = opts.findString("truth", "physical parameter generating synthetic data");
  const auto dataFile = opts.findString("data_file", "observed data file (CSV or HDF5)");
  require(truthText || dataFile, "give -truth (synthetic data) or -data_file (observed data)");
  require(!(truthText && dataFile), "give either -truth or -data_file, not both");
  const Options noise("noise_");
  const auto seed = static_cast<unsigned long>(noise.getInt("seed", 1, "seed of the noise draw"));

  Owned<Vec> clean = p->obs_->createObservationVector();
  if (truthText) {
    // Synthetic data: u(truth), observed, plus seeded Gaussian noise drawn in the original
    // observation order (the same data on any number of ranks).
    Expression truthExpr(*truthText, "-truth", P.components());
    auto phys = P.createVector();
    P.interpolate(truthExpr, phys);
    p->truth_ = P.createVector();
    p->map_->applyInverse(phys, p->truth_);
    auto u = V.createVector();
    PDEINV_CALL(VecSet(u, 0.0));
    solver.solve(phys, u);
    p->obs_->apply(u, clean);
    p->sigma_ = noiseSigmaFromOptions(clean, *p->obs_);
    const auto noisy = addGaussianNoise(p->obs_->toOriginalOrder(clean),
                                        p->obs_->toOriginalOrder(p->sigma_), seed);
    p->data_ = p->obs_->createObservationVector();
    p->obs_->fromOriginalOrder(noisy, p->data_);
  } else {
    const auto data = readObservationData(comm, *dataFile, V.dim());
    checkDataMatchesObservation(data, *p->obs_, *dataFile);
    p->data_ = p->obs_->createObservationVector();
    p->obs_->fromOriginalOrder(data.values, p->data_);
    p->sigma_ = noiseSigmaFromOptions(p->data_, *p->obs_);
  }
  const auto misfitType = opts.getString("misfit", "gaussian", "data misfit (noise model)");
  p->misfit_ = misfitRegistry().create(misfitType, p->data_, p->sigma_, Options("misfit_"));

  const std::string neutral = p->map_->name() == "identity" ? "0" : "";
  const auto initText = opts.getString(
      "m_init", neutral, "physical starting parameter (default: the map's neutral value)");
  if (!initText.empty())
    p->init_ = std::make_unique<Expression>(initText, "-m_init", P.components());
  const auto regions =
      opts.getIntArray("parameter_regions", {}, "one scalar parameter per cell-label value");
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
  p->J_ = std::make_unique<ReducedFunctional>(solver, *p->obs_, *p->misfit_, p->reg_.get(),
                                              *p->map_, p->regions_.get());
  return p;
}

Owned<Vec> InverseProblem::initialGuess() const {
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

void InverseProblem::physicalField(Vec x, Vec field) const {
  if (regions_) {
    auto m = forward_->parameter().createVector();
    regions_->embed(x, m);
    map_->apply(m, field);
  } else {
    map_->apply(x, field);
  }
}

}  // namespace pdeinv
