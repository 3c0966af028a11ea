#pragma once
// What the data can determine about a parameter field: the spectrum of the data misfit's
// Gauss–Newton Hessian H_d against the prior precision Γ⁻¹ (the regularization's Hessian),
//
//   H_d u_i = λ_i Γ⁻¹ u_i,   λ_1 ≥ λ_2 ≥ …,   u_iᵀ Γ⁻¹ u_j = δ_ij,
//
// at a linearisation point m (bayes/generalized_eigensolver.hpp computes the r largest pairs).
// λ_i is the ratio of what the data and the prior say about the combination u_i. Reported:
//   effective rank        #{λ_i > 1}: combinations the data determine better than the prior
//   signal dof            Σ λ_i/(1+λ_i): the number of parameters the data effectively fit
//   information gain      ½ Σ log(1+λ_i): the Kullback–Leibler divergence of the linearised
//                         Gaussian posterior from the prior, expected over the data (nats)
//   truncated             λ_r > 1: r was too small to see every data-informed direction
// and the leading directions u_i as fields. H_d is the objective's Gauss–Newton Hessian minus the
// regularization's; the regularization must be quadratic with an inverse (l2, h1 with δ > 0,
// bilaplacian), and the parameter a field (not regions or scalars: gaussNewtonScalars covers a
// handful of scalars).
#include <petscvec.h>

#include <string>
#include <vector>

#include "pdeinv/bayes/generalized_eigensolver.hpp"
#include "pdeinv/core/handle.hpp"

namespace pdeinv {

class InverseProblem;

struct FieldIdentifiabilityReport {
  std::vector<PetscReal> eigenvalues;  // descending
  std::vector<Owned<Vec>> directions;  // Γ⁻¹-orthonormal parameter fields, same order
  int effectiveRank = 0;
  PetscReal signalDof = 0, informationGain = 0;
  bool truncated = false;
  PetscInt parameters = 0, observations = 0, hessianActions = 0;
};

// Throws InputError naming the option when inv does not qualify (a check before a long run).
void requireFieldIdentifiable(InverseProblem& inv);

// At the parameter m (an optimisation variable of inv, e.g. its initial guess or estimate).
// Throws InputError naming the option when the problem does not qualify.
FieldIdentifiabilityReport fieldIdentifiability(InverseProblem& inv, Vec m,
                                                const RandomizedEigenOptions& opts);

// The report as a table (rank 0 prints; call on every rank) and as JSON (rank 0 writes).
void printFieldIdentifiability(MPI_Comm comm, const FieldIdentifiabilityReport& r);
void writeFieldIdentifiabilityJson(MPI_Comm comm, const FieldIdentifiabilityReport& r,
                                   const std::string& path);

}  // namespace pdeinv
