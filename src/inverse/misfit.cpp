#include "pdeinv/inverse/misfit.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <utility>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/random.hpp"

namespace pdeinv {

namespace {
// The checks every misfit makes of its data and (where its model has a scale) of σ.
void requireFiniteData(Vec data) {
  PetscReal dataNorm = 0;
  PDEINV_CALL(VecNorm(data, NORM_1, &dataNorm));
  require(std::isfinite(dataNorm), "observation data contain NaN or Inf");
}

void requirePositiveSigma(Vec sigma) {
  PetscReal minSigma = 0, sigmaNorm = 0;
  PDEINV_CALL(VecMin(sigma, nullptr, &minSigma));
  PDEINV_CALL(VecNorm(sigma, NORM_1, &sigmaNorm));
  require(std::isfinite(sigmaNorm) && minSigma > 0,
          "noise standard deviation must be positive and finite (smallest σ = " +
              realText(minSigma) + ")");
}
}  // namespace

GaussianMisfit::GaussianMisfit(Vec data, Vec sigma) {
  requireFiniteData(data);
  requirePositiveSigma(sigma);
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

void GaussianMisfit::residualScale(Vec s) const {
  PDEINV_CALL(VecCopy(invVar_, s));
  PDEINV_CALL(VecReciprocal(s));
  PDEINV_CALL(VecSqrtAbs(s));
}

namespace {

// Φ(y) = Σ_i φ(y_i; d_i, σ_i): a likelihood of independent observations. The terms are local
// to each rank's observations; the value is summed over the ranks.
class PointwiseMisfit : public Misfit {
 public:
  // scaled: the model has a scale σ, which must then be positive (else Φ varies on the scale 1
  // of a log-rate or logit, and σ is not used).
  PointwiseMisfit(std::string name, Vec data, Vec sigma, bool scaled)
      : name_(std::move(name)), scaled_(scaled) {
    requireFiniteData(data);
    if (scaled) requirePositiveSigma(sigma);
    for (auto [from, to] : {std::pair{data, &d_}, std::pair{sigma, &sigma_}}) {
      PDEINV_CALL(VecDuplicate(from, to->out()));
      PDEINV_CALL(VecCopy(from, *to));
    }
  }
  std::string name() const override { return name_; }
  void residualScale(Vec s) const override {
    if (scaled_) {
      PDEINV_CALL(VecCopy(sigma_, s));
    } else {
      PDEINV_CALL(VecSet(s, 1.0));
    }
  }

  PetscReal value(Vec y) override {
    PetscReal local = 0;
    forEach(y, nullptr, nullptr, [&](const Term& t, PetscReal, PetscReal&) { local += t.phi; });
    PetscReal total = 0;
    MPI_Allreduce(&local, &total, 1, MPIU_REAL, MPI_SUM,
                  PetscObjectComm(reinterpret_cast<PetscObject>(y)));
    return total;
  }
  void gradient(Vec y, Vec g) override {
    forEach(y, nullptr, g, [](const Term& t, PetscReal, PetscReal& out) { out = t.d1; });
  }
  void hessianApply(Vec y, Vec dy, Vec out) override {
    forEach(y, dy, out, [](const Term& t, PetscReal v, PetscReal& o) { o = t.d2 * v; });
  }
  void gaussNewtonApply(Vec y, Vec dy, Vec out) override {
    forEach(y, dy, out, [](const Term& t, PetscReal v, PetscReal& o) { o = t.gn * v; });
  }

 protected:
  // φ, φ', φ'' and the Gauss–Newton weight at one observation.
  struct Term {
    PetscReal phi, d1, d2, gn;
  };
  virtual Term term(PetscReal y, PetscReal d, PetscReal sigma) const = 0;

  // Checks every local datum with ok(d); the message names the value of the first bad one
  // (by the data vector's layout; its index there is not the user's observation order, so
  // only the value is named).
  void requireData(const std::function<bool(PetscReal)>& ok, const std::string& what) const {
    const PetscScalar* d = nullptr;
    PetscInt n = 0, first = 0;
    PDEINV_CALL(VecGetLocalSize(d_, &n));
    PDEINV_CALL(VecGetOwnershipRange(d_, &first, nullptr));
    PDEINV_CALL(VecGetArrayRead(d_, &d));
    PetscInt bad = -1;
    PetscReal badValue = 0;
    for (PetscInt i = 0; i < n && bad < 0; ++i)
      if (!ok(d[i])) bad = first + i, badValue = d[i];
    PDEINV_CALL(VecRestoreArrayRead(d_, &d));
    PetscInt firstBad = bad < 0 ? PETSC_MAX_INT : bad;
    MPI_Allreduce(MPI_IN_PLACE, &firstBad, 1, MPIU_INT, MPI_MIN,
                  PetscObjectComm(reinterpret_cast<PetscObject>(d_.get())));
    if (firstBad == PETSC_MAX_INT) return;
    // The owner of the first bad datum knows its value; share it.
    PetscReal v = bad == firstBad ? badValue : 0;
    MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPIU_REAL, MPI_SUM,
                  PetscObjectComm(reinterpret_cast<PetscObject>(d_.get())));
    throw InputError("-misfit_type " + name_ + " needs " + what + ", but the data contain " +
                     realText(v));
  }

 private:
  template <class F>
  void forEach(Vec y, Vec v, Vec out, F&& f) {
    const PetscScalar *py = nullptr, *pd = nullptr, *ps = nullptr, *pv = nullptr;
    PetscScalar* po = nullptr;
    PetscInt n = 0;
    PDEINV_CALL(VecGetLocalSize(y, &n));
    PDEINV_CALL(VecGetArrayRead(y, &py));
    PDEINV_CALL(VecGetArrayRead(d_, &pd));
    PDEINV_CALL(VecGetArrayRead(sigma_, &ps));
    if (v) PDEINV_CALL(VecGetArrayRead(v, &pv));
    if (out) PDEINV_CALL(VecGetArray(out, &po));
    PetscReal scratch = 0;
    for (PetscInt i = 0; i < n; ++i)
      f(term(py[i], pd[i], ps[i]), pv ? pv[i] : 0.0, po ? po[i] : scratch);
    if (out) PDEINV_CALL(VecRestoreArray(out, &po));
    if (v) PDEINV_CALL(VecRestoreArrayRead(v, &pv));
    PDEINV_CALL(VecRestoreArrayRead(sigma_, &ps));
    PDEINV_CALL(VecRestoreArrayRead(d_, &pd));
    PDEINV_CALL(VecRestoreArrayRead(y, &py));
  }

  std::string name_;
  bool scaled_;
  Owned<Vec> d_, sigma_;
};

PetscReal requirePositive(const Options& opts, const std::string& name, PetscReal v) {
  require(v > 0 && std::isfinite(v),
          opts.flag(name) + " must be positive and finite, got " + realText(v));
  return v;
}

class LaplaceMisfit final : public PointwiseMisfit {
 public:
  LaplaceMisfit(Vec d, Vec sigma, const Options& opts)
      : PointwiseMisfit("laplace", d, sigma, true),
        s_(requirePositive(opts, "laplace_smoothing",
                           opts.getReal("laplace_smoothing", 0.1,
                                        "smoothing ε/σ of the laplace misfit √(r² + ε²)"))) {}

 private:
  Term term(PetscReal y, PetscReal d, PetscReal sigma) const override {
    const PetscReal b = sigma / std::sqrt(2.0), eps = s_ * sigma, r = y - d;
    const PetscReal q = std::hypot(r, eps);
    return {(q - eps) / b, r / (b * q), eps * eps / (b * q * q * q), 1.0 / (b * q)};
  }
  PetscReal s_;
};

class HuberMisfit final : public PointwiseMisfit {
 public:
  HuberMisfit(Vec d, Vec sigma, const Options& opts)
      : PointwiseMisfit("huber", d, sigma, true),
        delta_(requirePositive(
            opts, "huber_delta",
            opts.getReal("huber_delta", 1.345,
                         "threshold δ of the huber misfit, in standard deviations"))) {}

 private:
  Term term(PetscReal y, PetscReal d, PetscReal sigma) const override {
    const PetscReal r = y - d, c = delta_ * sigma, iv = 1.0 / (sigma * sigma);
    if (std::abs(r) <= c) return {0.5 * r * r * iv, r * iv, iv, iv};
    return {(c * std::abs(r) - 0.5 * c * c) * iv, std::copysign(c, r) * iv, 0.0, 0.0};
  }
  PetscReal delta_;
};

class StudentTMisfit final : public PointwiseMisfit {
 public:
  StudentTMisfit(Vec d, Vec sigma, const Options& opts)
      : PointwiseMisfit("student_t", d, sigma, true),
        nu_(requirePositive(
            opts, "nu", opts.getReal("nu", 4.0, "degrees of freedom ν of the student_t misfit"))) {}

 private:
  Term term(PetscReal y, PetscReal d, PetscReal sigma) const override {
    const PetscReal r = y - d, a = nu_ * sigma * sigma, q = a + r * r;
    const PetscReal d2 = (nu_ + 1) * (a - r * r) / (q * q);
    return {0.5 * (nu_ + 1) * std::log1p(r * r / a), (nu_ + 1) * r / q, d2, std::max(d2, 0.0)};
  }
  PetscReal nu_;
};

class PoissonMisfit final : public PointwiseMisfit {
 public:
  PoissonMisfit(Vec d, Vec sigma) : PointwiseMisfit("poisson", d, sigma, false) {
    requireData([](PetscReal v) { return v >= 0 && v == std::floor(v); },
                "counts (non-negative integers) as data");
  }

 private:
  Term term(PetscReal y, PetscReal d, PetscReal) const override {
    const PetscReal lambda = std::exp(y);
    // λ − d − d log(λ/d) = λ − d − d (y − log d), with 0 log 0 = 0.
    const PetscReal phi = d > 0 ? lambda - d - d * (y - std::log(d)) : lambda;
    return {phi, lambda - d, lambda, lambda};
  }
};

class BernoulliMisfit final : public PointwiseMisfit {
 public:
  BernoulliMisfit(Vec d, Vec sigma) : PointwiseMisfit("bernoulli", d, sigma, false) {
    requireData([](PetscReal v) { return v == 0 || v == 1; }, "binary data (0 or 1)");
  }

 private:
  Term term(PetscReal y, PetscReal d, PetscReal) const override {
    // log(1 + e^y) without overflow; p = 1/(1 + e^−y).
    const PetscReal softplus = std::max(y, 0.0) + std::log1p(std::exp(-std::abs(y)));
    const PetscReal p = y >= 0 ? 1 / (1 + std::exp(-y)) : std::exp(y) / (1 + std::exp(y));
    return {softplus - d * y, p - d, p * (1 - p), p * (1 - p)};
  }
};

}  // namespace

MisfitRegistry& misfitRegistry() {
  static MisfitRegistry registry = [] {
    MisfitRegistry r("misfit", "-misfit_type");
    r.add(
        "gaussian",
        [](Vec d, Vec sigma, const Options&) { return std::make_unique<GaussianMisfit>(d, sigma); },
        "½ Σ ((Bu − d)/σ)², independent Gaussian noise");
    r.add(
        "laplace",
        [](Vec d, Vec s, const Options& o) { return std::make_unique<LaplaceMisfit>(d, s, o); },
        "Σ |Bu − d|/b, Laplace noise (b = σ/√2), smoothed: -misfit_laplace_smoothing");
    r.add(
        "huber",
        [](Vec d, Vec s, const Options& o) { return std::make_unique<HuberMisfit>(d, s, o); },
        "Huber's loss, quadratic within δσ and linear beyond (-misfit_huber_delta)");
    r.add(
        "student_t",
        [](Vec d, Vec s, const Options& o) { return std::make_unique<StudentTMisfit>(d, s, o); },
        "Student-t noise with ν degrees of freedom (-misfit_nu): heavy tails");
    r.add(
        "poisson",
        [](Vec d, Vec s, const Options&) { return std::make_unique<PoissonMisfit>(d, s); },
        "counts d ~ Poisson(e^{Bu}) (log link)");
    r.add(
        "bernoulli",
        [](Vec d, Vec s, const Options&) { return std::make_unique<BernoulliMisfit>(d, s); },
        "binary d ~ Bernoulli(1/(1 + e^{−Bu})) (logit link), cross-entropy");
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

namespace {

// Uniforms and normals of observation i's draw: the k-th number of the stream keyed by
// (seed, purpose, i). Written here rather than taken from <random>: its distributions are not
// specified to give the same numbers across standard libraries, and a draw must depend on
// (seed, i) alone.
struct KeyedStream {
  std::uint64_t seed;
  std::uint64_t key;
  std::uint64_t k = 0;
  PetscReal uniform() { return uniform01(seed, combineKeys(key, k++)); }
  PetscReal normal() { return standardNormal(seed, combineKeys(key, k++)); }
};

// Gamma(α, 1) by Marsaglia and Tsang (2000); α < 1 through Gamma(α + 1) U^{1/α}.
PetscReal gammaDraw(PetscReal alpha, KeyedStream& rs) {
  if (alpha < 1) return gammaDraw(alpha + 1, rs) * std::pow(rs.uniform(), 1 / alpha);
  const PetscReal d = alpha - 1.0 / 3.0, c = 1 / std::sqrt(9 * d);
  for (;;) {
    const PetscReal x = rs.normal(), t = 1 + c * x;
    if (t <= 0) continue;
    const PetscReal v = t * t * t, u = rs.uniform();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
  }
}

// Poisson(λ): inversion of the distribution function for λ < 30, else Hörmann's transformed
// rejection with squeeze (PTRS, 1993), exact for every λ.
PetscReal poissonDraw(PetscReal lambda, KeyedStream& rs) {
  if (lambda < 30) {
    PetscReal u = rs.uniform(), p = std::exp(-lambda), k = 0;
    while (u > p && k < 1000) {
      u -= p;
      k += 1;
      p *= lambda / k;
    }
    return k;
  }
  const PetscReal slam = std::sqrt(lambda), loglam = std::log(lambda);
  const PetscReal b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  const PetscReal invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const PetscReal u = rs.uniform() - 0.5, v = rs.uniform(), us = 0.5 - std::abs(u);
    const PetscReal k = std::floor((2 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <=
        -lambda + k * loglam - std::lgamma(k + 1))
      return k;
  }
}

}  // namespace

std::vector<PetscReal> drawSyntheticData(const std::vector<PetscReal>& clean,
                                         const std::vector<PetscReal>& sigma, unsigned long seed,
                                         const std::string& misfitType, const Options& opts,
                                         size_t* outliers, size_t* lowCounts) {
  require(clean.size() == sigma.size(), "drawSyntheticData: size mismatch");
  const std::vector<std::string> types = {"gaussian", "laplace", "student_t", "poisson",
                                          "bernoulli"};
  const bool known = std::find(types.begin(), types.end(), misfitType) != types.end();
  const auto type = opts.getString(
      "type", known ? misfitType : "gaussian",
      "noise model of synthetic data: gaussian, laplace, student_t, poisson or bernoulli "
      "(default: the misfit's)");
  require(std::find(types.begin(), types.end(), type) != types.end(),
          "unknown noise model '" + type + "' (" + opts.flag("type") +
              "); available: gaussian, laplace, student_t, poisson, bernoulli");
  const PetscReal fraction = opts.getReal(
      "outlier_fraction", 0.0, "fraction of the synthetic observations made gross outliers");
  require(fraction >= 0 && fraction < 1,
          opts.flag("outlier_fraction") + " must be in [0, 1), got " + realText(fraction));
  const PetscReal size = requirePositive(
      opts, "outlier_size",
      opts.getReal("outlier_size", 20.0, "size of an outlier's error, in standard deviations"));
  const bool counts = type == "poisson" || type == "bernoulli";
  require(!(counts && fraction > 0), opts.flag("outlier_fraction") +
                                         " needs a noise model with "
                                         "a scale (gaussian, laplace, student_t), not " +
                                         type);
  const PetscReal nu =
      type == "student_t"
          ? requirePositive(opts, "nu",
                            opts.getReal("nu", 4.0, "degrees of freedom ν of student_t noise"))
          : 0.0;
  const bool logCounts =
      opts.getBool("log_counts", false,
                   "poisson noise: the data are log(max(c, 1/2)) of the counts c (CT's post-log "
                   "data, for a least-squares reconstruction)");
  require(!logCounts || type == "poisson", opts.flag("log_counts") + " needs poisson noise (" +
                                               opts.flag("type") + " poisson), got " + type);
  if (outliers) *outliers = 0;
  if (lowCounts) *lowCounts = 0;
  // The noise draw: Gaussian exactly addGaussianNoise's numbers, the others keyed streams.
  std::vector<PetscReal> out;
  const std::uint64_t noiseKey = 0x6e6f697365ull, outlierKey = 0x6f75746c6965ull;
  if (type == "gaussian") {
    out = addGaussianNoise(clean, sigma, seed);
  } else {
    out.resize(clean.size());
    for (size_t i = 0; i < clean.size(); ++i) {
      KeyedStream rs{seed, combineKeys(noiseKey, i)};
      const PetscReal c = clean[i], s = sigma[i];
      if (type == "laplace") {
        const PetscReal u = rs.uniform() - 0.5;
        out[i] = c - s / std::sqrt(2.0) * std::copysign(std::log(1 - 2 * std::abs(u)), u);
      } else if (type == "student_t") {
        out[i] = c + s * rs.normal() / std::sqrt(2 * gammaDraw(nu / 2, rs) / nu);
      } else if (type == "poisson") {
        out[i] = poissonDraw(std::exp(c), rs);
        if (lowCounts && out[i] < 10) ++*lowCounts;
        if (logCounts) out[i] = std::log(std::max<PetscReal>(out[i], 0.5));
      } else {
        out[i] = rs.uniform() < 1 / (1 + std::exp(-c)) ? 1.0 : 0.0;
      }
    }
  }
  // The outliers: the round(f·N) observations whose keyed uniforms are smallest (an exact
  // count, chosen the same way on any number of ranks), each clean ± a σ.
  if (fraction > 0) {
    std::vector<std::pair<PetscReal, size_t>> order(clean.size());
    for (size_t i = 0; i < clean.size(); ++i)
      order[i] = {uniform01(seed, combineKeys(outlierKey, i)), i};
    const auto k = static_cast<size_t>(std::llround(fraction * static_cast<double>(clean.size())));
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end());
    for (size_t j = 0; j < k; ++j) {
      const size_t i = order[j].second;
      const bool down = uniform01(seed, combineKeys(outlierKey + 1, i)) < 0.5;
      out[i] = clean[i] + (down ? -size : size) * sigma[i];
    }
    if (outliers) *outliers = k;
  }
  return out;
}

}  // namespace pdeinv
