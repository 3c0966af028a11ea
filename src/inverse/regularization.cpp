#include "pdeinv/inverse/regularization.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <sstream>

#include "pdeinv/core/error.hpp"
#include "pdeinv/fem/forms.hpp"
#include "pdeinv/inverse/bilaplacian_prior.hpp"
#include "pdeinv/inverse/total_variation.hpp"

namespace pdeinv {
namespace {

std::string joined(const std::vector<PetscReal>& v) {
  std::ostringstream os;
  for (size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << v[i];
  return os.str();
}

class NoRegularization : public Regularization {
 public:
  std::string name() const override { return "none"; }
  PetscReal value(Vec) override { return 0; }
  void gradient(Vec, Vec g) override { PDEINV_CALL(VecSet(g, 0.0)); }
  void hessianApply(Vec, Vec, Vec out) override { PDEINV_CALL(VecSet(out, 0.0)); }
};

// R(m) = ½ (m − m0)ᵀ H (m − m0) with H assembled once:
//   ∇R(m) = H (m − m0),  ∇²R = H  (H symmetric).
// applyHessianInverse solves with H when H is invertible (a solver was given).
class QuadraticRegularization : public Regularization {
 public:
  QuadraticRegularization(std::string name, const FunctionSpace& V, Owned<Vec> m0, Owned<Mat> H,
                          std::unique_ptr<SpdSolver> inverse)
      : name_(std::move(name)),
        m0_(std::move(m0)),
        H_(std::move(H)),
        inverse_(std::move(inverse)),
        d_(V.createVector()),
        t_(V.createVector()) {}

  std::string name() const override { return name_; }
  PetscReal value(Vec m) override {
    PDEINV_CALL(VecWAXPY(d_, -1.0, m0_, m));
    PDEINV_CALL(MatMult(H_, d_, t_));
    PetscScalar dot = 0;
    PDEINV_CALL(VecDot(d_, t_, &dot));
    return 0.5 * dot;
  }
  void gradient(Vec m, Vec g) override {
    PDEINV_CALL(VecWAXPY(d_, -1.0, m0_, m));
    PDEINV_CALL(MatMult(H_, d_, g));
  }
  void hessianApply(Vec, Vec dm, Vec out) override { PDEINV_CALL(MatMult(H_, dm, out)); }
  bool applyHessianInverse(Vec r, Vec out) override {
    if (!inverse_) return false;
    inverse_->solve(r, out);
    return true;
  }

 private:
  std::string name_;
  Owned<Vec> m0_;
  Owned<Mat> H_;
  std::unique_ptr<SpdSolver> inverse_;
  Owned<Vec> d_, t_;
};

RegularizationSettings readCommon(const Options& o) {
  RegularizationSettings s;
  s.prefix = o.prefix();
  s.gamma = o.getReal("gamma", 1.0, "regularization weight γ (> 0)");
  s.m0 = o.getString("m0", "0", "centre m0 of the regularization (expression in x, y, z)");
  return s;
}
void readTheta(const Options& o, int dim, RegularizationSettings& s) {
  RegularizationSettings id;
  s.theta = o.getRealArray("theta", id.thetaOrIdentity(dim),
                           "anisotropy tensor Θ of K_Θ (dim×dim reals, row-major, symmetric "
                           "positive definite)");
}

}  // namespace

std::vector<PetscReal> RegularizationSettings::thetaOrIdentity(int dim) const {
  if (!theta.empty()) return theta;
  std::vector<PetscReal> I(static_cast<size_t>(dim * dim), 0.0);
  for (int d = 0; d < dim; ++d) I[d * dim + d] = 1.0;
  return I;
}

Owned<Vec> RegularizationSettings::interpolateM0(const FunctionSpace& V) const {
  std::string text = m0;
  if (text == "0") {
    for (int c = 1; c < V.components(); ++c) text += ",0";
  }
  auto v = V.createVector();
  V.interpolate(Expression(text, flag("m0"), V.components()), v);
  return v;
}

void RegularizationSettings::validate(int dim) const {
  require(std::isfinite(gamma) && gamma > 0,
          "option " + flag("gamma") + " must be positive, got " + joined({gamma}));
  require(std::isfinite(delta) && delta >= 0,
          "option " + flag("delta") + " must be non-negative, got " + joined({delta}));
  if (theta.empty()) return;
  const size_t n = static_cast<size_t>(dim * dim);
  require(theta.size() == n, "option " + flag("theta") + " needs " + std::to_string(n) +
                                 " values (a " + std::to_string(dim) + "×" + std::to_string(dim) +
                                 " tensor, row-major), got " + std::to_string(theta.size()) + ": " +
                                 joined(theta));
  Eigen::MatrixXd T =
      Eigen::Map<const Eigen::Matrix<PetscReal, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          theta.data(), dim, dim);
  const PetscReal scale = T.cwiseAbs().maxCoeff();
  require(
      T.allFinite() && (T - T.transpose()).cwiseAbs().maxCoeff() <= 1e-12 * scale,
      "option " + flag("theta") + " must be a symmetric tensor (row-major), got " + joined(theta));
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(T);
  const Eigen::VectorXd ev = eig.eigenvalues();
  require(ev.minCoeff() > 1e-12 * scale,
          "option " + flag("theta") + " must be positive definite, got " + joined(theta) +
              " (eigenvalues " + joined(std::vector<PetscReal>(ev.data(), ev.data() + ev.size())) +
              ")");
}

std::unique_ptr<Regularization> makeL2Regularization(const FunctionSpace& V,
                                                     const RegularizationSettings& s) {
  s.validate(V.dim());
  auto H = massMatrix(V);
  PDEINV_CALL(MatScale(H, s.gamma));
  // (γM)⁻¹ by the mass solver: the mass matrix is well conditioned.
  auto inverse = std::make_unique<SpdSolver>(
      H, s.prefix + "mass_", SpdSolver::Preconditioner::jacobi, SpdSolver::massRtol);
  return std::make_unique<QuadraticRegularization>("l2", V, s.interpolateM0(V), std::move(H),
                                                   std::move(inverse));
}

std::unique_ptr<Regularization> makeH1Regularization(const FunctionSpace& V,
                                                     const RegularizationSettings& s) {
  s.validate(V.dim());
  auto M = massMatrix(V);
  auto H = ellipticOperator(V, s, M, false);
  // With δ = 0 (and no Dirichlet conditions) H = γK_Θ annihilates constants: no inverse.
  std::unique_ptr<SpdSolver> inverse;
  if (s.delta > 0 || V.hasDirichlet()) {
    inverse = std::make_unique<SpdSolver>(H, s.prefix + "A_", SpdSolver::Preconditioner::amg,
                                          SpdSolver::operatorRtol);
  }
  return std::make_unique<QuadraticRegularization>("h1", V, s.interpolateM0(V), std::move(H),
                                                   std::move(inverse));
}

RegularizationRegistry& regularizationRegistry() {
  static RegularizationRegistry registry = [] {
    RegularizationRegistry r("regularization", "-reg_type");
    r.add(
        "none",
        [](const FunctionSpace&, const Options&) { return std::make_unique<NoRegularization>(); },
        "R = 0");
    r.add(
        "l2",
        [](const FunctionSpace& V, const Options& o) {
          return makeL2Regularization(V, readCommon(o));
        },
        "R = ½ γ ‖m − m0‖²_M");
    r.add(
        "h1",
        [](const FunctionSpace& V, const Options& o) {
          auto s = readCommon(o);
          s.delta = o.getReal("delta", 0.0, "weight δ of the L2 term (≥ 0; bilaplacian: > 0)");
          readTheta(o, V.dim(), s);
          return makeH1Regularization(V, s);
        },
        "R = ½ γ (m − m0)ᵀ K_Θ (m − m0) + ½ δ ‖m − m0‖²_M");
    r.add(
        "bilaplacian",
        [](const FunctionSpace& V, const Options& o) -> std::unique_ptr<Regularization> {
          auto s = readCommon(o);
          s.delta = o.getReal("delta", 1.0, "weight δ of the L2 term (≥ 0; bilaplacian: > 0)");
          readTheta(o, V.dim(), s);
          s.robin = o.getBool("robin", false,
                              "bilaplacian: Robin term β∫_∂Ω m v ds, β = √(γδ)/1.42, against "
                              "boundary effects");
          return std::make_unique<BiLaplacianPrior>(V, s);
        },
        "Gaussian prior N(m0, A⁻¹MA⁻¹), A = γ(−∇·Θ∇) + δ I");
    const auto smoothedL1 = [](const Options& o, SmoothedL1Settings::Kind kind) {
      SmoothedL1Settings s;
      s.kind = kind;
      s.prefix = o.prefix();
      s.gamma = o.getReal("gamma", 1.0, "regularization weight γ (> 0)");
      s.epsilon = o.getReal("epsilon", 1e-3, "tv, l1: smoothing ε of √(|Dm|² + ε) (> 0)");
      s.pcShift =
          o.getReal("pc_shift", 1.0, "tv, l1: preconditioner H + s γ/√ε M: the shift s (> 0)");
      return s;
    };
    r.add(
        "tv",
        [smoothedL1](const FunctionSpace& V, const Options& o) {
          auto s = smoothedL1(o, SmoothedL1Settings::Kind::TotalVariation);
          s.primalDual = o.getBool("primal_dual", true,
                                   "tv: primal-dual Newton Hessian (Chan–Golub–Mulet) in the "
                                   "optimizer, instead of the exact Hessian");
          return makeSmoothedL1Regularization(V, s);
        },
        "R = γ ∫ √(|∇m|² + ε) (total variation, smoothed)");
    r.add(
        "l1",
        [smoothedL1](const FunctionSpace& V, const Options& o) {
          auto s = smoothedL1(o, SmoothedL1Settings::Kind::Field);
          s.m0 = o.getString("m0", "0", "centre m0 of the regularization (expression in x, y, z)");
          return makeSmoothedL1Regularization(V, s);
        },
        "R = γ ∫ √((m − m0)² + ε) (sparsity, smoothed L1)");
    return r;
  }();
  return registry;
}

std::unique_ptr<Regularization> regularizationFromOptions(const FunctionSpace& parameter,
                                                          const Options& opts) {
  std::string list;
  for (const auto& n : regularizationRegistry().names()) list += (list.empty() ? "" : ", ") + n;
  const auto type = opts.getString("type", "h1", "regularization / prior: " + list);
  return regularizationRegistry().create(type, parameter, opts);
}

}  // namespace pdeinv
