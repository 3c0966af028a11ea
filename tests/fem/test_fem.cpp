// fem: spaces, interpolation of expressions, mass/stiffness forms and Dirichlet conditions on
// gmsh tags, each checked against numbers known in closed form.
#include <gtest/gtest.h>

#include <cmath>

#include "../test_util.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/random.hpp"
#include "pdeinv/fem/assembler.hpp"
#include "pdeinv/fem/forms.hpp"
#include "pdeinv/forward/steady_problem.hpp"

using namespace pdeinv;
using pdeinv::test::bilinearForm;
using pdeinv::test::gmshMesh;
using pdeinv::test::meshPath;
using pdeinv::test::ScopedOptions;
using pdeinv::test::unitBox;

TEST(FunctionSpace, p1_interpolation_of_linear_field_is_exact_and_integrates_exactly) {
  auto mesh = gmshMesh("unit_square_coarse.msh");
  FunctionSpace V(mesh, {1, 1}, "u");
  EXPECT_EQ(V.globalSize(), 142);
  Expression e("1 + 2*x - y", "-test");
  auto u = V.createVector();
  V.interpolate(e, u);
  Assembler a(V, {});
  const PetscReal integral = a.integrate(
      u, [](const PetscScalar* v, const PetscScalar*, const PetscReal*) { return v[0]; });
  EXPECT_NEAR(integral, 1.5, 1e-12);
  auto err = a.errorNorms(u, [](const PetscReal x[], PetscScalar ue[], PetscScalar ge[]) {
    ue[0] = 1 + 2 * x[0] - x[1];
    ge[0] = 2, ge[1] = -1;
  });
  EXPECT_LT(err.l2, 1e-13);
  EXPECT_LT(err.h1semi, 1e-12);
}

TEST(FunctionSpace, p2_and_q2_reproduce_quadratics_with_gradients) {
  for (int simplex = 0; simplex < 2; ++simplex) {
    auto mesh = simplex ? gmshMesh("l_shape_coarse.msh") : unitBox(2, 5);
    FunctionSpace V(mesh, {2, 1}, "u");
    Expression e("x^2 + x*y - 3*y^2", "-test");
    auto u = V.createVector();
    V.interpolate(e, u);
    Assembler a(V, {});
    auto err = a.errorNorms(u, [](const PetscReal x[], PetscScalar ue[], PetscScalar ge[]) {
      ue[0] = x[0] * x[0] + x[0] * x[1] - 3 * x[1] * x[1];
      ge[0] = 2 * x[0] + x[1];
      ge[1] = x[0] - 6 * x[1];
    });
    EXPECT_LT(err.l2, 1e-12) << (simplex ? "P2" : "Q2");
    EXPECT_LT(err.h1semi, 1e-11) << (simplex ? "P2" : "Q2");
  }
}

TEST(FunctionSpace, p2_on_tets_and_q2_on_hexes_reproduce_quadratics_in_3d) {
  for (int simplex = 0; simplex < 2; ++simplex) {
    auto mesh = simplex ? gmshMesh("unit_cube_coarse.msh") : unitBox(3, 3);
    FunctionSpace V(mesh, {2, 1}, "u");
    auto u = V.createVector();
    V.interpolate(Expression("x^2 + y*z - 2*z^2 + x", "-test"), u);
    Assembler a(V, {});
    auto err = a.errorNorms(u, [](const PetscReal x[], PetscScalar ue[], PetscScalar ge[]) {
      ue[0] = x[0] * x[0] + x[1] * x[2] - 2 * x[2] * x[2] + x[0];
      ge[0] = 2 * x[0] + 1;
      ge[1] = x[2];
      ge[2] = x[1] - 4 * x[2];
    });
    EXPECT_LT(err.l2, 1e-12) << (simplex ? "P2 tets" : "Q2 hexes");
    EXPECT_LT(err.h1semi, 1e-11) << (simplex ? "P2 tets" : "Q2 hexes");
    // A vector-valued P1/Q1 field on the same mesh: ∫ (x, y, z) = (1/2, 1/2, 1/2).
    FunctionSpace W(mesh, {1, 3}, "w");
    auto w = W.createVector();
    W.interpolate(Expression("x, y, z", "-test", 3), w);
    Assembler aw(W, {});
    for (int c = 0; c < 3; ++c) {
      const PetscReal integral = aw.integrate(
          w, [c](const PetscScalar* v, const PetscScalar*, const PetscReal*) { return v[c]; });
      EXPECT_NEAR(integral, 0.5, 1e-12) << "component " << c;
    }
  }
}

TEST(Forms, mass_matrix_measures_area_and_stiffness_annihilates_constants) {
  struct Case {
    const char* mesh;
    PetscReal area;
  };
  for (auto c : {Case{"unit_square_coarse.msh", 1.0}, Case{"l_shape_coarse.msh", 0.75}}) {
    auto mesh = gmshMesh(c.mesh);
    for (int degree : {0, 1, 2}) {
      FunctionSpace V(mesh, {degree, 1}, "u");
      auto M = massMatrix(V);
      auto one = V.createVector();
      VecSet(one, 1.0);
      EXPECT_NEAR(bilinearForm(M, one, one), c.area, 1e-12) << c.mesh << " P" << degree;
      if (degree == 0) {
        EXPECT_EQ(V.globalSize(), mesh.globalNumCells());
        continue;
      }
      auto K = stiffnessMatrix(V);
      auto Kone = V.createVector();
      MatMult(K, one, Kone);
      PetscReal n = 0;
      VecNorm(Kone, NORM_INFINITY, &n);
      EXPECT_LT(n, 1e-12);
      // ∫ |∇x|² = area
      auto x = V.createVector();
      V.interpolate(Expression("x", "-test"), x);
      EXPECT_NEAR(bilinearForm(K, x, x), c.area, 1e-12);
    }
  }
  // Vector-valued P1 on the unit cube: 1ᵀM1 = 3 (one per component) on a 3-D gmsh mesh.
  auto cube = gmshMesh("unit_cube_coarse.msh");
  FunctionSpace W(cube, {1, 3}, "w");
  auto M = massMatrix(W);
  auto one = W.createVector();
  VecSet(one, 1.0);
  EXPECT_NEAR(bilinearForm(M, one, one), 3.0, 1e-12);
}

