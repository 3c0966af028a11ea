// inverse: regularizations and priors. Every registered type (the loops go over
// regularizationRegistry().names(), so a new type is covered by registering it) passes the
// gradient and Hessian Taylor tests and the Hessian symmetry test, and inverts its Hessian when
// it claims to; values match closed forms; the bilaplacian prior's samples are reproducible,
// centred on m0 and have the covariance A⁻¹ M_L A⁻¹; bad options are InputErrors naming them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "../test_util.hpp"
#include "pdeinv/analysis/derivative_check.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/inverse/bilaplacian_prior.hpp"
#include "pdeinv/inverse/regularization.hpp"

using namespace pdeinv;
using pdeinv::test::field;
using pdeinv::test::meshPath;
using pdeinv::test::ScopedOptions;

namespace {

Mesh gmsh(const std::string& name) {
  auto m = Mesh::fromGmsh(PETSC_COMM_WORLD, meshPath(name));
  m.distribute();
  return m;
}
Mesh quads(PetscInt n) {
  BoxSpec b;
  b.faces = {n, n};
  auto m = Mesh::box(PETSC_COMM_WORLD, b);
  m.distribute();
  return m;
}
Owned<Vec> random(const FunctionSpace& V, unsigned long seed) {
  auto v = V.createVector();
  fillRandom(v, seed);
  return v;
}
PetscReal dot(Vec a, Vec b) {
  PetscScalar d = 0;
  VecDot(a, b, &d);
  return d;
}
PetscReal norm(Vec a) {
  PetscReal n = 0;
  VecNorm(a, NORM_2, &n);
  return n;
}
void say(const char* fmt, auto... args) {
  PetscPrintf(PETSC_COMM_WORLD, fmt, args...);
}

// The spaces and option sets every type is checked on: triangles P1 with an isotropic default,
// quads Q2 with anisotropy and the Robin term, tetrahedra P1 likewise in 3-D.
struct Setup {
  std::string label;
  Mesh mesh;
  ElementSpec element;
  std::string options;
};
std::vector<Setup> setups() {
  std::vector<Setup> s;
  s.push_back({"triangles P1", gmsh("unit_square_coarse.msh"), {1, 1}, "-reg_m0 sin(2*x)*y"});
  s.push_back({"quads Q2, anisotropic, Robin",
               quads(6),
               {2, 1},
               "-reg_gamma 0.7 -reg_delta 0.3 -reg_theta 2,0.5,0.5,1 -reg_robin -reg_m0 1+x*y"});
  s.push_back({"tetrahedra P1, anisotropic, Robin",
               gmsh("unit_cube_coarse.msh"),
               {1, 1},
               "-reg_gamma 0.5 -reg_delta 2 -reg_theta 1,0,0,0,2,0.5,0,0.5,1 -reg_robin"});
  return s;
}

// body(setup label, type name, space, regularization) for every setup and registered type.
template <class Body>
void forEveryType(Body&& body) {
  for (auto& s : setups()) {
    FunctionSpace V(s.mesh, s.element, "m");
    for (const auto& type : regularizationRegistry().names()) {
      ScopedOptions o("-reg_type " + type + " " + s.options);
      auto reg = regularizationFromOptions(V);
      ASSERT_EQ(reg->name(), type);
      SCOPED_TRACE(type + " on " + s.label);
      body(s.label, type, V, *reg);
    }
  }
}

// The steps of the Taylor tests of tv and l1: random m varies on the mesh scale, and
// √(|Dm|² + ε) bends within √ε (0.03 by default) of Dm = 0, so the asymptotic range starts at
// smaller steps than the default's.
const std::vector<PetscReal> kSmoothedSteps = {1e-3, 5e-4, 2.5e-4, 1.25e-4, 6.25e-5};

}  // namespace

TEST(Regularization, every_type_gradient_passes_taylor_test) {
  forEveryType([](const std::string& label, const std::string& type, const FunctionSpace& V,
                  Regularization& reg) {
    auto m = random(V, 11), dm = random(V, 12), g = V.createVector(), mh = V.createVector();
    const PetscReal R0 = reg.value(m);
    reg.gradient(m, g);
    const PetscReal gdm = dot(g, dm);
    auto t = taylorTest(
        [&](PetscReal h) {
          VecWAXPY(mh, h, dm, m);
          return std::abs(reg.value(mh) - R0 - h * gdm);
        },
        std::abs(R0) + std::abs(gdm),
        type == "tv" || type == "l1"
            ? kSmoothedSteps
            : std::vector<PetscReal>{1e-1, 5e-2, 2.5e-2, 1.25e-2, 6.25e-3});
    if (type == "none") {
      EXPECT_TRUE(t.exact) << t.report();
      return;
    }
    EXPECT_FALSE(t.exact) << t.report();
    ASSERT_GE(t.slope.size(), 3u);
    for (PetscReal s : t.slope) EXPECT_NEAR(s, 2.0, 0.1) << t.report();
    const auto [lo, hi] = std::minmax_element(t.slope.begin(), t.slope.end());
    say("  gradient Taylor  %-12s %-34s slopes %.6f .. %.6f\n", type.c_str(), label.c_str(), *lo,
        *hi);
  });
}

