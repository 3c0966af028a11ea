// TaoProblem: every TAO type that fits minimises the same reduced functional to the same
// answer; bounds hold; a forward solve that fails at a trial point is a rejected step; bad
// choices are InputErrors. At 1 and 2 ranks.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "../test_util.hpp"
#include "pdeinv/analysis/derivative_check.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/optim/tao_gncg.hpp"
#include "pdeinv/optim/tao_problem.hpp"
#include "pdeinv/physics/poisson.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

using namespace pdeinv;
using pdeinv::test::ScopedOptions;

namespace {

const std::string kProblem =
    "-mesh_faces 8,8 -mesh_simplex 0 -state_element Q2 -parameter_element Q1 -poisson_source 10 "
    "-truth 0.8*exp(-((x-.55)^2+(y-.45)^2)/0.03) -obs_type grid -obs_grid 6,6 "
    "-obs_grid_lower 0.1,0.1 -obs_grid_upper 0.9,0.9 -noise_relative 0.01 -reg_type h1 "
    "-reg_gamma 1 -reg_delta 0.1 -state_ksp_rtol 1e-12";

// The minimiser found by `type` (TAO's options as set), with its convergence reason.
struct Result {
  Owned<Vec> x;
  TaoConvergedReason reason;
  PetscInt failed = 0;
};

Result minimise(InverseProblem& inv, const std::string& type, const std::string& gttol = "1e-9") {
  ScopedOptions o("-tao_type " + type + " -tao_gttol " + gttol +
                  " -tao_max_it 500 -tao_max_funcs 20000");
  TaoProblem tp(inv.objective(), inv.regularization());
  tp.setFromOptions();
  auto x = inv.initialGuess();
  tp.solve(x);
  Result r;
  r.x = std::move(x);
  r.reason = tp.reason();
  r.failed = tp.failedEvaluations();
  return r;
}

}  // namespace

TEST(TaoProblem, every_fitting_tao_type_reaches_the_same_minimiser) {
  ScopedOptions o(kProblem);
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  const auto ref = minimise(*inv, "pdeinvgncg");
  ASSERT_GT(ref.reason, 0) << TaoConvergedReasons[ref.reason];
  for (const char* type : {"bnls", "bntr", "nls", "ntr"}) {
    const auto r = minimise(*inv, type);
    EXPECT_GT(r.reason, 0) << type << ": " << TaoConvergedReasons[r.reason];
    EXPECT_LT(relativeDifference(r.x, ref.x), 1e-5) << type;
  }
  // L-BFGS (initial Hessian: the regularization's) converges linearly near the end: a looser
  // stop, and a correspondingly looser agreement.
  const auto r = minimise(*inv, "lmvm", "1e-5");
  EXPECT_GT(r.reason, 0) << "lmvm: " << TaoConvergedReasons[r.reason];
  EXPECT_LT(relativeDifference(r.x, ref.x), 1e-3) << "lmvm";
}

TEST(TaoProblem, bounds_hold_for_the_bound_constrained_types) {
  // The unconstrained estimate peaks well above 0.3: the upper bound is active.
  ScopedOptions o(kProblem + " -m_init 0.1");
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  for (const char* type : {"bnls", "bntr", "blmvm", "bqnls"}) {
    ScopedOptions t(std::string("-tao_type ") + type + " -tao_gttol 1e-6 -tao_max_it 500");
    TaoProblem tp(inv->objective(), inv->regularization());
    auto lo = inv->objective().createParameterVector();
    auto hi = inv->objective().createParameterVector();
    VecSet(lo, -1.0);
    VecSet(hi, 0.3);
    tp.setBounds(lo, hi);
    tp.setFromOptions();
    auto x = inv->initialGuess();
    tp.solve(x);
    EXPECT_GT(tp.reason(), 0) << type << ": " << tp.reasonName();
    PetscReal mx = 0, mn = 0;
    VecMax(x, nullptr, &mx);
    VecMin(x, nullptr, &mn);
    EXPECT_LE(mx, 0.3 + 1e-12) << type;
    EXPECT_GE(mn, -1.0 - 1e-12) << type;
    EXPECT_GT(mx, 0.3 - 1e-6) << type << ": the bound should be active";
  }
}

