#include "pdeinv/inverse/parameter_map.hpp"

#include <cmath>

#include "pdeinv/core/error.hpp"

namespace pdeinv {
namespace {

// Applies f(i, arrays...) to every local entry.
template <class F>
void forEachEntry(Vec out, F&& f, std::initializer_list<Vec> in) {
  PetscInt n = 0;
  PDEINV_CALL(VecGetLocalSize(out, &n));
  std::vector<const PetscScalar*> a;
  for (Vec v : in) {
    const PetscScalar* p = nullptr;
    PDEINV_CALL(VecGetArrayRead(v, &p));
    a.push_back(p);
  }
  PetscScalar* o = nullptr;
  PDEINV_CALL(VecGetArray(out, &o));
  for (PetscInt i = 0; i < n; ++i) o[i] = f(i, a);
  PDEINV_CALL(VecRestoreArray(out, &o));
  size_t k = 0;
  for (Vec v : in) PDEINV_CALL(VecRestoreArrayRead(v, &a[k++]));
}

class IdentityMap final : public ParameterMap {
 public:
  std::string name() const override { return "identity"; }
  PetscReal g(PetscReal m) const override { return m; }
  PetscReal dg(PetscReal) const override { return 1; }
  PetscReal d2g(PetscReal) const override { return 0; }
  PetscReal inverse(PetscReal p) const override { return p; }
  bool isIdentity() const override { return true; }
};

class ExpMap final : public ParameterMap {
 public:
  std::string name() const override { return "exp"; }
  PetscReal g(PetscReal m) const override { return std::exp(m); }
  PetscReal dg(PetscReal m) const override { return std::exp(m); }
  PetscReal d2g(PetscReal m) const override { return std::exp(m); }
  PetscReal inverse(PetscReal p) const override {
    require(p > 0, "parameter map exp: the physical value " + std::to_string(p) +
                       " is not positive, so it has no logarithm");
    return std::log(p);
  }
};

// g = a + (b − a) σ(m), σ(m) = 1/(1 + e^{−m}); σ' = σ(1 − σ); σ'' = σ'(1 − 2σ).
class SigmoidMap final : public ParameterMap {
 public:
  explicit SigmoidMap(const Options& opts)
      : a_(opts.getReal("lower", 0.0, "sigmoid map: lower bound")),
        b_(opts.getReal("upper", 1.0, "sigmoid map: upper bound")) {
    require(b_ > a_, opts.flag("upper") + " must exceed " + opts.flag("lower"));
  }
  std::string name() const override { return "sigmoid"; }
  PetscReal g(PetscReal m) const override { return a_ + (b_ - a_) * s(m); }
  PetscReal dg(PetscReal m) const override { return (b_ - a_) * s(m) * (1 - s(m)); }
  PetscReal d2g(PetscReal m) const override {
    return (b_ - a_) * s(m) * (1 - s(m)) * (1 - 2 * s(m));
  }
  PetscReal inverse(PetscReal p) const override {
    require(p > a_ && p < b_, "parameter map sigmoid: the physical value " + std::to_string(p) +
                                  " is outside its bounds (" + std::to_string(a_) + ", " +
                                  std::to_string(b_) + ")");
    const PetscReal t = (p - a_) / (b_ - a_);
    return std::log(t / (1 - t));
  }

 private:
  static PetscReal s(PetscReal m) {
    // Evaluated without overflow for large |m|.
    return m >= 0 ? 1 / (1 + std::exp(-m)) : std::exp(m) / (1 + std::exp(m));
  }
  PetscReal a_, b_;
};

}  // namespace

void ParameterMap::apply(Vec m, Vec out) const {
  forEachEntry(out, [&](PetscInt i, const auto& a) { return g(a[0][i]); }, {m});
}
void ParameterMap::jacobianApply(Vec m, Vec dm, Vec out) const {
  forEachEntry(out, [&](PetscInt i, const auto& a) { return dg(a[0][i]) * a[1][i]; }, {m, dm});
}
void ParameterMap::secondDerivativeApply(Vec m, Vec v, Vec dm, Vec out) const {
  forEachEntry(out, [&](PetscInt i, const auto& a) { return d2g(a[0][i]) * a[1][i] * a[2][i]; },
               {m, v, dm});
}
void ParameterMap::applyInverse(Vec p, Vec out) const {
  forEachEntry(out, [&](PetscInt i, const auto& a) { return inverse(a[0][i]); }, {p});
}

ParameterMapRegistry& parameterMapRegistry() {
  static ParameterMapRegistry registry = [] {
    ParameterMapRegistry r("parameter map", "-param_map_type");
    r.add(
        "identity", [](const Options&) { return std::make_unique<IdentityMap>(); }, "m_phys = m");
    r.add(
        "exp", [](const Options&) { return std::make_unique<ExpMap>(); }, "m_phys = exp(m)");
    r.add(
        "sigmoid", [](const Options& o) { return std::make_unique<SigmoidMap>(o); },
        "m_phys = a + (b - a)/(1 + exp(-m))");
    return r;
  }();
  return registry;
}

std::unique_ptr<ParameterMap> parameterMapFromOptions(const Options& opts) {
  const auto type = opts.getType("param_map", "identity", "parameter map: identity, exp, sigmoid");
  return parameterMapRegistry().create(type, opts.sub("param_map_"));
}

}  // namespace pdeinv
