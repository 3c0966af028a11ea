// inverse: the parallel-beam X-ray transform (-obs_type xray). Exact line integrals of the fields
// the elements represent exactly (constants and linear fields: every ray equals the analytic
// integral along its chord through the square to 1e-12, including rays along mesh edges and
// through vertices), the adjoint ⟨Ax, y⟩ = ⟨x, Aᵀy⟩, a disc's chords and the Shepp–Logan
// phantom's analytic sinogram approached under refinement, the photon-count model, and bad
// geometry options refused naming the option.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "../test_util.hpp"
#include "pdeinv/analysis/derivative_check.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/inverse/xray.hpp"

using namespace pdeinv;
using pdeinv::test::field;
using pdeinv::test::meshPath;
using pdeinv::test::ScopedOptions;

namespace {

Mesh square(int n) {
  auto m =
      Mesh::fromGmsh(PETSC_COMM_WORLD, meshPath("structured_square_" + std::to_string(n) + ".msh"));
  m.distribute();
  return m;
}
// Every ray's value, in sinogram order, on every rank.
std::vector<PetscReal> sinogram(Mat A, Vec u) {
  Owned<Vec> p;
  PDEINV_CALL(MatCreateVecs(A, nullptr, p.out()));
  PDEINV_CALL(MatMult(A, u, p));
  Owned<Vec> all;
  VecScatter sc = nullptr;
  PDEINV_CALL(VecScatterCreateToAll(p, &sc, all.out()));
  PDEINV_CALL(VecScatterBegin(sc, p, all, INSERT_VALUES, SCATTER_FORWARD));
  PDEINV_CALL(VecScatterEnd(sc, p, all, INSERT_VALUES, SCATTER_FORWARD));
  PDEINV_CALL(VecScatterDestroy(&sc));
  PetscInt n = 0;
  PDEINV_CALL(VecGetSize(all, &n));
  const PetscScalar* a = nullptr;
  PDEINV_CALL(VecGetArrayRead(all, &a));
  std::vector<PetscReal> out(a, a + n);
  PDEINV_CALL(VecRestoreArrayRead(all, &a));
  return out;
}
// The chord of ray (j, i) through the unit square [0, 1]²: its two ends (empty if it misses).
bool chord(const XRayGeometry& g, PetscInt j, PetscInt i, PetscReal p0[2], PetscReal p1[2]) {
  const PetscReal th = g.angle(j), e[2] = {std::cos(th), std::sin(th)},
                  d[2] = {-std::sin(th), std::cos(th)};
  const PetscReal s = -0.5 * g.width + (i + 0.5) * g.width / g.bins;
  const PetscReal o[2] = {g.center[0] + s * e[0], g.center[1] + s * e[1]};
  PetscReal lo = -1e300, hi = 1e300;
  for (int k = 0; k < 2; ++k) {
    if (std::abs(d[k]) < 1e-300) {
      if (o[k] < 0 || o[k] > 1) return false;
      continue;
    }
    PetscReal a = (0 - o[k]) / d[k], b = (1 - o[k]) / d[k];
    if (a > b) std::swap(a, b);
    lo = std::max(lo, a), hi = std::min(hi, b);
  }
  if (!(hi > lo)) return false;
  for (int k = 0; k < 2; ++k) p0[k] = o[k] + lo * d[k], p1[k] = o[k] + hi * d[k];
  return true;
}
PetscReal dot(Vec a, Vec b) {
  PetscScalar v = 0;
  VecDot(a, b, &v);
  return v;
}

}  // namespace