namespace {

// Poisson whose next residual assembly, once armed, is NaN: the forward solve of the next trial
// point fails, exactly once.
std::atomic<bool> armed{false};
std::atomic<int> sabotaged{0};

void nanResidual(PetscInt, PetscInt, PetscInt, const PetscInt[], const PetscInt[],
                 const PetscScalar[], const PetscScalar[], const PetscScalar[], const PetscInt[],
                 const PetscInt[], const PetscScalar[], const PetscScalar[], const PetscScalar[],
                 PetscReal, const PetscReal[], PetscInt, const PetscScalar[], PetscScalar f0[]) {
  f0[0] = NAN;
}

class FragilePoisson final : public LogDiffusionOperator {
 public:
  std::string name() const override { return "fragile_poisson"; }
  ResidualKernels residual() const override {
    if (armed.exchange(false)) {
      sabotaged++;
      return {nanResidual, nullptr};
    }
    return inner_.residual();
  }
  JacobianKernels stateJacobian() const override { return inner_.stateJacobian(); }
  bool scalarElliptic() const override { return true; }
  bool symmetricJacobian() const override { return true; }
  void setFromOptions(const Options& opts) override { inner_.setFromOptions(opts); }
  std::vector<DataField> dataFields() const override { return inner_.dataFields(); }
  std::vector<PetscScalar> constants() const override { return inner_.constants(); }

 private:
  PoissonLogCoefficient inner_;
};

}  // namespace

TEST(TaoProblem, a_forward_solve_failing_in_the_line_search_is_a_rejected_step) {
  operatorRegistry().add(
      "fragile_poisson", [] { return std::make_unique<FragilePoisson>(); },
      "test: Poisson that fails on request");
  ScopedOptions o(kProblem);
  ScopedOptions f("-operator_type fragile_poisson -fragile_poisson_source 10");
  // The undisturbed run first, on the same problem (same vector layout).
  auto inv2 = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  const auto ref = minimise(*inv2, "pdeinvgncg");
  ScopedOptions t("-tao_type pdeinvgncg -tao_gttol 1e-9");
  TaoProblem tp(inv2->objective(), inv2->regularization());
  tp.setFromOptions();
  // After iteration 2's monitor, the next forward solve — the line search's first trial
  // point — fails.
  tp.setMonitor([](const IterationRecord& r) {
    if (r.iteration == 2) armed = true;
  });
  auto x = inv2->initialGuess();
  sabotaged = 0;
  tp.solve(x);
  EXPECT_EQ(sabotaged.load(), 1);
  EXPECT_EQ(tp.failedEvaluations(), 1);
  EXPECT_GT(tp.reason(), 0) << tp.reasonName();
  EXPECT_LT(relativeDifference(x, ref.x), 1e-6);
  const auto stats = taoGNCGGetStatistics(tp.tao());
  EXPECT_EQ(stats.failedEvaluations, 1);
  EXPECT_GE(stats.backtracks, 1);
}

TEST(TaoProblem, an_unknown_tao_type_is_an_input_error_listing_the_types) {
  ScopedOptions o(kProblem + " -tao_type lbfgs");
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  TaoProblem tp(inv->objective(), inv->regularization());
  try {
    tp.setFromOptions();
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown TAO type 'lbfgs' (-tao_type); available:"),
              std::string::npos)
        << e.what();
  }
}

TEST(TaoProblem, bounds_with_an_unbounded_type_are_an_input_error) {
  ScopedOptions o(kProblem + " -tao_type lmvm");
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  TaoProblem tp(inv->objective(), inv->regularization());
  auto lo = inv->objective().createParameterVector();
  auto hi = inv->objective().createParameterVector();
  VecSet(lo, -1.0);
  VecSet(hi, 1.0);
  tp.setBounds(lo, hi);
  EXPECT_THROW(tp.setFromOptions(), InputError);
}