TEST(Regularization, every_type_hessian_is_the_exact_derivative_of_the_gradient) {
  // The quadratic types: ‖∇R(m + h dm) − ∇R(m) − h H dm‖ is round-off (solver tolerance for the
  // bilaplacian prior's mass solve) at every h. The smoothed tv and l1: it falls as h² (Taylor
  // slope 2 for the gradient's derivative, i.e. slope 3 for R itself).
  forEveryType([](const std::string& label, const std::string& type, const FunctionSpace& V,
                  Regularization& reg) {
    auto m = random(V, 21), dm = random(V, 22), g = V.createVector(), gh = V.createVector(),
         Hdm = V.createVector(), mh = V.createVector();
    reg.gradient(m, g);
    reg.hessianApply(m, dm, Hdm);
    const PetscReal scale = norm(g) + norm(Hdm);
    if (type == "tv" || type == "l1") {
      auto t = taylorTest(
          [&](PetscReal h) {
            VecWAXPY(mh, h, dm, m);
            reg.gradient(mh, gh);
            VecAXPY(gh, -1.0, g);
            VecAXPY(gh, -h, Hdm);
            return norm(gh);
          },
          scale, kSmoothedSteps);
      EXPECT_FALSE(t.exact) << t.report();
      ASSERT_GE(t.slope.size(), 3u) << t.report();
      for (PetscReal sl : t.slope) EXPECT_NEAR(sl, 2.0, 0.1) << t.report();
      const auto [lo, hi] = std::minmax_element(t.slope.begin(), t.slope.end());
      say("  Hessian Taylor   %-12s %-34s slopes %.6f .. %.6f\n", type.c_str(), label.c_str(), *lo,
          *hi);
      return;
    }
    PetscReal worst = 0;
    for (PetscReal h : {1e-1, 1e-2, 1e-3, 1e-4}) {
      VecWAXPY(mh, h, dm, m);
      reg.gradient(mh, gh);
      VecAXPY(gh, -1.0, g);
      VecAXPY(gh, -h, Hdm);
      worst = std::max(worst, norm(gh) / std::max<PetscReal>(scale, 1e-300));
    }
    EXPECT_LT(worst, 1e-12);
    say("  Hessian Taylor   %-12s %-34s max remainder/scale %.2e\n", type.c_str(), label.c_str(),
        worst);
  });
}

TEST(Regularization, every_type_hessian_is_symmetric) {
  forEveryType([](const std::string& label, const std::string& type, const FunctionSpace& V,
                  Regularization& reg) {
    auto m = random(V, 31), x = random(V, 32), y = random(V, 33), Hx = V.createVector(),
         Hy = V.createVector();
    reg.hessianApply(m, x, Hx);
    reg.hessianApply(m, y, Hy);
    auto r = dotProductTest(dot(Hx, y), dot(x, Hy));
    EXPECT_LT(r.relativeError(), 1e-12) << r.lhs << " vs " << r.rhs;
    say("  symmetry         %-12s %-34s rel. error %.2e\n", type.c_str(), label.c_str(),
        r.relativeError());
  });
}

TEST(Regularization, hessian_inverse_inverts_the_hessian_where_available) {
  forEveryType([](const std::string& label, const std::string& type, const FunctionSpace& V,
                  Regularization& reg) {
    auto m = random(V, 41), x = random(V, 42), Hx = V.createVector(), y = V.createVector();
    reg.hessianApply(m, x, Hx);
    const bool available = reg.applyHessianInverse(Hx, y);
    // Which types must provide it: every one but 'none', here (δ > 0 or the l2/bilaplacian
    // defaults); h1 with δ = 0 (the first setup) has a singular Hessian.
    // tv and l1 have none (their Hessians are singular where m is flat); they precondition with
    // applyPreconditioner instead (TotalVariation tests below).
    const bool expected = type != "none" && type != "tv" && type != "l1" &&
                          !(type == "h1" && label == "triangles P1");
    EXPECT_EQ(available, expected);
    if (!available) return;
    VecAXPY(y, -1.0, x);
    const PetscReal err = norm(y) / norm(x);
    EXPECT_LT(err, 1e-8);
    say("  H^-1 H x = x     %-12s %-34s rel. error %.2e\n", type.c_str(), label.c_str(), err);
  });
}

