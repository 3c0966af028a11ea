#pragma once
// Standard bilinear forms on a FunctionSpace, for L2 and H1 inner products and priors.
//   M_ij = ∫ φ_i · φ_j dx        (mass)
//   K_ij = ∫ ∇φ_i : ∇φ_j dx      (stiffness)
#include "pdeinv/core/handle.hpp"
#include "pdeinv/fem/function_space.hpp"

namespace pdeinv {

Owned<Mat> massMatrix(const FunctionSpace& V);
Owned<Mat> stiffnessMatrix(const FunctionSpace& V);

}  // namespace pdeinv
