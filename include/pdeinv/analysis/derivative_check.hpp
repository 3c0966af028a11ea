#pragma once
// Derivative verification, returning what was measured (as Ceres' GradientChecker does).
//
// Taylor test: for a map F with claimed derivative dF in direction v, the remainder
//   r(h) = ‖F(x + h v) − F(x) − h dF v‖  is O(h²),
// so log r against log h has slope 2 (3 for a second-order remainder). A map that is linear
// in x has r(h) at round-off for every h; that is reported as exact.
//
// Adjoint (dot-product) test: for an operator A and its claimed transpose Aᵀ,
//   ⟨A x, y⟩ = ⟨x, Aᵀ y⟩  to round-off, for random x, y.
#include <petscvec.h>

#include <functional>
#include <string>
#include <vector>

#include "pdeinv/core/random.hpp"  // fillRandom, used with every check

namespace pdeinv {

struct TaylorResult {
  std::vector<PetscReal> h, remainder, slope;  // slope[i] between h[i] and h[i+1]
  bool exact = false;                          // remainder at round-off everywhere
  PetscReal observedOrder() const;             // median slope (exact → +inf)
  std::string report() const;
};

// remainder(h) returns r(h); scale is ‖F(x)‖ + ‖dF v‖ (to judge round-off).
TaylorResult taylorTest(const std::function<PetscReal(PetscReal)>& remainder, PetscReal scale,
                        std::vector<PetscReal> hs = {1e-1, 5e-2, 2.5e-2, 1.25e-2, 6.25e-3});

struct DotProductResult {
  PetscReal lhs = 0, rhs = 0;
  PetscReal relativeError() const;
};
// ⟨Ax, y⟩ against ⟨x, Aᵀy⟩: the caller passes both numbers.
DotProductResult dotProductTest(PetscReal Ax_dot_y, PetscReal x_dot_ATy);

// ‖a − b‖₂ / ‖b‖₂: how far a computed vector is from a reference b.
PetscReal relativeDifference(Vec a, Vec b);

}  // namespace pdeinv
