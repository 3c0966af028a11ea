// ReducedFunctional: the adjoint gradient and the Gauss–Newton / Newton Hessian actions pass
// the Taylor tests (slopes 2 and 3) and the Hessians are symmetric, for every registered
// operator that provides them and every parameter map, at 1 and 2 ranks.
//
// The observation operator and regularization here are minimal test doubles (observe every
// free state dof; ½γ mᵀ M m), so this test isolates the reduced functional's own algebra.
#include <gtest/gtest.h>

#include <cstdio>
#include <iostream>

#include "../test_util.hpp"
#include "pdeinv/analysis/derivative_check.hpp"
#include "pdeinv/analysis/verification.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/fem/forms.hpp"
#include "pdeinv/forward/steady_problem.hpp"
#include "pdeinv/inverse/reduced_functional.hpp"

using namespace pdeinv;
using pdeinv::test::meshPath;
using pdeinv::test::ScopedOptions;

namespace {

// B = I on the free state dofs.
class ObserveAll final : public ObservationOperator {
 public:
  explicit ObserveAll(const FunctionSpace& V) : V_(V) {}
  std::string name() const override { return "test_all"; }
  PetscInt size() const override { return V_.globalSize(); }
  Owned<Vec> createObservationVector() const override { return V_.createVector(); }
  void apply(Vec u, Vec obs) const override { VecCopy(u, obs); }
  void applyLinear(Vec du, Vec obs) const override { VecCopy(du, obs); }
  void applyTranspose(Vec obs, Vec out) const override { VecCopy(obs, out); }
  const std::vector<std::array<PetscReal, 3>>& points() const override { return none_; }
  void fromOriginalOrder(const std::vector<PetscReal>&, Vec) const override {}
  std::vector<PetscReal> toOriginalOrder(Vec) const override { return {}; }

 private:
  const FunctionSpace& V_;
  std::vector<std::array<PetscReal, 3>> none_;
};

// R = ½ γ mᵀ M m.
class MassRegularization final : public Regularization {
 public:
  MassRegularization(const FunctionSpace& P, PetscReal gamma) : M_(massMatrix(P)), gamma_(gamma) {}
  std::string name() const override { return "test_l2"; }
  PetscReal value(Vec m) override {
    Owned<Vec> Mm;
    VecDuplicate(m, Mm.out());
    MatMult(M_, m, Mm);
    PetscScalar d = 0;
    VecDot(m, Mm, &d);
    return 0.5 * gamma_ * d;
  }
  void gradient(Vec m, Vec g) override {
    MatMult(M_, m, g);
    VecScale(g, gamma_);
  }
  void hessianApply(Vec, Vec dm, Vec out) override {
    MatMult(M_, dm, out);
    VecScale(out, gamma_);
  }

 private:
  Owned<Mat> M_;
  PetscReal gamma_;
};

struct Inverse {
  std::unique_ptr<SteadyProblem> forward;
  std::unique_ptr<ObserveAll> obs;
  std::unique_ptr<GaussianMisfit> misfit;
  std::unique_ptr<MassRegularization> reg;
  std::unique_ptr<ParameterMap> map;
  std::unique_ptr<ReducedFunctional> J;
};

Inverse build(const std::string& options, const std::string& mapType) {
  ScopedOptions o(options + " -state_ksp_rtol 1e-13 -state_snes_rtol 1e-13 -param_map_type " +
                  mapType + " -param_map_lower 0.5 -param_map_upper 5");
  Inverse inv;
  inv.forward = SteadyProblem::fromOptions(PETSC_COMM_WORLD);
  inv.map = parameterMapFromOptions();
  const auto& V = inv.forward->state();
  const auto& P = inv.forward->parameter();
  inv.obs = std::make_unique<ObserveAll>(V);
  // Synthetic data from a truth, with noise.
  auto truth = P.createVector(), u = V.createVector();
  P.interpolate(Expression("1 + 0.5*sin(3*x)*y", "-truth"), truth);
  VecSet(u, 0.0);
  inv.forward->solver().solve(truth, u);
  auto d = V.createVector(), sigma = V.createVector();
  VecCopy(u, d);
  fillRandom(sigma, 99);
  VecAXPY(d, 1e-3, sigma);
  VecSet(sigma, 1e-2);
  inv.misfit = std::make_unique<GaussianMisfit>(d, sigma);
  inv.reg = std::make_unique<MassRegularization>(P, 1e-3);
  inv.J = std::make_unique<ReducedFunctional>(inv.forward->solver(), *inv.obs, *inv.misfit,
                                              inv.reg.get(), *inv.map);
  return inv;
}

std::vector<std::string> problems() {
  std::vector<std::string> p;
  for (const auto& op : operatorRegistry().names()) {
    if (op.rfind("test_", 0) == 0) continue;
    p.push_back("-operator_type " + op + " -mesh_file " + meshPath("unit_square_coarse.msh") +
                " -state_element P2 -parameter_element P1");
    p.push_back("-operator_type " + op +
                " -mesh_faces 5,5 -state_element Q1 -parameter_element P1");
  }
  return p;
}

// A point m where the map is well inside its range (physical value ~ 2 for every map).
void startingPoint(Inverse& inv, Vec m) {
  const auto& P = inv.forward->parameter();
  auto phys = P.createVector();
  P.interpolate(Expression("2 + 0.3*cos(2*x+y)", "-m"), phys);
  if (inv.map->name() == "identity") VecShift(phys, -1.5);  // identity: m is a log-conductivity
  inv.map->applyInverse(phys, m);
}

}  // namespace

