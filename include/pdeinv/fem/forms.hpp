#pragma once
// Standard bilinear forms on a FunctionSpace, for L2 and H1 inner products and priors.
//   M_ij   = ∫ φ_i · φ_j dx            (mass)
//   K_ij   = ∫ ∇φ_i : ∇φ_j dx          (stiffness)
//   K_Θ,ij = ∫ ∇φ_i · Θ ∇φ_j dx        (anisotropic stiffness, constant dim×dim tensor Θ)
//   B_ij   = ∫_Γ φ_i · φ_j ds          (boundary mass on the facets Γ of a label value)
#include <string>
#include <vector>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/fem/function_space.hpp"

namespace pdeinv {

// layout (optional): a matrix of V's layout — another form on V — whose structure is copied
// (MatDuplicate) instead of calling DMCreateMatrix. With PETSc 3.18 the preallocation in
// DMCreateMatrix is by far the slowest step of assembling a form (1.6 s for 3·10⁴ P1 dofs on a
// refined gmsh mesh, against milliseconds for the element loop), so several forms on one space
// should share one preallocation. All forms below have the same (full element-coupling) layout.
Owned<Mat> massMatrix(const FunctionSpace& V, Mat layout = nullptr);
Owned<Mat> stiffnessMatrix(const FunctionSpace& V, Mat layout = nullptr);
// theta: dim×dim, row-major (the weak form of −∇·(Θ∇u)); applied to every component.
Owned<Mat> anisotropicStiffnessMatrix(const FunctionSpace& V, const std::vector<PetscReal>& theta,
                                      Mat layout = nullptr);

// ‖a − b‖_M / ‖b‖_M with a form M (e.g. massMatrix: the relative L2 error of a field against a
// reference b); ‖a − b‖_M when b = 0.
PetscReal relativeError(Mat M, Vec a, Vec b);

// Facet mass matrix over the facets of mesh label `label` with value `value` (by default every
// boundary facet). Each labelled facet is integrated once, from one of its cells (the traces of
// a continuous element agree), by the rank that owns the facet; so it also works for interior
// interfaces and at any number of ranks. Same layout as massMatrix (entries off Γ are zero).
// Continuous elements only (degree ≥ 1); InputError for a missing label or value.
Owned<Mat> boundaryMassMatrix(const FunctionSpace& V, const std::string& label = "boundary",
                              PetscInt value = 1, Mat layout = nullptr);

}  // namespace pdeinv
