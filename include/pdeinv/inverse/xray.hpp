#pragma once
// Computed tomography: the parallel-beam X-ray transform of an attenuation field on a 2-D mesh,
// and the Shepp–Logan phantom.
//
// Geometry (XRayGeometry): k projection angles θ_j = θ_0 + j Δ/k (j = 0 … k−1; Δ = 180° is a
// full scan, less a limited-angle one) and n detector bins per angle, centred at offsets
// s_i = −W/2 + (i + ½) W/n across a detector of width W (default: the diagonal of the mesh's
// bounding box, so every ray through the domain is sampled). Ray (j, i) is the line
// {c + s_i e_j + t d_j}, e_j = (cos θ_j, sin θ_j), d_j = (−sin θ_j, cos θ_j), c the centre
// (default: the bounding box's centre); its index in the sinogram is j n + i.
//
// The transform (A μ)_{ji} = ∫ μ along ray (j, i), exact for the field's elements: a P0 field
// contributes μ_K times the chord through cell K (any convex 2-D cell), a P1 field on triangles
// the chord length times the mean of the field at the chord's two ends (exact for a linear
// integrand). A is a sparse matrix (rays × state dofs) assembled once, cell by cell on the
// rank that owns the cell, from each cell's range of detector offsets per angle; Aᵀ is its
// transpose product. A ray exactly along an edge or through a vertex is counted once (vertices
// on the line count as on its positive side: a symbolic perturbation).
//
// The observation (-obs_type xray, the state field observed; with -operator identity the state
// is the parameter itself):
//   line integrals (default):     y = A u
//   photon counts (-obs_xray_photons I0 > 0): y = log I0 − A u, the log of the Beer–Lambert
//                                  expected count I0 e^{−∫μ}, so that -misfit_type poisson
//                                  (rate e^y) is the photon-count likelihood and synthetic
//                                  data are counts ~ Poisson(I0 e^{−∫μ}).
// Options (prefix obs_): -obs_xray_angles k (> 0), -obs_xray_bins n (> 0), -obs_xray_range Δ
// (degrees, in (0, 360]; default 180), -obs_xray_start θ_0 (degrees, default 0),
// -obs_xray_width W (> 0), -obs_xray_center cx,cy, -obs_xray_photons I0 (≥ 0).
// The state must be a scalar P0 field, or P1 on triangles, in 2-D, without Dirichlet
// conditions (every dof is observed).
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/fem/function_space.hpp"
#include "pdeinv/inverse/observation.hpp"

namespace pdeinv {

struct XRayGeometry {
  PetscInt angles = 0, bins = 0;
  PetscReal rangeDegrees = 180, startDegrees = 0;
  PetscReal width = 0;                // 0: the bounding box's diagonal
  std::array<PetscReal, 2> center{};  // used when hasCenter
  bool hasCenter = false;             // else the bounding box's centre
  PetscReal photons = 0;              // I0 > 0: photon-count model
  std::string prefix = "obs_";

  std::string flag(const std::string& name) const { return "-" + prefix + "xray_" + name; }
  // InputError naming the option for k ≤ 0, n ≤ 0, Δ outside (0, 360], W < 0, I0 < 0 or any
  // non-finite value.
  void validate() const;
  // Reads the options (validate() checks them; xrayMatrix calls it).
  static XRayGeometry fromOptions(const Options& opts);
  PetscReal angle(PetscInt j) const;  // θ_j in radians
};

// A (rays × dofs of V), assembled; geometry defaults (width, centre) filled in from V's mesh.
// InputError when V is not a scalar 2-D P0 field or P1 field on triangles, or has Dirichlet
// conditions.
Owned<Mat> xrayMatrix(const FunctionSpace& V, XRayGeometry& geometry);

// The observation above (registered as -obs_type xray).
std::unique_ptr<ObservationOperator> makeXRayObservation(const FunctionSpace& V,
                                                         XRayGeometry geometry);

// The modified Shepp–Logan phantom (Toft's higher-contrast variant of Shepp and Logan's ten
// ellipses) on the square [cx − h, cx + h] × [cy − h, cy + h], as an expression in x and y
// (muparser). -truth shepp_logan is this phantom on the square around the mesh's bounding box.
std::string sheppLoganExpression(PetscReal cx, PetscReal cy, PetscReal h);
// Its exact X-ray transform (the Radon transform of each ellipse in closed form) for the
// geometry, in sinogram order (j n + i); the geometry's width and centre must be set.
std::vector<PetscReal> sheppLoganSinogram(const XRayGeometry& geometry, PetscReal cx, PetscReal cy,
                                          PetscReal h);

}  // namespace pdeinv