TEST(ReducedFunctional, gradient_and_hessians_pass_taylor_and_symmetry_tests) {
  for (const auto& problem : problems()) {
    for (const auto& mapType : parameterMapRegistry().names()) {
      auto inv = build(problem, mapType);
      const std::string label = problem + " | map " + mapType;
      auto m = inv.J->createParameterVector(), v = inv.J->createParameterVector();
      auto w = inv.J->createParameterVector();
      startingPoint(inv, m);
      fillRandom(v, 5);
      fillRandom(w, 6);
      const auto hs = halvingSteps(0.1, 8);
      auto g = checkGradient(*inv.J, m, v, hs);
      EXPECT_TRUE(g.passed) << label << "\n" << ::testing::PrintToString(g.slope);
      for (auto type : {HessianType::GaussNewton, HessianType::Newton}) {
        auto s = checkHessianSymmetry(*inv.J, m, v, w, type, 1e-10);
        EXPECT_TRUE(s.passed) << label << " symmetry " << s.relativeError;
      }
      // More steps for the Hessian: where its h³ and h⁴ terms have opposite signs the remainder
      // dips through zero (slopes 4, 4.5, 6.8, 0.5, ...) before the h³ term takes over.
      auto h = checkHessian(*inv.J, m, v, HessianType::Newton, halvingSteps(0.1, 12));
      EXPECT_TRUE(h.passed) << label << "\n"
                            << ::testing::PrintToString(h.slope) << "\n"
                            << ::testing::PrintToString(h.remainder);
      // Gauss–Newton is not the exact Hessian for a forward map nonlinear in m: its Taylor
      // remainder is O(h²) only. (For a linear one — identity with the identity map — the two
      // Hessians agree and there is nothing to compare.)
      auto Hv = inv.J->createParameterVector(), Gv = inv.J->createParameterVector();
      inv.J->hessianApply(m, v, Hv, HessianType::Newton);
      inv.J->hessianApply(m, v, Gv, HessianType::GaussNewton);
      if (relativeDifference(Gv, Hv) > 1e-8) {
        auto gn = checkHessian(*inv.J, m, v, HessianType::GaussNewton, hs);
        EXPECT_LT(gn.slope.front(), 2.5) << label;
      }
      if (rankOf(PETSC_COMM_WORLD) == 0) {
        VerificationReport report;
        for (auto* c : {&g, &h}) report.add(*c);
        std::printf("%s\n", label.c_str());
        report.print(std::cout);
      }
    }
  }
}

TEST(ReducedFunctional, caches_the_state_and_counts_solves) {
  auto inv = build(problems().front(), "identity");
  auto m = inv.J->createParameterVector(), g = inv.J->createParameterVector();
  auto v = inv.J->createParameterVector(), Hv = inv.J->createParameterVector();
  startingPoint(inv, m);
  fillRandom(v, 1);
  const PetscReal J1 = inv.J->value(m);
  const PetscReal J2 = inv.J->gradient(m, g);
  EXPECT_EQ(J1, J2);
  inv.J->gradient(m, g);
  inv.J->hessianApply(m, v, Hv);
  inv.J->hessianApply(m, v, Hv, HessianType::Newton);
  const auto& c = inv.J->counts();
  EXPECT_EQ(c.forward, 1);
  EXPECT_EQ(c.adjoint, 1);
  EXPECT_EQ(c.tangent, 2);
  EXPECT_EQ(c.incrementalAdjoint, 2);
  VecShift(m, 0.1);
  inv.J->value(m);
  EXPECT_EQ(inv.J->counts().forward, 2);
  EXPECT_NEAR(inv.J->misfitValue() + inv.J->regularizationValue(), inv.J->value(m), 0);
}
