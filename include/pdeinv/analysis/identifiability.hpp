#pragma once
// Identifying a few global parameters, and what the data can tell about them.
//
// For an inverse problem in scalar mode (-parameter_space scalars: θ ∈ ℝᵏ, k small — a source's
// strength and position, the Lamé pair) with a Gaussian misfit, gaussNewtonScalars minimises
// Φ(θ) = ½ ‖r(θ)‖², r = Σ^{-1/2} (B u(θ) − d), by Gauss–Newton:
//   * the weighted Jacobian J = Σ^{-1/2} B ∂u/∂θ, column k = −Σ^{-1/2} B (∂R/∂u)⁻¹ ∂R/∂θ_k, from
//     k tangent solves with the forward solve's preconditioner (no Hessian-vector products);
//   * the step δ = −J⁺ r from the k × k normal equations through Eigen's SVD (a pseudo-inverse:
//     directions the data cannot see are not moved), with step halving until Φ decreases;
//   * at the estimate, the singular values σ_1 ≥ … ≥ σ_k of J, its condition number, the right
//     singular vectors (parameter combinations, best determined first), the directions with
//     σ_i < rtol·σ_1 (what the data cannot determine), and the linearised covariance (JᵀJ)⁻¹
//     (the posterior covariance with a flat prior) with its standard deviations.
// Why not TAO: k is a handful, the dense algebra is trivial, and the report needs J itself.
#include <petscvec.h>

#include <string>
#include <vector>

namespace pdeinv {

class InverseProblem;

struct IdentifiabilityOptions {
  int maxIterations = 50;
  PetscReal stepTolerance = 1e-10;  // stop when ‖δ‖ ≤ tol·(1 + ‖θ‖)
  PetscReal nullTolerance = 1e-8;   // σ_i < tol·σ_1: a direction the data cannot determine
};

struct IdentifiabilityReport {
  std::vector<std::string> names;  // the scalars' names
  std::vector<PetscReal> theta;    // the estimate
  int iterations = 0;
  bool converged = false;
  PetscReal misfit = 0;                            // Φ at the estimate
  std::vector<PetscReal> singularValues;           // of J, descending
  PetscReal conditionNumber = 0;                   // σ_1 / σ_k (∞ if σ_k = 0)
  std::vector<std::vector<PetscReal>> directions;  // right singular vectors, same order
  std::vector<int> undetermined;                   // indices i with σ_i < tol·σ_1
  std::vector<std::vector<PetscReal>> covariance;  // (JᵀJ)⁻¹ (pseudo-inverse if singular)
  std::vector<PetscReal> standardDeviations;       // √diag
};

// θ: the starting point on entry (a root vector, see InverseProblem::initialGuess), the
// estimate on exit. InputError unless the problem is in scalar mode with a Gaussian misfit.
IdentifiabilityReport gaussNewtonScalars(InverseProblem& inv, Vec theta,
                                         const IdentifiabilityOptions& opts = {});

// The report as a table (rank 0 prints; call on every rank) and as JSON (rank 0 writes).
void printIdentifiability(MPI_Comm comm, const IdentifiabilityReport& r);
void writeIdentifiabilityJson(MPI_Comm comm, const IdentifiabilityReport& r,
                              const std::string& path);

}  // namespace pdeinv
