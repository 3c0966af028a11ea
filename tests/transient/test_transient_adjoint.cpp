// The exact discrete adjoint of the DIRK schemes (DirkStepper, TransientReducedFunctional) on the
// heat equation: pdeinv's stepper against ARKODE, Taylor tests of the gradient with respect to
// the conductivity field and the initial state for every tableau with fixed and with adaptive
// (ARKODE-chosen, then frozen) steps, the space-time tangent/adjoint dot product, schedule
// invariance of binomial checkpointing, the Gauss–Newton Hessian, and bad input — at 1 and 2
// ranks.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "heat_fixture.hpp"
#include "pdeinv/analysis/derivative_check.hpp"
#include "pdeinv/analysis/verification.hpp"
#include "pdeinv/inverse/observation.hpp"
#include "pdeinv/physics/pde_operator.hpp"
#include "pdeinv/transient/checkpointing.hpp"
#include "pdeinv/transient/dirk_stepper.hpp"
#include "pdeinv/transient/transient_functional.hpp"

using namespace pdeinv;
using pdeinv::test::Heat;
using pdeinv::test::ScopedOptions;

namespace {

constexpr PetscReal kT = 0.05;

std::vector<PetscReal> uniformTimes(PetscReal T, int n) {
  std::vector<PetscReal> t;
  for (int i = 0; i <= n; ++i) t.push_back(T * i / n);
  t.back() = T;
  return t;
}

// A whole transient inverse problem on the heat fixture: sensors at 5 points, 3 observation
// times (two inside the interval, one at the end), Gaussian misfit against made-up data.
struct Problem {
  Heat heat;
  std::unique_ptr<DirkStepper> stepper;
  std::unique_ptr<ObservationOperator> B;
  std::unique_ptr<TimeSeriesObservation> obs;
  std::unique_ptr<GaussianMisfit> misfit;
  std::unique_ptr<TransientReducedFunctional> J;
  Owned<Vec> data, sigma;

