// Scalar parameters that enter the operator: the Gaussian source of the Poisson operator,
// θ = (a, x0, y0), recovered from noise-free pointwise data by a few Gauss–Newton steps on the
// k×k system (gradient and Gauss–Newton Hessian columns from ReducedFunctional's scalar mode).
// That the derivatives are not only consistent (the harness checks that) but useful: the
// iteration converges quadratically to the truth.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>

#include "../test_util.hpp"
#include "pdeinv/analysis/verification.hpp"
#include "pdeinv/core/root_vector.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/physics/kernels.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

using namespace pdeinv;
using pdeinv::test::meshPath;
using pdeinv::test::ScopedOptions;

namespace {

// A test operator whose scalar multiplies the conductivity, R = ∫ θ e^m ∇u·∇v − v dx, so that
// ∂R/∂θ = ∫ e^m ∇u·∇v depends on u (∂²R/∂u∂θ ≠ 0): the coupled path of the contract.
// θ is constants[numConstants − 2] (k = 1, no operator constants).
void f0_one(PDEINV_POINT_F(f0)) {
  f0[0] = -1.0;
}
void f1_scaled(PDEINV_POINT_F(f1)) {
  const PetscScalar k = constants[numConstants - 2] * std::exp(a[aOff[0]]);
  for (PetscInt d = 0; d < dim; ++d) f1[d] = k * u_x[d];
}
void g3_scaled(PDEINV_POINT_G(g3)) {
  const PetscScalar k = constants[numConstants - 2] * std::exp(a[aOff[0]]);
  for (PetscInt d = 0; d < dim; ++d) g3[d * dim + d] = k;
}
void g2_scaled(PDEINV_POINT_G(g2)) {
  const PetscScalar k = constants[numConstants - 2] * std::exp(a[aOff[0]]);
  for (PetscInt d = 0; d < dim; ++d) g2[d] = k * u_x[d];
}

class ScaledConductivity final : public PdeOperator {
 public:
  std::string name() const override { return "scaled_conductivity"; }
  ResidualKernels residual() const override { return {f0_one, f1_scaled}; }
  JacobianKernels stateJacobian() const override { return {nullptr, nullptr, nullptr, g3_scaled}; }
  JacobianKernels parameterJacobian() const override {
    return {nullptr, nullptr, g2_scaled, nullptr};
  }
  bool linearInState() const override { return true; }
  bool scalarElliptic() const override { return true; }
  bool symmetricJacobian() const override { return true; }
  std::vector<ScalarParameter> scalarParameters(int) const override {
    return {{"scale", 1.0, "conductivity factor"}};
  }
  // ∂f1/∂θ = e^m ∇u; ∂²R/∂θ² = 0; ∂/∂u of ∂R/∂θ: g3 = e^m I.
  std::vector<ResidualKernels> scalarDerivative(int) const override {
    return {{nullptr, kernels::logDiffusionFlux}};
  }
  std::vector<ResidualKernels> scalarSecondDerivative(int) const override { return {{}}; }
  bool scalarStateCoupled() const override { return true; }
  std::vector<JacobianKernels> scalarStateCoupling(int) const override {
    return {{nullptr, nullptr, nullptr, kernels::logDiffusionFlux_du}};
  }
};

const std::string kSource = "-mesh_file " + meshPath("unit_square_coarse.msh") +
                            " -mesh_refine 1 -state_element P2 -parameter_element P1" +
                            " -state_ksp_rtol 1e-13 -poisson_source_model gaussian" +
                            " -poisson_source_width 0.15 -obs_type grid -obs_grid 6,6";
}  // namespace

TEST(ScalarParameters, gauss_newton_recovers_source_strength_and_position) {
  ScopedOptions o(kSource);
  auto p = SteadyProblem::fromOptions(PETSC_COMM_WORLD);
  auto& solver = p->solver();
  ASSERT_EQ(solver.numScalars(), 3);
  auto obs = observationFromOptions(p->state());
  // The fixed log-conductivity, and noise-free data from the true θ.
  auto m = p->parameter().createVector();
  p->parameter().interpolate(Expression("0.3*sin(3*x) + 0.5*y", "-m"), m);
  const std::vector<PetscReal> truth = {2.0, 0.35, 0.6};
  solver.setScalars(truth);
  auto u = p->state().createVector();
  PDEINV_CALL(VecSet(u, 0.0));
  solver.solve(m, u);
  auto data = obs->createObservationVector(), sigma = obs->createObservationVector();
  obs->apply(u, data);
  PDEINV_CALL(VecSet(sigma, 1e-3));
  GaussianMisfit misfit(data, sigma);
  ReducedFunctional J(solver, *obs, misfit, m);
  ASSERT_TRUE(J.scalarMode());

  auto theta = J.createParameterVector(), g = J.createParameterVector();
  auto e = J.createParameterVector(), He = J.createParameterVector();
  auto trial = J.createParameterVector();
  setRootVector(theta, {1.0, 0.5, 0.5});
  const int k = 3;
  int steps = 0;
  PetscReal J0 = J.gradient(theta, g);
  for (; steps < 15; ++steps) {
    // H = [H e_0 … H e_{k-1}] (Gauss–Newton), δ = −H⁻¹ g, halved until J decreases.
    Eigen::MatrixXd H(k, k);
    for (int j = 0; j < k; ++j) {
      std::vector<PetscReal> ej(k, 0.0);
      ej[static_cast<size_t>(j)] = 1.0;
      setRootVector(e, ej);
      J.hessianApply(theta, e, He, HessianType::GaussNewton);
      const auto col = gatherRootVector(He);
      for (int i = 0; i < k; ++i) H(i, j) = col[static_cast<size_t>(i)];
    }
    const auto gv = gatherRootVector(g);
    const Eigen::VectorXd delta = H.ldlt().solve(-Eigen::Map<const Eigen::VectorXd>(gv.data(), k));
    auto t = gatherRootVector(theta);
    PetscReal step = 1.0, Jt = 0;
    for (int halving = 0; halving < 10; ++halving, step /= 2) {
      std::vector<PetscReal> tt(t);
      for (int i = 0; i < k; ++i) tt[static_cast<size_t>(i)] += step * delta[i];
      setRootVector(trial, tt);
      Jt = J.value(trial);
      if (Jt < J0) break;
    }
    PDEINV_CALL(VecCopy(trial, theta));
    J0 = J.gradient(theta, g);
    if (delta.norm() < 1e-12) break;
  }
  const auto t = gatherRootVector(theta);
  PetscReal err = 0, ref = 0;
  for (int i = 0; i < k; ++i) {
    err = std::max(err, std::abs(t[static_cast<size_t>(i)] - truth[static_cast<size_t>(i)]));
    ref = std::max(ref, std::abs(truth[static_cast<size_t>(i)]));
  }
  if (rankOf(PETSC_COMM_WORLD) == 0) {
    std::printf(
        "gauss-newton: %d steps, theta = (%.10f, %.10f, %.10f), max rel. error %.2e, J %.2e\n",
        steps, t[0], t[1], t[2], err / ref, J0);
  }
  EXPECT_LT(err / ref, 1e-6);
  EXPECT_LE(steps, 12);
  // Every value solved once; each Hessian column one tangent and one incremental adjoint solve.
  EXPECT_EQ(J.counts().tangent, J.counts().incrementalAdjoint);
  EXPECT_GE(J.counts().adjoint, 1);
}

