#pragma once
// The heat equation u̇ − ∇·(e^m ∇u) = f on the unit square (Q2, 8×8, u = 0 on ∂Ω) with the
// Poisson operator, for the transient tests.
#include <memory>
#include <string>

#include "../test_util.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/physics/poisson.hpp"
#include "pdeinv/transient/transient_solver.hpp"

namespace pdeinv::test {

// u(0) = sin πx sin πy, m = 0, f = 0, u = 0 on ∂Ω: u = e^{−2π²t} sin πx sin πy.
struct Heat {
  explicit Heat(int cells = 8, const std::string& boundaryValue = "0")
      : mesh(pdeinv::test::unitBox(2, cells)) {
    init(boundaryValue);
  }
  Mesh mesh;
  std::shared_ptr<PoissonLogCoefficient> op = std::make_shared<PoissonLogCoefficient>();
  DirichletBC bc;
  std::unique_ptr<FunctionSpace> V, P, F;
  Owned<Vec> m, f, u0;
  void init(const std::string& boundaryValue) {
    op->setFromOptions(Options("poisson_"));
    bc.label = "boundary";
    bc.values = {1};
    bc.value = std::make_shared<Expression>(boundaryValue, "bc");
    V = std::make_unique<FunctionSpace>(mesh, ElementSpec{2, 1}, "u", std::vector{bc});
    P = std::make_unique<FunctionSpace>(mesh, ElementSpec{1, 1}, "m");
    F = std::make_unique<FunctionSpace>(mesh, ElementSpec{2, 1}, "f");
    m = P->createVector();
    f = F->createVector();
    u0 = V->createVector();
    V->interpolate(Expression("sin(3.141592653589793*x)*sin(3.141592653589793*y)", "u0"), u0);
  }
  std::unique_ptr<TransientSolver> solver() const {
    return std::make_unique<TransientSolver>(op, *V, *P, std::vector<const FunctionSpace*>{F.get()},
                                             std::vector<Vec>{f});
  }
  // u(T) from the options currently set; steps taken into *steps.
  Owned<Vec> run(const std::string& options, size_t* steps = nullptr) const {
    ScopedOptions o(options);
    auto s = solver();
    auto u = V->createVector();
    PDEINV_CALL(VecCopy(u0, u));
    s->solve(m, u);
    const auto& t = s->steps();
    EXPECT_DOUBLE_EQ(t.front(), 0.0);
    EXPECT_NEAR(t.back(), s->finalTime(), 1e-12);
    for (size_t i = 1; i < t.size(); ++i) EXPECT_GT(t[i], t[i - 1]);
    if (steps) *steps = t.size() - 1;
    return u;
  }
};

}  // namespace pdeinv::test