TEST(Regularization, values_match_closed_forms) {
  auto mesh = gmsh("unit_square_coarse.msh");
  FunctionSpace V(mesh, {1, 1}, "m");
  auto value = [&](const std::string& options, const std::string& m) {
    ScopedOptions o(options);
    return regularizationFromOptions(V)->value(field(V, m));
  };
  // l2, m = 1, m0 = 0: R = γ/2 |Ω|; centred at m0 = 1 + x with m = x: R = γ/2 as well.
  EXPECT_NEAR(value("-reg_type l2", "1"), 0.5, 1e-12);
  EXPECT_NEAR(value("-reg_type l2 -reg_gamma 0.7", "1"), 0.35, 1e-12);
  EXPECT_NEAR(value("-reg_type l2 -reg_gamma 0.7 -reg_m0 1+x", "x"), 0.35, 1e-12);
  // h1 (the default type, γ = 1, δ = 0), m = x: ∫|∇x|² = 1, R = ½; with γ = 0.7, δ = 0.3:
  // R = γ/2 + δ/2 ∫x² = 0.35 + 0.05. Anisotropic Θ = [[2, .5], [.5, 1]], m = x + y:
  // R = γ/2 (Θ00 + 2Θ01 + Θ11) = 0.35 · 4.
  EXPECT_NEAR(value("", "x"), 0.5, 1e-12);
  EXPECT_NEAR(value("-reg_type h1 -reg_gamma 0.7", "x"), 0.35, 1e-12);
  EXPECT_NEAR(value("-reg_type h1 -reg_gamma 0.7 -reg_delta 0.3", "x"), 0.4, 1e-12);
  EXPECT_NEAR(value("-reg_type h1 -reg_gamma 0.7 -reg_theta 2,0.5,0.5,1", "x+y"), 1.4, 1e-12);
  // bilaplacian, m − m0 = c constant: K_Θ c = 0, so A c = δ M c, M⁻¹ A c = δ c and
  // R = ½ δ² c² |Ω| whatever γ and Θ: δ = 0.3, c = 2 → 0.18 (to the mass solve's tolerance).
  EXPECT_NEAR(value("-reg_type bilaplacian -reg_gamma 0.7 -reg_delta 0.3 "
                    "-reg_theta 2,0.5,0.5,1 -reg_m0 x",
                    "2+x"),
              0.18, 1e-10);
  // none is zero.
  EXPECT_EQ(value("-reg_type none", "x"), 0.0);
  // tv, m = x + 2y: R = γ √(|∇m|² + ε) |Ω| = 0.7 √(5 + 0.01); l1, m − m0 = 3 (|Ω| = 1):
  // γ √(9 + ε).
  EXPECT_NEAR(value("-reg_type tv -reg_gamma 0.7 -reg_epsilon 0.01", "x+2*y"),
              0.7 * std::sqrt(5.01), 1e-12);
  EXPECT_NEAR(value("-reg_type l1 -reg_gamma 0.7 -reg_epsilon 0.01 -reg_m0 x", "x+3"),
              0.7 * std::sqrt(9.01), 1e-12);
  // l2 gradient at m = 1: γ M 1, whose entries sum to γ |Ω|.
  {
    ScopedOptions o("-reg_type l2 -reg_gamma 0.7");
    auto reg = regularizationFromOptions(V);
    auto g = V.createVector();
    reg->gradient(field(V, "1"), g);
    PetscScalar sum = 0;
    VecSum(g, &sum);
    EXPECT_NEAR(sum, 0.7, 1e-12);
  }
}

