// FE convergence with a manufactured solution of −∇·(e^m ∇u) = f on the unit square:
//   u = sin(πx) sin(πy),  m = x + y,
//   f = −e^m (Δu + ∇m·∇u) = −e^{x+y} (−2π² sin πx sin πy + π cos πx sin πy + π sin πx cos πy).
// Over three meshes (uniform refinement) the observed orders must reach
//   L2 ≥ p + 0.8  and  H1 ≥ p − 0.2   for P1/P2 on gmsh triangles and Q1/Q2 on quads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "../test_util.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/forward/steady_problem.hpp"

using namespace pdeinv;
using pdeinv::test::meshPath;
using pdeinv::test::ScopedOptions;

namespace {

const char* kSource =
    "-exp(x+y)*(-2*pi^2*sin(pi*x)*sin(pi*y)+pi*cos(pi*x)*sin(pi*y)+pi*sin(pi*x)*cos(pi*y))";

Assembler::ErrorNorms solveOnce(const std::string& meshOptions, int degree, int refine) {
  ScopedOptions o(meshOptions + " -mesh_refine " + std::to_string(refine) + " -state_element P" +
                  std::to_string(degree) + " -parameter_element P" + std::to_string(degree) +
                  " -state_ksp_rtol 1e-12");
  o.set("-poisson_source", kSource);
  auto p = SteadyProblem::fromOptions(PETSC_COMM_WORLD);
  auto m = p->parameter().createVector();
  p->parameter().interpolate(Expression("x + y", "-parameter"), m);
  auto u = p->state().createVector();
  VecSet(u, 0.0);
  p->solver().solve(m, u);
  return p->solver().assembler().errorNorms(
      u, [](const PetscReal x[], PetscScalar ue[], PetscScalar ge[]) {
        const PetscReal sx = std::sin(M_PI * x[0]), sy = std::sin(M_PI * x[1]);
        ue[0] = sx * sy;
        ge[0] = M_PI * std::cos(M_PI * x[0]) * sy;
        ge[1] = M_PI * sx * std::cos(M_PI * x[1]);
      });
}

void checkOrders(const std::string& label, const std::string& meshOptions, int degree) {
  std::vector<Assembler::ErrorNorms> e;
  for (int r = 0; r < 3; ++r) e.push_back(solveOnce(meshOptions, degree, r));
  const bool root = rankOf(PETSC_COMM_WORLD) == 0;
  for (int r = 1; r < 3; ++r) {
    const PetscReal l2 = std::log2(e[r - 1].l2 / e[r].l2);
    const PetscReal h1 = std::log2(e[r - 1].h1semi / e[r].h1semi);
    if (root) {
      std::printf("  %-10s p=%d refine %d: L2 %.3e (order %.2f)  H1 %.3e (order %.2f)\n",
                  label.c_str(), degree, r, e[r].l2, l2, e[r].h1semi, h1);
    }
    EXPECT_GE(l2, degree + 0.8) << label << " P" << degree << " refinement " << r;
    EXPECT_GE(h1, degree - 0.2) << label << " P" << degree << " refinement " << r;
  }
}

}  // namespace

TEST(Convergence, p1_and_p2_on_gmsh_triangles_reach_optimal_orders) {
  const std::string mesh = "-mesh_file " + meshPath("unit_square_coarse.msh");
  checkOrders("triangles", mesh, 1);
  checkOrders("triangles", mesh, 2);
}

TEST(Convergence, q1_and_q2_on_quads_reach_optimal_orders) {
  const std::string mesh = "-mesh_faces 8,8";
  checkOrders("quads", mesh, 1);
  checkOrders("quads", mesh, 2);
}
