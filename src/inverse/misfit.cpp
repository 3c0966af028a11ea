#include "pdeinv/inverse/misfit.hpp"

#include <cmath>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/random.hpp"

namespace pdeinv {

GaussianMisfit::GaussianMisfit(Vec data, Vec sigma) {
  PetscReal minSigma = 0, dataNorm = 0, sigmaNorm = 0;
  PDEINV_CALL(VecMin(sigma, nullptr, &minSigma));
  PDEINV_CALL(VecNorm(data, NORM_1, &dataNorm));
  PDEINV_CALL(VecNorm(sigma, NORM_1, &sigmaNorm));
  require(std::isfinite(dataNorm), "observation data contain NaN or Inf");
  require(std::isfinite(sigmaNorm) && minSigma > 0,
          "noise standard deviation must be positive and finite (smallest σ = " +
              std::to_string(minSigma) + ")");
  PDEINV_CALL(VecDuplicate(data, d_.out()));
  PDEINV_CALL(VecCopy(data, d_));
  PDEINV_CALL(VecDuplicate(data, invVar_.out()));
  PDEINV_CALL(VecPointwiseMult(invVar_, sigma, sigma));
  PDEINV_CALL(VecReciprocal(invVar_));
  PDEINV_CALL(VecDuplicate(data, r_.out()));
}

PetscReal GaussianMisfit::value(Vec y) {
  // ½ (y − d)ᵀ Γ⁻¹ (y − d)
  PDEINV_CALL(VecWAXPY(r_, -1.0, d_, y));
  Owned<Vec> w;
  PDEINV_CALL(VecDuplicate(r_, w.out()));
  PDEINV_CALL(VecPointwiseMult(w, r_, invVar_));
  PetscScalar v = 0;
  PDEINV_CALL(VecDot(w, r_, &v));
  return 0.5 * v;
}

void GaussianMisfit::gradient(Vec y, Vec g) {
  PDEINV_CALL(VecWAXPY(r_, -1.0, d_, y));
  PDEINV_CALL(VecPointwiseMult(g, r_, invVar_));
}

void GaussianMisfit::hessianApply(Vec, Vec dy, Vec out) {
  PDEINV_CALL(VecPointwiseMult(out, dy, invVar_));
}

MisfitRegistry& misfitRegistry() {
  static MisfitRegistry registry = [] {
    MisfitRegistry r("misfit", "-misfit_type");
    r.add(
        "gaussian",
        [](Vec d, Vec sigma, const Options&) { return std::make_unique<GaussianMisfit>(d, sigma); },
        "½ Σ ((Bu − d)/σ)², independent Gaussian noise");
    return r;
  }();
  return registry;
}

Owned<Vec> noiseSigmaFromOptions(Vec clean, const ObservationOperator& obs, const Options& opts) {
  return noiseSigmaFromOptions(
      clean, obs.size(),
      [&](const std::vector<PetscReal>& v, Vec out) { obs.fromOriginalOrder(v, out); }, opts);
}

Owned<Vec> noiseSigmaFromOptions(
    Vec clean, PetscInt nObs,
    const std::function<void(const std::vector<PetscReal>&, Vec)>& fromOriginal,
    const Options& opts) {
  const bool relativeSet = opts.isSet("relative");
  const auto sigma = opts.getRealArray(
      "sigma", {0.01}, "noise standard deviation σ: one value, or one per observation");
  const PetscReal rel =
      opts.getReal("relative", 0.0, "noise level relative to max|data|: σ = r·max|d|");
  Owned<Vec> s;
  PDEINV_CALL(VecDuplicate(clean, s.out()));
  if (relativeSet) {
    require(!opts.isSet("sigma"),
            "give either " + opts.flag("sigma") + " or " + opts.flag("relative") + ", not both");
    require(rel > 0 && std::isfinite(rel),
            opts.flag("relative") + " must be positive, got " + std::to_string(rel));
    PetscReal dmax = 0;
    PDEINV_CALL(VecNorm(clean, NORM_INFINITY, &dmax));
    require(dmax > 0, opts.flag("relative") + " needs data that are not all zero");
    PDEINV_CALL(VecSet(s, rel * dmax));
    return s;
  }
  for (size_t i = 0; i < sigma.size(); ++i) {
    require(sigma[i] > 0 && std::isfinite(sigma[i]),
            opts.flag("sigma") + " must be positive, got " + std::to_string(sigma[i]) +
                (sigma.size() > 1 ? " (entry " + std::to_string(i) + ")" : ""));
  }
  const auto n = static_cast<size_t>(nObs);
  if (sigma.size() == 1) {
    PDEINV_CALL(VecSet(s, sigma[0]));
  } else {
    require(sigma.size() == n, opts.flag("sigma") + " has " + std::to_string(sigma.size()) +
                                   " values; give one, or one per observation (" +
                                   std::to_string(n) + ")");
    fromOriginal(sigma, s);
  }
  return s;
}

std::vector<PetscReal> addGaussianNoise(const std::vector<PetscReal>& clean,
                                        const std::vector<PetscReal>& sigma, unsigned long seed) {
  require(clean.size() == sigma.size(), "addGaussianNoise: size mismatch");
  // Drawn by the observation's index (standardNormal depends on nothing else).
  std::vector<PetscReal> out(clean.size());
  for (size_t i = 0; i < clean.size(); ++i) out[i] = clean[i] + sigma[i] * standardNormal(seed, i);
  return out;
}

}  // namespace pdeinv