TEST(XRay, constant_and_linear_fields_integrate_exactly_along_every_ray) {
  auto mesh = square(16);
  for (int degree : {0, 1}) {
    FunctionSpace V(mesh, {degree, 1}, "mu");
    // 8 bins over width 1 put rays at x = (2i + 1)/16 for θ = 0: exactly along mesh edges;
    // θ = 45° sends rays through vertices. 13 bins over the diagonal are generic.
    for (auto [angles, bins, width] :
         {std::tuple<PetscInt, PetscInt, PetscReal>{4, 8, 1.0}, {7, 13, 0.0}}) {
      XRayGeometry g;
      g.angles = angles, g.bins = bins, g.width = width;
      auto A = xrayMatrix(V, g);
      const auto ones = sinogram(A, field(V, "1"));
      // A linear field only for P1 (P0 holds cell-centroid values).
      const auto linear = degree == 1 ? sinogram(A, field(V, "1+2*x-y")) : ones;
      PetscReal worst = 0;
      int hits = 0;
      for (PetscInt j = 0; j < angles; ++j)
        for (PetscInt i = 0; i < bins; ++i) {
          PetscReal p0[2], p1[2];
          const size_t r = static_cast<size_t>(j * bins + i);
          if (!chord(g, j, i, p0, p1)) {
            worst = std::max(worst, std::abs(ones[r]));
            continue;
          }
          ++hits;
          const PetscReal L = std::hypot(p1[0] - p0[0], p1[1] - p0[1]);
          worst = std::max(worst, std::abs(ones[r] - L));
          if (degree == 1) {
            const PetscReal f0 = 1 + 2 * p0[0] - p0[1], f1 = 1 + 2 * p1[0] - p1[1];
            worst = std::max(worst, std::abs(linear[r] - 0.5 * L * (f0 + f1)));
          }
        }
      EXPECT_GT(hits, angles * bins / 2);
      EXPECT_LT(worst, 1e-12) << "P" << degree << ", " << angles << " angles, " << bins << " bins";
      PetscPrintf(PETSC_COMM_WORLD,
                  "  P%d, %2d angles x %2d bins: max |A mu - exact chord integral| %.2e\n", degree,
                  static_cast<int>(angles), static_cast<int>(bins), worst);
    }
  }
}

TEST(XRay, transpose_is_the_adjoint_in_both_observation_models) {
  auto mesh = square(16);
  for (int degree : {0, 1})
    for (PetscReal photons : {0.0, 1e4}) {
      FunctionSpace V(mesh, {degree, 1}, "mu");
      XRayGeometry g;
      g.angles = 9, g.bins = 21, g.photons = photons, g.rangeDegrees = 60;
      auto B = makeXRayObservation(V, g);
      auto x = V.createVector(), ATy = V.createVector();
      auto y = B->createObservationVector(), Ax = B->createObservationVector();
      fillRandom(x, 3);
      fillRandom(y, 4);
      B->applyLinear(x, Ax);
      B->applyTranspose(y, ATy);
      auto r = dotProductTest(dot(Ax, y), dot(x, ATy));
      EXPECT_LT(r.relativeError(), 1e-12);
      PetscPrintf(PETSC_COMM_WORLD, "  P%d, I0 = %g: <Ax, y> vs <x, A^T y> rel. error %.2e\n",
                  degree, photons, r.relativeError());
      // Counts: y = log I0 − A u is affine, its linear part −A.
      if (photons > 0) {
        auto u = field(V, "0.3+x*y"), Bu = B->createObservationVector(),
             Au = B->createObservationVector();
        B->apply(u, Bu);
        B->applyLinear(u, Au);
        VecShift(Au, std::log(photons));
        VecAXPY(Au, -1.0, Bu);
        PetscReal e = 0;
        VecNorm(Au, NORM_INFINITY, &e);
        EXPECT_LT(e, 1e-12);
      }
    }
}

TEST(XRay, a_disc_and_the_shepp_logan_phantom_approach_their_analytic_sinograms) {
  // A disc of radius r = 0.3 at the centre (P0: cell-centroid values): ray integrals approach
  // the chord 2√(r² − s²) as the mesh is refined; the phantom's sinogram approaches the
  // closed-form one. Relative L2 errors, 16² → 32² → 64².
  std::vector<PetscReal> disc, phantom;
  for (int n : {16, 32, 64}) {
    auto mesh = square(n);
    FunctionSpace P0(mesh, {0, 1}, "mu"), P1(mesh, {1, 1}, "mu");
    XRayGeometry g;
    g.angles = 12, g.bins = 48;
    auto A0 = xrayMatrix(P0, g);
    const auto p = sinogram(A0, field(P0, "((x-0.5)^2+(y-0.5)^2<=0.09)"));
    PetscReal num = 0, den = 0;
    for (PetscInt j = 0; j < g.angles; ++j)
      for (PetscInt i = 0; i < g.bins; ++i) {
        const PetscReal s = -0.5 * g.width + (i + 0.5) * g.width / g.bins;
        const PetscReal exact = s * s < 0.09 ? 2 * std::sqrt(0.09 - s * s) : 0.0;
        num += std::pow(p[j * g.bins + i] - exact, 2), den += exact * exact;
      }
    disc.push_back(std::sqrt(num / den));
    auto A1 = xrayMatrix(P1, g);
    const auto q = sinogram(A1, field(P1, sheppLoganExpression(0.5, 0.5, 0.5)));
    const auto exact = sheppLoganSinogram(g, 0.5, 0.5, 0.5);
    num = den = 0;
    for (size_t k = 0; k < exact.size(); ++k)
      num += std::pow(q[k] - exact[k], 2), den += exact[k] * exact[k];
    phantom.push_back(std::sqrt(num / den));
    PetscPrintf(PETSC_COMM_WORLD,
                "  %2d²: disc sinogram rel. error %.3e, Shepp-Logan sinogram rel. error %.3e\n", n,
                disc.back(), phantom.back());
  }
  for (size_t k = 1; k < disc.size(); ++k) {
    EXPECT_LT(disc[k], 0.75 * disc[k - 1]);
    EXPECT_LT(phantom[k], 0.8 * phantom[k - 1]);
  }
  EXPECT_LT(disc.back(), 0.03);
  EXPECT_LT(phantom.back(), 0.1);
}

