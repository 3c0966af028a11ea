// fem: the forms priors are built from, against closed forms, at 1 and 2 ranks:
//  * the boundary (facet) mass matrix B_ij = ∫_Γ φ_i φ_j ds on triangles, quads, tetrahedra and
//    hexahedra, P1/Q1 and P2/Q2 (facets on partition boundaries must be counted exactly once);
//  * the anisotropic stiffness K_Θ,ij = ∫ ∇φ_i · Θ∇φ_j dx.
#include <gtest/gtest.h>

#include <cmath>

#include "../test_util.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/fem/forms.hpp"

using namespace pdeinv;
using pdeinv::test::bilinearForm;
using pdeinv::test::field;
using pdeinv::test::gmshMesh;
using pdeinv::test::meshPath;
using pdeinv::test::unitBox;

TEST(BoundaryMass, measures_perimeter_and_boundary_moments_in_2d) {
  // Unit square: |∂Ω| = 4, ∫_∂Ω x ds = 0 + 1 + ½ + ½ = 2, ∫_∂Ω x² ds = 1 + ⅓ + ⅓ = 5/3.
  struct Case {
    std::string name;
    Mesh mesh;
  };
  std::vector<Case> cases;
  cases.push_back({"unit_square_coarse.msh", gmshMesh("unit_square_coarse.msh")});
  cases.push_back({"quads 7x7", unitBox(2, 7)});
  for (auto& c : cases) {
    for (int degree : {1, 2}) {
      FunctionSpace V(c.mesh, {degree, 1}, "u");
      auto B = boundaryMassMatrix(V);
      auto one = field(V, "1");
      auto x = field(V, "x");
      EXPECT_NEAR(bilinearForm(B, one, one), 4.0, 1e-12) << c.name << " P" << degree;
      EXPECT_NEAR(bilinearForm(B, one, x), 2.0, 1e-12) << c.name << " P" << degree;
      if (degree == 2) {
        auto x2 = field(V, "x^2");
        EXPECT_NEAR(bilinearForm(B, one, x2), 5.0 / 3.0, 1e-12) << c.name << " P2";
      }
      EXPECT_NEAR(bilinearForm(B, x, x), 5.0 / 3.0, 1e-12) << c.name << " P" << degree;
      // The right side alone (Face Sets 2, x = 1): length 1, ∫ y ds = ½.
      auto Bright = boundaryMassMatrix(V, "Face Sets", 2);
      EXPECT_NEAR(bilinearForm(Bright, one, one), 1.0, 1e-12) << c.name << " P" << degree;
      EXPECT_NEAR(bilinearForm(Bright, one, field(V, "y")), 0.5, 1e-12) << c.name << " P" << degree;
      // B is symmetric.
      PetscBool sym = PETSC_FALSE;
      MatIsSymmetric(B, 1e-14, &sym);
      EXPECT_TRUE(sym) << c.name << " P" << degree;
    }
  }
  // The L-shape's perimeter is 4 as well, including its re-entrant sides.
  auto l = gmshMesh("l_shape_coarse.msh");
  FunctionSpace V(l, {2, 1}, "u");
  auto one = field(V, "1");
  EXPECT_NEAR(bilinearForm(boundaryMassMatrix(V), one, one), 4.0, 1e-12);
}

TEST(BoundaryMass, small_cells_and_a_shared_layout_give_the_same_forms) {
  // Refined 3 times (h ≈ 0.0125): facet points are pulled back into cells whose reference
  // coordinates carry round-off ~ε/h. Forms built on another form's layout (MatDuplicate) equal
  // the ones with their own DMCreateMatrix.
  auto mesh = gmshMesh("unit_square_coarse.msh", 3);
  FunctionSpace V(mesh, {1, 1}, "u");
  auto M = massMatrix(V);
  auto B = boundaryMassMatrix(V, "boundary", 1, M);
  auto one = field(V, "1"), x = field(V, "x");
  EXPECT_NEAR(bilinearForm(B, one, one), 4.0, 1e-12);
  EXPECT_NEAR(bilinearForm(B, x, x), 5.0 / 3.0, 1e-12);
  auto Bfresh = boundaryMassMatrix(V);
  auto Kshared = anisotropicStiffnessMatrix(V, {2, 0.5, 0.5, 1}, M);
  auto Kfresh = anisotropicStiffnessMatrix(V, {2, 0.5, 0.5, 1});
  auto Mshared = massMatrix(V, M);
  for (auto [a, b] : {std::pair<Mat, Mat>{B, Bfresh}, {Kshared, Kfresh}, {Mshared, M}}) {
    PetscReal na = 0, nd = 0;
    MatNorm(b, NORM_FROBENIUS, &na);
    MatAXPY(a, -1.0, b, SUBSET_NONZERO_PATTERN);  // b's entries are among a's
    MatNorm(a, NORM_FROBENIUS, &nd);
    EXPECT_LT(nd, 1e-14 * na);
  }
}

