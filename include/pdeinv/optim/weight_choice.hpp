#pragma once
// Choosing the regularization weight β of J = Φ + β R.
//
// Morozov's discrepancy principle: the misfit at the solution should match what the noise
// alone produces. For the Gaussian misfit Φ = ½ Σ ((Bu − d)/σ)², E[Φ(u_true)] = N/2 (N the
// number of observations). Φ(β) grows with β, so β is found by bracketing in log β (factors
// of 10) and then regula falsi on log Φ against log β, which is nearly linear there.
//
// L-curve: inversions over a list of β; the corner of the curve (log Φ, log R) is the point of
// largest curvature (the circle through each point and its neighbours, as in Hansen's
// pruning-free discrete variant).
#include <petscsys.h>

#include <functional>
#include <vector>

namespace pdeinv {

struct WeightTrial {
  PetscReal weight = 0, misfit = 0, regularization = 0;  // regularization: R (not β R)
  PetscInt iterations = 0;
  bool converged = false;
};

struct MorozovResult {
  PetscReal weight = 0;
  bool found = false;  // |Φ/target − 1| ≤ rtol reached
  std::vector<WeightTrial> trials;
};

// invert(β) runs an inversion at weight β (the caller warm-starts it) and reports the trial.
MorozovResult morozov(const std::function<WeightTrial(PetscReal)>& invert, PetscReal target,
                      PetscReal weight0, PetscReal rtol = 0.05, int maxTrials = 16);

// Index of the L-curve corner among trials (any order of β; at least three trials).
std::size_t lcurveCorner(const std::vector<WeightTrial>& trials);

}  // namespace pdeinv