  // op: "poisson" (the heat equation, m = log-conductivity) or "advection_diffusion_source"
  // (m = the source of an advection–diffusion equation).
  Problem(const std::string& tableau, TransientParameter what, std::vector<PetscReal> times,
          long budget, const std::string& op = "poisson", const std::string& boundaryValue = "0")
      : heat(8, boundaryValue) {
    if (op == "poisson") {
      stepper = std::make_unique<DirkStepper>(heat.op, *heat.V, *heat.P,
                                              std::vector<const FunctionSpace*>{heat.F.get()},
                                              std::vector<Vec>{heat.f}, dirkTableau(tableau));
    } else {
      std::shared_ptr<PdeOperator> other = operatorRegistry().create(op);
      other->setFromOptions(Options(op + "_"));
      std::vector<const FunctionSpace*> spaces;
      std::vector<Vec> values;
      if (!other->dataFields().empty()) spaces = {heat.F.get()}, values = {heat.f};  // f = 0
      stepper = std::make_unique<DirkStepper>(other, *heat.V, *heat.P, spaces, values,
                                              dirkTableau(tableau));
    }
    B = makePointObservation(
        *heat.V, {{0.3, 0.3, 0}, {0.5, 0.5, 0}, {0.7, 0.3, 0}, {0.25, 0.8, 0}, {0.6, 0.65, 0}},
        "sensors");
    obs = std::make_unique<TimeSeriesObservation>(*B, std::vector<PetscReal>{0.013, 0.031, kT}, kT);
    data = obs->createObservationVector();
    sigma = obs->createObservationVector();
    std::vector<PetscReal> values;  // the same data whatever the partition
    for (PetscInt i = 0; i < obs->size(); ++i) values.push_back(0.1 * std::sin(1.0 + i));
    obs->fromOriginalOrder(values, data);
    PDEINV_CALL(VecSet(sigma, 0.05));
    misfit = std::make_unique<GaussianMisfit>(data, sigma);
    // Field mode: u_0 fixed (the fixture's sine); initial-state mode: m fixed = 0.3 x.
    Owned<Vec> fixed;
    if (what == TransientParameter::Field) {
      fixed = heat.V->createVector();
      PDEINV_CALL(VecCopy(heat.u0, fixed));
    } else {
      fixed = heat.P->createVector();
      heat.P->interpolate(Expression("0.3*x", "m"), fixed);
    }
    J = std::make_unique<TransientReducedFunctional>(*stepper, *obs, misfit.get(), nullptr, nullptr,
                                                     what, fixed, std::move(times), budget);
  }
  // A point to differentiate at: m = 0.4 sin(2x) y, or u_0 = the sine plus a bump.
  Owned<Vec> point() {
    auto x = J->createParameterVector();
    if (J->what() == TransientParameter::Field) {
      heat.P->interpolate(Expression("0.4*sin(2*x)*y", "m"), x);
    } else {
      heat.V->interpolate(Expression("sin(3.14159*x)*sin(3.14159*y) + x*y*(1-x)*(1-y)", "u0"), x);
    }
    return x;
  }
};

// Steps chosen adaptively by ARKODE (then frozen).
std::vector<PetscReal> adaptiveTimes(const std::string& tableau) {
  Heat h;
  ScopedOptions o("-ts_final_time " + std::to_string(kT) +
                  " -ts_adapt 1 -ts_rtol 1e-4 -ts_dt 1e-3 "
                  "-ts_tableau " +
                  tableau);
  auto s = h.solver();
  auto u = h.V->createVector();
  PDEINV_CALL(VecCopy(h.u0, u));
  s->solve(h.m, u);
  return s->steps();
}

TEST(TransientAdjoint, StepperMatchesArkode) {
  for (const auto& tableau : dirkTableauNames()) {
    Heat h;
    const auto uArk = h.run("-ts_final_time 0.05 -ts_dt 0.005 -ts_tableau " + tableau);
    DirkStepper st(h.op, *h.V, *h.P, {h.F.get()}, {h.f}, dirkTableau(tableau));
    st.setParameter(h.m);
    auto u = h.V->createVector(), next = h.V->createVector();
    PDEINV_CALL(VecCopy(h.u0, u));
    const auto t = uniformTimes(0.05, 10);
    for (size_t n = 0; n + 1 < t.size(); ++n) {
      st.step(t[n], t[n + 1] - t[n], u, next, nullptr);
      PDEINV_CALL(VecCopy(next, u));
    }
    const PetscReal d = relativeDifference(u, uArk);
    PetscPrintf(PETSC_COMM_WORLD,
                "%s: pdeinv stepper vs ARKODE, 10 fixed steps: relative difference %.2e\n",
                tableau.c_str(), d);
    EXPECT_LT(d, 1e-8) << tableau;
  }
}

// Taylor test of the gradient of p's functional at its point in a random direction (scaled
// by 0.3 for an initial state); prints the slopes under `label`.
void expectTaylor(Problem& p, unsigned long seed, const std::string& label) {
  auto x = p.point();
  auto v = p.J->createParameterVector();
  fillRandom(v, seed);
  if (p.J->what() == TransientParameter::InitialState) PDEINV_CALL(VecScale(v, 0.3));
  const auto r = checkGradient(*p.J, x, v, halvingSteps(0.1, 8));
  PetscPrintf(PETSC_COMM_WORLD, "%s (%ld steps): slopes", label.c_str(), p.J->steps());
  for (auto s : r.slope) PetscPrintf(PETSC_COMM_WORLD, " %.3f", static_cast<double>(s));
  PetscPrintf(PETSC_COMM_WORLD, "\n");
  EXPECT_TRUE(r.passed) << label;
}

std::string whatName(TransientParameter what) {
  return what == TransientParameter::Field ? "conductivity" : "initial state";
}

void taylor(const std::string& tableau, TransientParameter what, bool adaptive,
            const std::string& boundaryValue = "0") {
  const auto times = adaptive ? adaptiveTimes(tableau) : uniformTimes(kT, 12);
  Problem p(tableau, what, times, 4, "poisson", boundaryValue);
  expectTaylor(p, 11,
               tableau + ", " + whatName(what) + ", " + (adaptive ? "adaptive" : "fixed") +
                   " steps" + (boundaryValue == "0" ? "" : ", u = " + boundaryValue));
}

// The source field of advection–diffusion: J is quadratic in it (linear PDE).
TEST(TransientAdjoint, TaylorSource) {
  for (const auto& t : dirkTableauNames()) {
    for (bool adaptive : {false, true}) {
      const auto times = adaptive ? adaptiveTimes(t) : uniformTimes(kT, 12);
      Problem p(t, TransientParameter::Field, times, 4, "advection_diffusion_source");
      expectTaylor(p, 13, t + ", source, " + (adaptive ? "adaptive" : "fixed") + " steps");
    }
  }
}

// An operator nonlinear in u: every stage is a Newton solve (SNES), the adjoint transposes the
// stage Jacobians at the recorded stage values.
TEST(TransientAdjoint, TaylorNonlinearDiffusion) {
  for (const auto& t : dirkTableauNames()) {
    for (auto what : {TransientParameter::Field, TransientParameter::InitialState}) {
      Problem p(t, what, uniformTimes(kT, 8), 3, "nonlinear_diffusion");
      expectTaylor(p, 19, t + ", nonlinear diffusion, " + whatName(what));
    }
  }
}

TEST(TransientAdjoint, TaylorConductivityFixed) {
  for (const auto& t : dirkTableauNames()) taylor(t, TransientParameter::Field, false);
}
// Non-zero Dirichlet values: they enter ∂R/∂m (through u), i.e. the conductivity's gradient.
TEST(TransientAdjoint, TaylorConductivityBoundaryValues) {
  taylor("esdirk3", TransientParameter::Field, false, "1+x*y");
}
TEST(TransientAdjoint, TaylorConductivityAdaptive) {
  for (const auto& t : dirkTableauNames()) taylor(t, TransientParameter::Field, true);
}
TEST(TransientAdjoint, TaylorInitialStateFixed) {
  for (const auto& t : dirkTableauNames()) taylor(t, TransientParameter::InitialState, false);
}
TEST(TransientAdjoint, TaylorInitialStateAdaptive) {
  for (const auto& t : dirkTableauNames()) taylor(t, TransientParameter::InitialState, true);
}

// ⟨(∂d/∂x) dx, r⟩ = ⟨dx, (∂d/∂x)ᵀ r⟩ over the whole space-time trajectory.
TEST(TransientAdjoint, SpaceTimeDotProduct) {
  // (the last case with non-zero Dirichlet values, which enter the conductivity's gradient)
  const std::vector<std::tuple<TransientParameter, std::string, std::string>> cases = {
      {TransientParameter::Field, "poisson", "0"},
      {TransientParameter::InitialState, "poisson", "0"},
      {TransientParameter::Field, "advection_diffusion_source", "0"},
      {TransientParameter::Field, "poisson", "1+x*y"},
      {TransientParameter::Field, "nonlinear_diffusion", "0"},
      {TransientParameter::InitialState, "nonlinear_diffusion", "0"}};
  for (const auto& [what, op, boundary] : cases) {
    for (const auto& tableau : dirkTableauNames()) {
      Problem p(tableau, what, uniformTimes(kT, 9), 3, op, boundary);
      auto x = p.point();
      auto dx = p.J->createParameterVector(), ATr = p.J->createParameterVector();
      auto dd = p.obs->createObservationVector(), r = p.obs->createObservationVector();
      fillRandom(dx, 3);
      fillRandom(r, 4);
      p.J->predictionTangent(x, dx, dd);
      p.J->predictionAdjoint(x, r, ATr);
      PetscScalar lhs = 0, rhs = 0;
      PDEINV_CALL(VecDot(dd, r, &lhs));
      PDEINV_CALL(VecDot(dx, ATr, &rhs));
      const PetscReal rel = std::abs(lhs - rhs) / std::max(std::abs(lhs), std::abs(rhs));
      PetscPrintf(PETSC_COMM_WORLD,
                  "%s, %s, %s: <J dx, r> = %.15e, <dx, J^T r> = %.15e, relative %.2e\n",
                  tableau.c_str(), op.c_str(),
                  what == TransientParameter::Field ? "field" : "initial state", PetscRealPart(lhs),
                  PetscRealPart(rhs), rel);
      EXPECT_LT(rel, 1e-10) << tableau;
    }
  }
}

// The gradient does not depend on the checkpoint budget; memory does.
TEST(TransientAdjoint, ScheduleInvariance) {
  const int N = 40;
  Owned<Vec> reference;
  Problem p("esdirk3", TransientParameter::Field, uniformTimes(kT, N), N + 1);
  auto x = p.point();
  for (long budget : {long(N + 1), 10L, 3L, 1L}) {
    p.J->setBudget(budget);
    p.J->resetCheckpointStats();
    auto g = p.J->createParameterVector();
    p.J->gradient(x, g);
    const auto& s = p.J->checkpointStats();
    PetscPrintf(
        PETSC_COMM_WORLD,
        "budget %3ld: forward steps %4ld (N = %d), adjoint steps %ld, peak stored levels %ld\n",
        budget, s.forwardSteps, N, s.adjointSteps, s.peakStoredLevels);
    EXPECT_LE(s.peakStoredLevels, budget);
    EXPECT_EQ(s.adjointSteps, N);
    if (!reference) {
      reference = std::move(g);
      EXPECT_EQ(s.forwardSteps, N);
      continue;
    }
    const PetscReal d = relativeDifference(g, reference);
    PetscPrintf(PETSC_COMM_WORLD,
                "            gradient relative difference to storing everything: %.2e\n", d);
    EXPECT_LE(d, 1e-12) << budget;
  }
}

TEST(TransientAdjoint, BinomialArithmetic) {
  EXPECT_EQ(binomialBeta(3, 2), 10);
  EXPECT_EQ(binomialBeta(10, 3), 286);
  EXPECT_EQ(binomialRepetitions(66, 10), 2);   // β(10,2) = 66
  EXPECT_EQ(binomialRepetitions(100, 10), 3);  // 66 < 100 ≤ β(10,3) = 286
  EXPECT_EQ(binomialRepetitions(10, 100), 1);
  EXPECT_EQ(binomialSplit(5, 10), 1);
  for (long l = 2; l < 200; ++l)
    for (long c = 2; c < 12; ++c) {
      const auto d = binomialSplit(l, c);
      EXPECT_GE(d, 1);
      EXPECT_LT(d, l);
    }
}

TEST(TransientAdjoint, GaussNewtonHessian) {
  for (auto what : {TransientParameter::Field, TransientParameter::InitialState}) {
    Problem p("esdirk3", what, uniformTimes(kT, 10), 4);
    auto x = p.point();
    auto a = p.J->createParameterVector(), b = p.J->createParameterVector();
    fillRandom(a, 21);
    fillRandom(b, 22);
    const auto sym = checkHessianSymmetry(*p.J, x, a, b, HessianType::GaussNewton, 1e-10);
    PetscPrintf(PETSC_COMM_WORLD, "GN Hessian symmetry (%s): %.2e\n",
                what == TransientParameter::Field ? "field" : "initial state", sym.relativeError);
    EXPECT_TRUE(sym.passed);
    if (what == TransientParameter::InitialState) {
      // J is quadratic in u_0 (linear PDE, Gaussian misfit): GN is the exact Hessian, so the
      // gradient at x + dx is ∇J(x) + H dx.
      auto g0 = p.J->createParameterVector(), g1 = p.J->createParameterVector();
      auto Ha = p.J->createParameterVector(), x1 = p.J->createParameterVector();
      p.J->gradient(x, g0);
      p.J->hessianApply(x, a, Ha, HessianType::GaussNewton);
      PDEINV_CALL(VecWAXPY(x1, 1.0, a, x));
      p.J->gradient(x1, g1);
      PDEINV_CALL(VecAXPY(g1, -1.0, g0));
      const PetscReal d = relativeDifference(Ha, g1);
      PetscPrintf(PETSC_COMM_WORLD, "GN Hessian vs gradient difference (quadratic J): %.2e\n", d);
      EXPECT_LT(d, 1e-9);
    }
  }
}

TEST(TransientAdjoint, BadInput) {
  EXPECT_THROW(Problem("esdirk3", TransientParameter::Field, uniformTimes(kT, 5), 0), InputError);
  Heat h;
  auto B = makePointObservation(*h.V, {{0.5, 0.5, 0}}, "sensors");
  EXPECT_THROW(TimeSeriesObservation(*B, {0.01, 0.2}, kT), InputError);
  EXPECT_THROW(TimeSeriesObservation(*B, {-0.01}, kT), InputError);
  EXPECT_THROW(TimeSeriesObservation(*B, {0.02, 0.01}, kT), InputError);
  EXPECT_THROW(dirkTableau("rk4"), InputError);
}

}  // namespace