TEST(BoundaryMass, integrates_an_interior_interface_once) {
  // Face Sets 5 of square_inclusion is the circle r = 0.2 as 16 equal chords: interior facets
  // with two cells, which at 2 ranks may lie on the partition boundary.
  auto mesh = gmshMesh("square_inclusion_coarse.msh");
  FunctionSpace V(mesh, {1, 1}, "u");
  auto B = boundaryMassMatrix(V, "Face Sets", 5);
  auto one = field(V, "1");
  EXPECT_NEAR(bilinearForm(B, one, one), 16 * 2 * 0.2 * std::sin(M_PI / 16), 1e-12);
}

TEST(BoundaryMass, measures_the_cube_surface_in_3d) {
  // |∂Ω| = 6; ∫_∂Ω x ds = 1 (face x = 1) + 4 · ½ (four side faces) = 3;
  // ∫_∂Ω x² ds = 1 + 4 · ⅓ = 7/3.
  struct Case {
    std::string name;
    Mesh mesh;
  };
  std::vector<Case> cases;
  cases.push_back({"unit_cube_coarse.msh", gmshMesh("unit_cube_coarse.msh")});
  cases.push_back({"hexes 3x3x3", unitBox(3, 3)});
  for (auto& c : cases) {
    for (int degree : {1, 2}) {
      FunctionSpace V(c.mesh, {degree, 1}, "u");
      auto B = boundaryMassMatrix(V);
      auto one = field(V, "1");
      EXPECT_NEAR(bilinearForm(B, one, one), 6.0, 1e-12) << c.name << " P" << degree;
      EXPECT_NEAR(bilinearForm(B, one, field(V, "x")), 3.0, 1e-12) << c.name << " P" << degree;
      EXPECT_NEAR(bilinearForm(B, field(V, "x"), field(V, "x")), 7.0 / 3.0, 1e-12)
          << c.name << " P" << degree;
    }
  }
}

TEST(BoundaryMass, vector_fields_and_bad_input) {
  auto mesh = gmshMesh("unit_square_coarse.msh");
  FunctionSpace W(mesh, {1, 2}, "w");
  auto one = W.createVector();
  VecSet(one, 1.0);
  EXPECT_NEAR(bilinearForm(boundaryMassMatrix(W), one, one), 8.0, 1e-12);  // 4 per component
  FunctionSpace V(mesh, {1, 1}, "u");
  EXPECT_THROW(boundaryMassMatrix(V, "Face Sets", 9), InputError);
  EXPECT_THROW(boundaryMassMatrix(V, "no such label"), InputError);
  FunctionSpace P0(mesh, {0, 1}, "p0");
  EXPECT_THROW(boundaryMassMatrix(P0), InputError);
}

TEST(AnisotropicStiffness, reproduces_the_tensor_on_linear_fields) {
  // For u = a·x (linear), uᵀ K_Θ u = ∫ a·Θa = aᵀΘa |Ω|; with a = (1, 1), Θ = [[2, .5], [.5, 1]]:
  // 2 + .5 + .5 + 1 = 4, and uᵀ K_Θ v for u = x, v = y picks Θ_01 = .5.
  const std::vector<PetscReal> theta = {2.0, 0.5, 0.5, 1.0};
  for (int simplex = 0; simplex < 2; ++simplex) {
    auto mesh = simplex ? gmshMesh("unit_square_coarse.msh") : unitBox(2, 6);
    for (int degree : {1, 2}) {
      FunctionSpace V(mesh, {degree, 1}, "u");
      auto K = anisotropicStiffnessMatrix(V, theta);
      EXPECT_NEAR(bilinearForm(K, field(V, "x+y"), field(V, "x+y")), 4.0, 1e-12);
      EXPECT_NEAR(bilinearForm(K, field(V, "x"), field(V, "y")), 0.5, 1e-12);
      EXPECT_NEAR(bilinearForm(K, field(V, "y"), field(V, "y")), 1.0, 1e-12);
      // Θ = I is the plain stiffness matrix.
      auto K1 = anisotropicStiffnessMatrix(V, {1, 0, 0, 1});
      auto K0 = stiffnessMatrix(V);
      MatAXPY(K1, -1.0, K0, SAME_NONZERO_PATTERN);
      PetscReal n = 0;
      MatNorm(K1, NORM_FROBENIUS, &n);
      EXPECT_LT(n, 1e-13);
    }
  }
  auto mesh = unitBox(2, 3);
  FunctionSpace V(mesh, {1, 1}, "u");
  EXPECT_THROW(anisotropicStiffnessMatrix(V, {1, 0, 0}), InputError);
}