TEST(BiLaplacianPrior, robin_term_and_solver_options) {
  auto mesh = gmsh("unit_square_coarse.msh");
  FunctionSpace V(mesh, {1, 1}, "m");
  ScopedOptions o(
      "-reg_type bilaplacian -reg_gamma 0.5 -reg_delta 2 -reg_robin"
      " -reg_A_pc_type gamg -reg_mass_ksp_rtol 1e-13");
  auto reg = regularizationFromOptions(V);
  auto* prior = dynamic_cast<BiLaplacianPrior*>(reg.get());
  ASSERT_NE(prior, nullptr);
  EXPECT_NEAR(prior->beta(), 1.0 / 1.42, 1e-15);  // √(γδ)/1.42 = 1/1.42
  // A 1 = δ M 1 + β M_∂Ω 1, so 1ᵀ A 1 = δ |Ω| + β |∂Ω| = 2 + 4/1.42.
  auto one = field(V, "1"), A1 = V.createVector();
  MatMult(prior->A(), one, A1);
  EXPECT_NEAR(dot(one, A1), 2.0 + 4.0 / 1.42, 1e-12);
  // The solvers took their options from -reg_A_* and -reg_mass_*; nothing set is left unused.
  PC pc = nullptr;
  KSPGetPC(prior->Asolver().ksp(), &pc);
  PCType type = nullptr;
  PCGetType(pc, &type);
  EXPECT_STREQ(type, PCGAMG);
  PetscReal rtol = 0;
  KSPGetTolerances(prior->massSolver().ksp(), &rtol, nullptr, nullptr, nullptr);
  EXPECT_EQ(rtol, 1e-13);
  EXPECT_NO_THROW(checkAllOptionsUsed());
}

TEST(BiLaplacianPrior, samples_are_reproducible_centred_and_have_the_prior_covariance) {
  // Triangles P1 and P2. The noise's covariance is exactly M (test_fem: mass_root_...); here
  // the samples' mean and covariance A⁻¹ M A⁻¹ are checked statistically.
  auto mesh = gmsh("unit_square_coarse.msh");
  for (int degree : {1, 2}) {
    FunctionSpace V(mesh, {degree, 1}, "m");
    ScopedOptions o("-reg_type bilaplacian -reg_gamma 0.1 -reg_delta 1 -reg_m0 1+x*y");
    auto reg = regularizationFromOptions(V);
    auto& prior = dynamic_cast<BiLaplacianPrior&>(*reg);
    SCOPED_TRACE("P" + std::to_string(degree));

    // Reproducible for a fixed seed (bit for bit), different for another seed.
    auto a = V.createVector(), b = V.createVector(), c = V.createVector();
    ASSERT_TRUE(prior.sample(7, a));
    ASSERT_TRUE(prior.sample(7, b));
    ASSERT_TRUE(prior.sample(8, c));
    VecAXPY(b, -1.0, a);
    EXPECT_EQ(norm(b), 0.0);
    VecAXPY(c, -1.0, a);
    EXPECT_GT(norm(c), 0.1 * norm(a));

    // N samples: pointwise mean and variance, and the variance of two linear functionals
    // ⟨u, m − m0⟩, which is uᵀ A⁻¹ M A⁻¹ u.
    const int N = 400;
    Vec m0 = prior.mean();
    auto sum = V.createVector(), sum2 = V.createVector(), x = V.createVector(),
         sq = V.createVector();
    VecSet(sum, 0.0);
    VecSet(sum2, 0.0);
    auto u1 = V.createVector(), u2 = random(V, 5);
    MatMult(prior.mass(), field(V, "1"), u1);  // ⟨u1, m − m0⟩ = ∫ (m − m0)
    std::vector<Vec> us = {u1, u2};
    std::vector<PetscReal> est(2, 0.0);
    for (int k = 0; k < N; ++k) {
      prior.sample(1000 + k, x);
      VecAXPY(x, -1.0, m0);
      VecAXPY(sum, 1.0, x);
      VecPointwiseMult(sq, x, x);
      VecAXPY(sum2, 1.0, sq);
      for (int i = 0; i < 2; ++i) est[i] += std::pow(dot(us[i], x), 2) / N;
    }
    // Mean: every dof within 5 standard errors of m0 (|mean − m0| ≤ 5 s/√N).
    auto z = V.createVector();
    VecScale(sum, 1.0 / N);            // mean − m0
    VecScale(sum2, 1.0 / N);           // E[(m − m0)²]
    VecPointwiseMult(sq, sum, sum);    // (mean − m0)²
    VecAXPY(sum2, -1.0, sq);           // variance s²
    VecScale(sum2, 1.0 / N);           // s²/N
    VecSqrtAbs(sum2);                  // standard error
    VecPointwiseDivide(z, sum, sum2);  // standardized mean
    PetscReal zmax = 0;
    VecNorm(z, NORM_INFINITY, &zmax);
    EXPECT_LT(zmax, 5.0);
    // Covariance: sample variance of ⟨u, m − m0⟩ (known mean) within 4 standard deviations of
    // the estimator, 4·√(2/N) ≈ 0.28 relative.
    auto y = V.createVector(), My = V.createVector();
    for (int i = 0; i < 2; ++i) {
      prior.solveA(us[i], y);
      VecPointwiseMult(My, y, prior.lumpedMass());
      const PetscReal lumped = dot(y, My);
      MatMult(prior.mass(), y, My);
      const PetscReal consistent = dot(y, My);
      EXPECT_NEAR(est[i] / consistent, 1.0, 4 * std::sqrt(2.0 / N));
      say("  samples P%d  u%d: est/exact var %.4f  lumped/exact %.4f  max|z(mean)| %.2f\n", degree,
          i + 1, est[i] / consistent, lumped / consistent, zmax);
    }
  }
  // The other types are not Gaussian priors.
  auto quadMesh = quads(4);
  FunctionSpace W(quadMesh, {1, 1}, "m");
  auto out = W.createVector();
  for (const auto& type : regularizationRegistry().names()) {
    ScopedOptions o("-reg_type " + type);
    EXPECT_EQ(regularizationFromOptions(W)->sample(1, out), type == "bilaplacian") << type;
  }
}