TEST(ScalarParameters, field_source_is_the_default_and_has_no_scalars) {
  ScopedOptions o("-mesh_faces 4,4");
  auto p = SteadyProblem::fromOptions(PETSC_COMM_WORLD);
  EXPECT_EQ(p->solver().numScalars(), 0);
  EXPECT_EQ(p->op().dataFields().size(), 1u);
}

TEST(ScalarParameters, inverse_problem_in_scalar_mode_starts_from_the_options) {
  ScopedOptions o(kSource + " -parameter_space scalars -truth_scalars 2,0.35,0.6" +
                  " -scalars_init 1.5,0.45,0.55 -noise_relative 0.01 -parameter_fixed 0.5*x");
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  EXPECT_TRUE(inv->scalarMode());
  EXPECT_EQ(inv->regularization(), nullptr);
  const auto init = gatherRootVector(inv->initialGuess());
  const auto truth = gatherRootVector(inv->truth());
  EXPECT_EQ(init, (std::vector<PetscReal>{1.5, 0.45, 0.55}));
  EXPECT_EQ(truth, (std::vector<PetscReal>{2, 0.35, 0.6}));
  // The solver is back at the operator's defaults after generating the data.
  EXPECT_EQ(inv->forward().solver().scalars(), (std::vector<PetscReal>{1, 0.5, 0.5}));
  // The functional at the truth is below the one at the start (noise only).
  EXPECT_LT(inv->objective().value(inv->truth()), inv->objective().value(inv->initialGuess()));
}

TEST(ScalarParameters, an_operator_coupling_state_and_scalars_gets_exact_newton_hessians) {
  operatorRegistry().add(
      "scaled_conductivity", [] { return std::make_unique<ScaledConductivity>(); },
      "test operator: -div(theta exp(m) grad u) = 1");
  ScopedOptions o("-mesh_file " + meshPath("unit_square_coarse.msh") +
                  " -state_element P2 -parameter_element P1 -state_ksp_rtol 1e-13" +
                  " -operator_type scaled_conductivity -obs_type grid -obs_grid 5,5" +
                  " -parameter_space scalars -truth_scalars 1.5 -scalars_init 0.8" +
                  " -parameter_fixed 0.3*sin(3*x)+0.5*y -noise_relative 0.01");
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  auto theta = inv->initialGuess();
  auto& J = inv->objective();
  ASSERT_TRUE(J.newtonAvailable());
  auto m = inv->forward().parameter().createVector();
  inv->physicalField(theta, m);
  J.value(theta);
  std::vector<CheckResult> checks = checkOperator(inv->forward().solver(), m, 5);
  for (auto& c : checkReducedFunctional(J, theta, 6)) checks.push_back(std::move(c));
  int newton = 0;
  for (const auto& c : checks) {
    EXPECT_TRUE(c.passed) << c.component << " " << c.what;
    if (c.kind == "taylor" && c.what == "hessian (newton)") {
      ++newton;
      int inRange = 0;
      for (PetscReal s : c.slope) inRange += s >= 2.9;
      EXPECT_GE(inRange, 3);
    }
  }
  EXPECT_EQ(newton, 1);
  // Without the coupling term the Newton Hessian would be wrong: it differs from Gauss-Newton.
  auto e = J.createParameterVector(), hn = J.createParameterVector(),
       hg = J.createParameterVector();
  setRootVector(e, {1.0});
  J.hessianApply(theta, e, hn, HessianType::Newton);
  J.hessianApply(theta, e, hg, HessianType::GaussNewton);
  EXPECT_GT(std::abs(gatherRootVector(hn)[0] - gatherRootVector(hg)[0]),
            1e-3 * std::abs(gatherRootVector(hg)[0]));
}
