#include "pdeinv/physics/poisson.hpp"

#include <array>
#include <cmath>
#include <sstream>

#include "pdeinv/core/error.hpp"
#include "pdeinv/physics/ad_operator.hpp"
#include "pdeinv/physics/kernels.hpp"

namespace pdeinv {
namespace {

// f0 = −f, with the source f = aux field 1.
void f0_u(PDEINV_POINT_F(f0)) {
  f0[0] = -a[aOff[1]];
}

// The Gaussian source f = a E, E = exp(−|x − c|²/(2w²)), θ = (a, c_0, …, c_{dim−1}).
// constants = (w, θ…, dθ…): see PdeOperator's scalar-parameter contract.
struct Gaussian {
  PetscReal w2 = 0, amp = 0, E = 0;
  PetscReal dx[3] = {0, 0, 0};  // (x − c) / w²
  const PetscScalar* dtheta = nullptr;
  Gaussian(PetscInt dim, const PetscReal x[], PetscInt numConstants,
           const PetscScalar constants[]) {
    const PetscInt k = dim + 1;
    const PetscScalar* theta = constants + numConstants - 2 * k;
    dtheta = constants + numConstants - k;
    w2 = constants[0] * constants[0];
    amp = theta[0];
    PetscReal r2 = 0;
    for (PetscInt d = 0; d < dim; ++d) {
      const PetscReal s = x[d] - theta[1 + d];
      r2 += s * s;
      dx[d] = s / w2;
    }
    E = std::exp(-0.5 * r2 / w2);
  }
  // ∂f/∂θ_k: ∂f/∂a = E, ∂f/∂c_d = a E (x_d − c_d)/w².
  PetscReal first(PetscInt k) const { return k == 0 ? E : amp * E * dx[k - 1]; }
  // Σ_l ∂²f/∂θ_k∂θ_l dθ_l with ∂²f/∂a² = 0, ∂²f/∂a∂c_d = E (x_d − c_d)/w²,
  // ∂²f/∂c_d∂c_e = a E ((x_d − c_d)(x_e − c_e)/w⁴ − δ_de/w²).
  PetscReal second(PetscInt dim, PetscInt k) const {
    PetscReal s = 0;
    if (k == 0) {
      for (PetscInt d = 0; d < dim; ++d) s += E * dx[d] * dtheta[1 + d];
      return s;
    }
    const PetscInt d = k - 1;
    s = E * dx[d] * dtheta[0];
    for (PetscInt e = 0; e < dim; ++e) {
      s += amp * E * (dx[d] * dx[e] - (d == e ? 1.0 / w2 : 0.0)) * dtheta[1 + e];
    }
    return s;
  }
};

void f0_gaussian(PDEINV_POINT_F(f0)) {
  const Gaussian g(dim, x, numConstants, constants);
  f0[0] = -g.amp * g.E;
}
template <int K>
void f0_gaussian_dtheta(PDEINV_POINT_F(f0)) {
  f0[0] = K <= dim ? -Gaussian(dim, x, numConstants, constants).first(K) : 0.0;
}
template <int K>
void f0_gaussian_d2theta(PDEINV_POINT_F(f0)) {
  f0[0] = K <= dim ? -Gaussian(dim, x, numConstants, constants).second(dim, K) : 0.0;
}

// One f0 kernel per scalar θ_0..θ_dim.
std::vector<ResidualKernels> perScalar(int dim, const std::array<PetscPointFunc, 4>& f0) {
  std::vector<ResidualKernels> k;
  for (int i = 0; i <= dim; ++i) k.push_back({f0[static_cast<size_t>(i)], nullptr});
  return k;
}

// −∇·(e^m ∇u) = f as a residual alone: the hand-written kernels' AD twin.
struct PoissonPhysics : AdPhysics {
  static constexpr const char* name = "poisson";
  static constexpr int numDataFields = 1;
  static constexpr bool linearInState = true, spdElliptic = true, symmetricJacobian = true;
  static constexpr int stateComponents(int) { return 1; }
  static constexpr int parameterComponents(int) { return 1; }
  static std::vector<PdeOperator::DataField> dataFields() {
    return {{"source", "1", "right-hand side f(x, y, z)"}};
  }
  template <class T>
  static void residual(const PointArgs<T>& p, T f0[], T f1[]) {
    f0[0] = -p.data[0][0];
    const T k = exp(p.m[0]);
    for (int d = 0; d < p.dim; ++d) f1[d] = k * p.grad_u[d];
  }
};

}  // namespace

std::unique_ptr<PdeOperator> PoissonLogCoefficient::adTwin() const {
  if (gaussian_) return nullptr;
  return std::make_unique<AdOperator<PoissonPhysics>>();
}

ResidualKernels PoissonLogCoefficient::residual() const {
  return {gaussian_ ? f0_gaussian : f0_u, kernels::logDiffusionFlux};
}
JacobianKernels PoissonLogCoefficient::stateJacobian() const {
  return {nullptr, nullptr, nullptr, kernels::logDiffusionFlux_du};
}

void PoissonLogCoefficient::setFromOptions(const Options& opts) {
  const auto model =
      opts.getString("source_model", "field", "source f: field (-poisson_source) or gaussian");
  require(model == "field" || model == "gaussian",
          opts.flag("source_model") + " must be field or gaussian, got '" + model + "'");
  gaussian_ = model == "gaussian";
  if (!gaussian_) return;
  strength_ = opts.getReal("source_strength", 1.0, "gaussian source: strength a (default of θ_0)");
  center_ = opts.getRealArray("source_center", {0.5, 0.5},
                              "gaussian source: centre x0,y0[,z0] (defaults of θ_1..)");
  centerFlag_ = opts.flag("source_center");
  width_ = opts.getReal("source_width", 0.1, "gaussian source: width w > 0 (fixed)");
  std::ostringstream got;
  got << width_;
  require(width_ > 0 && std::isfinite(width_),
          opts.flag("source_width") + " must be positive, got " + got.str());
}

std::vector<PdeOperator::DataField> PoissonLogCoefficient::dataFields() const {
  if (gaussian_) return {};
  return LogDiffusionOperator::dataFields();
}

std::vector<PetscScalar> PoissonLogCoefficient::constants() const {
  if (gaussian_) return {width_};
  return {};
}

std::vector<PdeOperator::ScalarParameter> PoissonLogCoefficient::scalarParameters(int dim) const {
  if (!gaussian_) return {};
  require(static_cast<int>(center_.size()) == dim,
          centerFlag_ + " has " + std::to_string(center_.size()) + " values; the mesh is " +
              std::to_string(dim) + "-D, give " + std::to_string(dim));
  std::vector<ScalarParameter> p = {{"a", strength_, "source strength"}};
  const char* names[] = {"x0", "y0", "z0"};
  for (int d = 0; d < dim; ++d) p.push_back({names[d], center_[d], "source centre"});
  return p;
}

std::vector<ResidualKernels> PoissonLogCoefficient::scalarDerivative(int dim) const {
  if (!gaussian_) return {};
  return perScalar(dim, {f0_gaussian_dtheta<0>, f0_gaussian_dtheta<1>, f0_gaussian_dtheta<2>,
                         f0_gaussian_dtheta<3>});
}

std::vector<ResidualKernels> PoissonLogCoefficient::scalarSecondDerivative(int dim) const {
  if (!gaussian_) return {};
  return perScalar(dim, {f0_gaussian_d2theta<0>, f0_gaussian_d2theta<1>, f0_gaussian_d2theta<2>,
                         f0_gaussian_d2theta<3>});
}

}  // namespace pdeinv
