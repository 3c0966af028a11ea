#pragma once
// Randomized generalized eigensolver: the r largest eigenpairs of
//
//   A u = λ B u,   A symmetric positive semi-definite (the data misfit's Gauss–Newton Hessian),
//                  B symmetric positive definite (the prior precision, ∇²R),
//
// from actions of A, B and B⁻¹ only, by the double-pass algorithm in B's inner product
// (Halko, Martinsson & Tropp 2011; Saibaba, Lee & Kitanidis 2016; hIPPYlib's doublePassG).
// With Ω an n × (r + p) random block (entries uniform in [−1, 1]; p oversampling vectors):
//
//   Y = B⁻¹ A Ω                 r + p actions of A and of B⁻¹ (independent: one block)
//   Q = Y C,  Qᵀ B Q = I        B-orthonormalisation from the Gram matrix YᵀBY (twice, for
//                               accuracy; directions with Gram eigenvalues below 1e-14 of the
//                               largest are dropped, so A of low rank is fine)
//   T = Qᵀ A Q = V Λ Vᵀ         r + p more actions of A; the small dense eigenproblem by Eigen
//   U = Q V                     B-orthonormal eigenvectors
//
// Its error is governed by λ_{r+p+1}/λ_r, small for the fast-decaying spectra of PDE inverse
// problems. The eigenvalues say what the data determine: λ_i > 1 means the data inform direction
// u_i more than the prior does; their count is the effective rank (the number of parameter
// combinations the data determine), and the Laplace approximation of the posterior covariance is
// (A + B)⁻¹ = B⁻¹ − U diag(λ/(1+λ)) Uᵀ.
//
// Why by hand: PETSc has no eigensolver (SLEPc is not among pdeinv's dependencies), and a
// Krylov eigensolver's Hessian actions come one after another, where these form a block.
#include <petscvec.h>

#include <functional>
#include <vector>

#include "pdeinv/core/handle.hpp"

namespace pdeinv {

// out = Op x.
using LinearAction = std::function<void(Vec x, Vec out)>;

struct GeneralizedEigenpairs {
  std::vector<PetscReal> values;    // descending
  std::vector<Owned<Vec>> vectors;  // B-orthonormal: u_iᵀ B u_j = δ_ij
  PetscInt actionsA = 0, actionsB = 0, solvesB = 0;
};

struct RandomizedEigenOptions {
  int rank = 20;          // r: eigenpairs wanted
  int oversampling = 10;  // p
  unsigned long seed = 1;
};

// like: a vector of the parameter space (its layout is copied). Throws InputError for r < 1 or
// p < 0. Fewer than r pairs come back when A's numerical rank is lower (or r + p > n).
GeneralizedEigenpairs randomizedGeneralizedEigenpairs(const LinearAction& A, const LinearAction& B,
                                                      const LinearAction& Binv, Vec like,
                                                      const RandomizedEigenOptions& options);

}  // namespace pdeinv