TEST(Regularization, bad_options_are_input_errors_naming_the_option) {
  auto mesh = quads(4);
  FunctionSpace V(mesh, {1, 1}, "m");
  auto expectError = [&](const std::string& options, const std::string& text) {
    ScopedOptions o(options);
    try {
      regularizationFromOptions(V);
      ADD_FAILURE() << "no InputError for " << options;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos)
          << options << " gave: " << e.what();
    }
  };
  expectError("-reg_type x",
              "unknown regularization 'x' (-reg_type); available: bilaplacian, h1, l1, l2, none, "
              "tv");
  for (std::string type : {"l2", "h1", "bilaplacian", "tv", "l1"}) {
    expectError("-reg_type " + type + " -reg_gamma 0", "option -reg_gamma must be positive, got 0");
    expectError("-reg_type " + type + " -reg_gamma -2",
                "option -reg_gamma must be positive, got -2");
    expectError("-reg_type " + type + " -reg_gamma abc",
                "option -reg_gamma expects a real number, got 'abc'");
    if (type != "tv")
      expectError("-reg_type " + type + " -reg_m0 sin(", "malformed expression for -reg_m0");
  }
  for (std::string type : {"tv", "l1"}) {
    expectError("-reg_type " + type + " -reg_epsilon 0",
                "option -reg_epsilon (the smoothing ε of √(|∇m|² + ε)) must be positive, got 0");
    expectError("-reg_type " + type + " -reg_epsilon -1e-3",
                "option -reg_epsilon (the smoothing ε of √(|∇m|² + ε)) must be positive, got "
                "-0.001");
    expectError("-reg_type " + type + " -reg_epsilon nan", "must be positive, got nan");
    expectError("-reg_type " + type + " -reg_pc_shift 0",
                "option -reg_pc_shift must be positive, got 0");
  }
  {
    FunctionSpace P0(mesh, {0, 1}, "m0");
    ScopedOptions o("-reg_type tv");
    try {
      regularizationFromOptions(P0);
      ADD_FAILURE() << "no InputError for tv on P0";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("-reg_type tv needs a continuous parameter field"),
                std::string::npos)
          << e.what();
    }
  }
  for (std::string type : {"h1", "bilaplacian"}) {
    expectError("-reg_type " + type + " -reg_delta -0.5",
                "option -reg_delta must be non-negative, got -0.5");
    expectError("-reg_type " + type + " -reg_theta 1,2,2,1",
                "option -reg_theta must be positive definite, got 1,2,2,1 (eigenvalues -1,3)");
    expectError("-reg_type " + type + " -reg_theta -1,0,0,-1",
                "option -reg_theta must be positive definite");
    expectError("-reg_type " + type + " -reg_theta 1,0.5,0,1",
                "option -reg_theta must be a symmetric tensor");
    expectError("-reg_type " + type + " -reg_theta 1,0,0",
                "option -reg_theta needs 4 values (a 2×2 tensor, row-major), got 3");
  }
  expectError("-reg_type bilaplacian -reg_delta 0",
              "bilaplacian prior: option -reg_delta must be positive");
  expectError("-reg_type bilaplacian -reg_delta 0 -reg_robin",
              "bilaplacian prior: option -reg_delta must be positive");
}