TEST(XRay, the_analytic_phantom_transform_sums_the_ellipses_chords) {
  // sheppLoganSinogram's ellipse formula on one ray worked by hand: θ = 0, s = 0 is the line
  // X = 0 of the phantom square [−1, 1]². It crosses ellipse 1 (ρ = 1, chord 2·0.92 along its
  // b axis), ellipse 2 (ρ = −0.8, chord 2·0.874), 5 (ρ = 0.1, chord 2·0.25), 6 and 7 (discs of
  // radius 0.046) and 9 (a disc of radius 0.023); 3, 4, 8 and 10 lie beside it.
  XRayGeometry g;
  g.angles = 1, g.bins = 1, g.width = 1;  // one ray, at s = 0
  g.center = {0, 0};
  g.hasCenter = true;
  const auto p = sheppLoganSinogram(g, 0, 0, 1);
  const PetscReal at0 =
      2 * 0.92 - 0.8 * 2 * 0.874 + 0.1 * 2 * 0.25 + 0.1 * 2 * 0.046 * 2 + 0.1 * 2 * 0.023;
  EXPECT_NEAR(p[0], at0, 1e-12);
}

TEST(XRay, bad_geometry_is_refused_naming_the_option) {
  auto mesh = square(16);
  FunctionSpace V(mesh, {1, 1}, "mu");
  auto expectError = [&](const std::string& options, const std::string& text) {
    ScopedOptions o(options);
    try {
      makeXRayObservation(V, XRayGeometry::fromOptions(Options("obs_")));
      ADD_FAILURE() << "no InputError for " << options;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos)
          << options << " gave: " << e.what();
    }
  };
  expectError("-obs_xray_bins 10", "option -obs_xray_angles must be positive, got 0");
  expectError("-obs_xray_angles -3 -obs_xray_bins 10",
              "option -obs_xray_angles must be positive, got -3");
  expectError("-obs_xray_angles 3 -obs_xray_bins 0", "option -obs_xray_bins must be positive");
  expectError("-obs_xray_angles 3 -obs_xray_bins 4 -obs_xray_range 400",
              "option -obs_xray_range must lie in (0, 360] degrees, got 400");
  expectError("-obs_xray_angles 3 -obs_xray_bins 4 -obs_xray_range 0",
              "option -obs_xray_range must lie in (0, 360] degrees, got 0");
  expectError("-obs_xray_angles 3 -obs_xray_bins 4 -obs_xray_photons -5",
              "option -obs_xray_photons must be non-negative");
  expectError("-obs_xray_angles 3 -obs_xray_bins 4 -obs_xray_width -1",
              "option -obs_xray_width must be positive");
  expectError("-obs_xray_angles 3 -obs_xray_bins 4 -obs_xray_center 1",
              "option -obs_xray_center needs 2 values cx,cy, got 1");
  FunctionSpace P2(mesh, {2, 1}, "mu2");
  try {
    XRayGeometry g;
    g.angles = 3, g.bins = 4;
    xrayMatrix(P2, g);
    ADD_FAILURE() << "no InputError for a P2 field";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("needs a P0 field, or a P1 field on triangles"),
              std::string::npos)
        << e.what();
  }
}