// massRootApply: M = WᵀW exactly. Every quadrature point (and component) in turn carries the
// noise 1 and the rest 0, which gives the column w_p of Wᵀ; then Σ_p (uᵀw_p)(vᵀw_p) = uᵀMv for
// random u, v. Triangles P1 and P2, quads Q1 and vector P1 on tetrahedra, at any rank count.
TEST(Forms, mass_root_is_the_quadrature_square_root_of_the_mass_matrix) {
  struct Case {
    Mesh mesh;
    ElementSpec element;
  };
  std::vector<Case> cases;
  cases.push_back({gmshMesh("unit_square_coarse.msh"), {1, 1}});
  cases.push_back({gmshMesh("l_shape_coarse.msh"), {2, 1}});
  cases.push_back({unitBox(2, 3), {1, 1}});
  cases.push_back({gmshMesh("unit_cube_coarse.msh"), {1, 3}});
  for (auto& c : cases) {
    FunctionSpace V(c.mesh, c.element, "u");
    Assembler a(V, {});
    auto M = massMatrix(V);
    const int dim = V.dim();
    // Every rank's points, gathered: (x, component) per point.
    std::vector<PetscReal> local;
    auto r = V.createVector();
    a.massRootApply(
        [&](const PetscReal x[], int k) {
          for (int d = 0; d < 3; ++d) local.push_back(d < dim ? x[d] : 0.0);
          local.push_back(k);
          return 0.0;
        },
        r);
    int n = static_cast<int>(local.size()), size = 1;
    MPI_Comm_size(PETSC_COMM_WORLD, &size);
    std::vector<int> counts(size), offsets(size, 0);
    MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, PETSC_COMM_WORLD);
    for (int i = 1; i < size; ++i) offsets[i] = offsets[i - 1] + counts[i - 1];
    std::vector<PetscReal> all(offsets.back() + counts.back());
    MPI_Allgatherv(local.data(), n, MPIU_REAL, all.data(), counts.data(), offsets.data(), MPIU_REAL,
                   PETSC_COMM_WORLD);
    auto u = V.createVector(), v = V.createVector();
    pdeinv::fillRandom(u, 3);
    pdeinv::fillRandom(v, 4);
    PetscReal sum = 0;
    for (size_t p = 0; p < all.size(); p += 4) {
      a.massRootApply(
          [&](const PetscReal x[], int k) {
            for (int d = 0; d < dim; ++d)
              if (x[d] != all[p + d]) return 0.0;
            return k == static_cast<int>(all[p + 3]) ? 1.0 : 0.0;
          },
          r);
      PetscScalar ur = 0, vr = 0;
      VecDot(u, r, &ur);
      VecDot(v, r, &vr);
      sum += ur * vr;
    }
    const PetscReal exact = bilinearForm(M, u, v);
    EXPECT_NEAR(sum, exact, 1e-12 * std::abs(exact))
        << V.dim() << "-D, degree " << c.element.degree << ", " << c.element.components
        << " component(s)";
  }
}

TEST(Dirichlet, conditions_on_gmsh_tags_give_the_exact_linear_solution) {
  // -Δu = 0 with u = 1 + x on the left and right sides (tags 4 and 2) and natural conditions on
  // top and bottom: the solution is u = 1 + x, which P1 reproduces to solver tolerance. The
  // interface tag 5 of this mesh is interior and must not act as a boundary.
  ScopedOptions o("-mesh_file " + meshPath("square_inclusion_coarse.msh") +
                  " -bc_dirichlet_ids 2,4 -bc_dirichlet_value 1+x"
                  " -poisson_source 0 -state_ksp_rtol 1e-13");
  o.set("-bc_dirichlet_label", "Face Sets");
  auto p = SteadyProblem::fromOptions(PETSC_COMM_WORLD);
  // 177 vertices, 11 on each of the two constrained sides.
  EXPECT_EQ(p->state().globalSize(), 177 - 22);
  auto m = p->parameter().createVector();
  VecSet(m, 0.0);
  auto u = p->state().createVector();
  VecSet(u, 0.0);
  p->solver().solve(m, u);
  auto err = p->solver().assembler().errorNorms(
      u, [](const PetscReal x[], PetscScalar ue[], PetscScalar ge[]) {
        ue[0] = 1 + x[0];
        ge[0] = 1, ge[1] = 0;
      });
  EXPECT_LT(err.l2, 1e-10);
  EXPECT_LT(err.h1semi, 1e-9);
}

TEST(Dirichlet, unknown_tag_value_is_an_input_error) {
  auto mesh = gmshMesh("unit_square_coarse.msh");
  DirichletBC bc;
  bc.label = "Face Sets";
  bc.values = {1, 9};
  bc.value = std::make_shared<Expression>("0", "-bc_dirichlet_value");
  EXPECT_THROW(FunctionSpace(mesh, {1, 1}, "u", {bc}), InputError);
}

TEST(Expression, field_that_is_not_finite_on_the_mesh_is_an_input_error) {
  auto mesh = unitBox(2, 4);
  FunctionSpace V(mesh, {1, 1}, "u");
  auto u = V.createVector();
  EXPECT_THROW(V.interpolate(Expression("log(x - 0.5)", "-parameter"), u), InputError);
}