namespace {
// ‖H_pd z − H z‖ / ‖H z‖: the primal-dual Hessian of `pd` (linearized at m) against the exact
// Hessian of `exact` (never linearized) at m, for a fixed smooth z.
PetscReal primalDualGap(Regularization& pd, Regularization& exact, const FunctionSpace& V, Vec m) {
  auto z = field(V, "sin(3*x)*cos(2*y)"), a = V.createVector(), b = V.createVector();
  pd.hessianApply(m, z, a);
  exact.hessianApply(m, z, b);
  VecAXPY(a, -1.0, b);
  return norm(a) / norm(b);
}
}  // namespace

TEST(TotalVariation, primal_dual_hessian_is_exact_at_a_consistent_dual_and_newton_accurate) {
  auto mesh = gmsh("unit_square_coarse.msh");
  FunctionSpace V(mesh, {1, 1}, "m");
  // ε comparable to |∇m|², so that |w| = |∇m|/n stays well inside the unit ball.
  ScopedOptions o("-reg_type tv -reg_gamma 0.7 -reg_epsilon 0.25");
  auto pd = regularizationFromOptions(V), exact = regularizationFromOptions(V);
  auto m = field(V, "0.6*sin(3*x) + 0.4*y*y"), v = field(V, "cos(2*x)*y + x*x");
  // At the first linearization w = ∇m/n: H_pd is the exact Hessian.
  pd->linearizeAt(m, true);
  EXPECT_LT(primalDualGap(*pd, *exact, V, m), 1e-13);
  // One primal step t v: the dual takes its Newton step, so w misses ∇(m + t v)/n by O(t²) and
  // so does H_pd; a dual left at ∇m/n would miss by O(t).
  std::vector<PetscReal> gaps;
  for (PetscReal t : {0.1, 0.05, 0.025}) {
    auto again = regularizationFromOptions(V);
    again->linearizeAt(m, true);
    auto mt = V.createVector();
    VecWAXPY(mt, t, v, m);
    again->linearizeAt(mt, false);
    gaps.push_back(primalDualGap(*again, *exact, V, mt));
  }
  for (size_t i = 1; i < gaps.size(); ++i) {
    const PetscReal slope = std::log2(gaps[i - 1] / gaps[i]);
    EXPECT_NEAR(slope, 2.0, 0.15) << gaps[i - 1] << " → " << gaps[i];
    say("  primal-dual Hessian gap after a step t: %.3e → %.3e, slope %.3f\n", gaps[i - 1], gaps[i],
        slope);
  }
  // Away from the linearization point the Hessian actions are exact (derivative checks).
  auto elsewhere = field(V, "x*y");
  EXPECT_LT(primalDualGap(*pd, *exact, V, elsewhere), 1e-13);
}

TEST(TotalVariation, primal_dual_hessian_and_preconditioner_stay_positive_after_large_steps) {
  auto mesh = gmsh("unit_square_coarse.msh");
  FunctionSpace V(mesh, {1, 1}, "m");
  for (std::string type : {"tv", "l1"}) {
    SCOPED_TRACE(type);
    // A small ε: large steps push the dual's Newton step out of the unit ball, so the step is cut.
    ScopedOptions o("-reg_type " + type + " -reg_epsilon 1e-6");
    auto reg = regularizationFromOptions(V);
    auto m = random(V, 51), step = random(V, 52);
    reg->linearizeAt(m, true);
    for (int k = 0; k < 4; ++k) {
      VecAXPY(m, 3.0, step);
      VecScale(step, -0.7);
      reg->linearizeAt(m, false);
      PetscReal worst = 0, scale = 0;
      for (unsigned long seed = 60; seed < 64; ++seed) {
        auto z = random(V, seed), Hz = V.createVector();
        reg->hessianApply(m, z, Hz);
        worst = std::min(worst, dot(z, Hz));
        scale = std::max(scale, norm(z) * norm(Hz));
      }
      EXPECT_GE(worst, -1e-12 * scale) << "indefinite after step " << k;
      // The preconditioner: symmetric positive definite.
      auto x = random(V, 70), y = random(V, 71), Px = V.createVector(), Py = V.createVector();
      ASSERT_TRUE(reg->applyPreconditioner(x, Px));
      ASSERT_TRUE(reg->applyPreconditioner(y, Py));
      auto r = dotProductTest(dot(Px, y), dot(x, Py));
      EXPECT_LT(r.relativeError(), 1e-10);
      EXPECT_GT(dot(Px, x), 0.0);
    }
  }
}
