#include "pdeinv/physics/elasticity.hpp"

#include <cmath>

#include "pdeinv/core/error.hpp"
#include "pdeinv/physics/ad_operator.hpp"
#include "pdeinv/physics/kernels.hpp"

namespace pdeinv {
namespace {

// constants = (lame flag, λ₀, μ₀, f_x, f_y, f_z[, θ = (λ, μ), dθ]); m = aux field 0.
// The Lamé constants per unit e^m: (λ₀, μ₀) from ν, or θ in lame mode.
void lame(PetscInt numConstants, const PetscScalar c[], PetscScalar& lam, PetscScalar& mu) {
  const bool scalars = c[0] != 0.0;
  lam = scalars ? c[numConstants - 4] : c[1];
  mu = scalars ? c[numConstants - 3] : c[2];
}

// σ = s (2μ ε(g) + λ tr ε(g) I) of a displacement gradient g[c·dim + d] = ∂u_c/∂x_d.
void stress(PetscInt dim, PetscScalar s, PetscScalar lam, PetscScalar mu, const PetscScalar* g,
            PetscScalar* sigma) {
  PetscScalar tr = 0;
  for (PetscInt d = 0; d < dim; ++d) tr += g[d * dim + d];
  for (PetscInt c = 0; c < dim; ++c)
    for (PetscInt d = 0; d < dim; ++d)
      sigma[c * dim + d] = s * (mu * (g[c * dim + d] + g[d * dim + c]) + (c == d ? lam * tr : 0));
}

// g3 of σ: s (μ(δ_fg δ_de + δ_fe δ_dg) + λ δ_fd δ_ge) at [((f·dim+g)·dim+d)·dim+e].
void tensor(PetscInt dim, PetscScalar s, PetscScalar lam, PetscScalar mu, PetscScalar* g3) {
  for (PetscInt f = 0; f < dim; ++f)
    for (PetscInt g = 0; g < dim; ++g)
      for (PetscInt d = 0; d < dim; ++d)
        for (PetscInt e = 0; e < dim; ++e)
          g3[((f * dim + g) * dim + d) * dim + e] =
              s * (mu * ((f == g && d == e) + (f == e && d == g)) + lam * (f == d && g == e));
}

void f0_u(PDEINV_POINT_F(f0)) {
  for (PetscInt c = 0; c < dim; ++c) f0[c] = -constants[3 + c];
}
void f1_u(PDEINV_POINT_F(f1)) {
  PetscScalar lam, mu;
  lame(numConstants, constants, lam, mu);
  stress(dim, std::exp(a[aOff[0]]), lam, mu, u_x, f1);
}
void g3_uu(PDEINV_POINT_G(g3)) {
  PetscScalar lam, mu;
  lame(numConstants, constants, lam, mu);
  tensor(dim, std::exp(a[aOff[0]]), lam, mu, g3);
}
// ∂f1/∂m = σ (m has one component: g2[(f·1+0)·dim+d]).
void g2_um(PDEINV_POINT_G(g2)) {
  PetscScalar lam, mu;
  lame(numConstants, constants, lam, mu);
  stress(dim, std::exp(a[aOff[0]]), lam, mu, u_x, g2);
}
// State side (a = (m, λ, du, dm)): f1 = dm σ(λ).
void w_u(PDEINV_POINT_F(f1)) {
  PetscScalar lam, mu;
  lame(numConstants, constants, lam, mu);
  stress(dim, std::exp(a[aOff[0]]) * a[aOff[NfAux - 1]], lam, mu, a_x + aOff_x[NfAux - 3], f1);
}
// Parameter side (u[] = m, a = (u, λ, du, dm)): f0 = σ(du + dm u):∇λ.
void w_m(PDEINV_POINT_F(f0)) {
  PetscScalar lam, mu, g[9] = {}, sigma[9] = {};
  lame(numConstants, constants, lam, mu);
  const PetscScalar dm = a[aOff[NfAux - 1]];
  const PetscScalar *gu = a_x + aOff_x[0], *gl = a_x + aOff_x[NfAux - 3],
                    *gdu = a_x + aOff_x[NfAux - 2];
  for (PetscInt i = 0; i < dim * dim; ++i) g[i] = gdu[i] + dm * gu[i];
  stress(dim, std::exp(u[0]), lam, mu, g, sigma);
  f0[0] = 0;
  for (PetscInt i = 0; i < dim * dim; ++i) f0[0] += sigma[i] * gl[i];
}
// ∂f1/∂λ = e^m tr ε I and ∂f1/∂μ = 2 e^m ε, and their g3 blocks.
void f1_dlambda(PDEINV_POINT_F(f1)) {
  stress(dim, std::exp(a[aOff[0]]), 1.0, 0.0, u_x, f1);
}
void f1_dmu(PDEINV_POINT_F(f1)) {
  stress(dim, std::exp(a[aOff[0]]), 0.0, 1.0, u_x, f1);
}
void g3_dlambda(PDEINV_POINT_G(g3)) {
  tensor(dim, std::exp(a[aOff[0]]), 1.0, 0.0, g3);
}
void g3_dmu(PDEINV_POINT_G(g3)) {
  tensor(dim, std::exp(a[aOff[0]]), 0.0, 1.0, g3);
}
void f0_zero(PDEINV_POINT_F(f0)) {
  for (PetscInt c = 0; c < dim; ++c) f0[c] = 0.0;
}

// The residual alone, the hand-written kernels' AD twin: f0 = −f, f1 = e^m σ(∇u).
struct ElasticityPhysics : AdPhysics {
  static constexpr const char* name = "elasticity";
  static constexpr bool linearInState = true, spdElliptic = true, symmetricJacobian = true;
  static constexpr int stateComponents(int dim) { return dim; }
  static constexpr int parameterComponents(int) { return 1; }
  template <class T>
  static void residual(const PointArgs<T>& p, T f0[], T f1[]) {
    const int dim = p.dim;
    PetscScalar lam = 0, mu = 0;
    lame(p.numConstants, p.constants, lam, mu);
    const T s = exp(p.m[0]);
    T tr(0.0);
    for (int d = 0; d < dim; ++d) tr += p.grad_u[d * dim + d];
    for (int c = 0; c < dim; ++c) {
      f0[c] = -p.constants[3 + c];
      for (int d = 0; d < dim; ++d) {
        f1[c * dim + d] = s * (mu * (p.grad_u[c * dim + d] + p.grad_u[d * dim + c]));
        if (c == d) f1[c * dim + d] += s * (lam * tr);
      }
    }
  }
};

}  // namespace

std::unique_ptr<PdeOperator> Elasticity::adTwin() const {
  return std::make_unique<AdOperator<ElasticityPhysics>>(constants());
}

ResidualKernels Elasticity::residual() const {
  return {f0_u, f1_u};
}
JacobianKernels Elasticity::stateJacobian() const {
  return {nullptr, nullptr, nullptr, g3_uu};
}
JacobianKernels Elasticity::parameterJacobian() const {
  return {nullptr, nullptr, g2_um, nullptr};
}
ResidualKernels Elasticity::secondOrderState() const {
  return {nullptr, w_u};
}
ResidualKernels Elasticity::secondOrderParameter() const {
  return {w_m, nullptr};
}

void Elasticity::setFromOptions(const Options& opts) {
  const auto kind = opts.getString("parameters", "young",
                                   "young (E = e^m, fixed Poisson ratio) or lame (global λ, μ)");
  require(kind == "young" || kind == "lame",
          opts.flag("parameters") + " must be young or lame, got '" + kind + "'");
  lame_ = kind == "lame";
  nu_ = opts.getReal("poisson_ratio", 0.3, "Poisson ratio ν, 0 < ν < 0.5 (young)");
  require(nu_ > 0 && nu_ < 0.5,
          opts.flag("poisson_ratio") + " must lie in (0, 0.5), got " + realText(nu_));
  force_ = opts.getRealArray("body_force", {0.0, -1.0}, "constant body force f");
  require(!force_.empty() && force_.size() <= 3,
          opts.flag("body_force") + " needs 1 to 3 components");
  force_.resize(3, 0.0);
  if (!lame_) return;
  lambda_ = opts.getReal("lambda", 1.0, "lame: first Lamé constant λ (default of θ_0)");
  mu_ = opts.getReal("mu", 1.0, "lame: shear modulus μ (default of θ_1)");
  require(mu_ > 0, opts.flag("mu") + " must be positive, got " + realText(mu_));
}

std::vector<PetscScalar> Elasticity::constants() const {
  return {lame_ ? 1.0 : 0.0,   nu_ / ((1 + nu_) * (1 - 2 * nu_)),
          1 / (2 * (1 + nu_)), force_[0],
          force_[1],           force_[2]};
}

std::vector<PdeOperator::ScalarParameter> Elasticity::scalarParameters(int) const {
  if (!lame_) return {};
  return {{"lambda", lambda_, "first Lamé constant"}, {"mu", mu_, "shear modulus"}};
}
std::vector<ResidualKernels> Elasticity::scalarDerivative(int) const {
  if (!lame_) return {};
  return {{nullptr, f1_dlambda}, {nullptr, f1_dmu}};
}
std::vector<ResidualKernels> Elasticity::scalarSecondDerivative(int) const {
  if (!lame_) return {};
  return {{f0_zero, nullptr}, {f0_zero, nullptr}};
}
std::vector<JacobianKernels> Elasticity::scalarStateCoupling(int) const {
  if (!lame_) return {};
  return {{nullptr, nullptr, nullptr, g3_dlambda}, {nullptr, nullptr, nullptr, g3_dmu}};
}

}  // namespace pdeinv
