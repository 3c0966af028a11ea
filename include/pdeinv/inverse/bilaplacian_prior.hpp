#pragma once
// BiLaplacianPrior: the Gaussian prior N(m0, C) with C = A⁻¹ M A⁻¹, where
//   A = γ K_Θ + δ M [+ β M_∂Ω],   β = √(γδ)/1.42  (Robin term, -reg_robin)
// is the weak form of γ(−∇·Θ∇) + δ I (Stuart 2010; Bui-Thanh, Ghattas, Martin, Stadler 2013;
// hIPPYlib's BiLaplacianPrior). Its precision (the Hessian of R) is
//   H = C⁻¹ = A M⁻¹ A,   R(m) = ½ (m − m0)ᵀ A M⁻¹ A (m − m0) = ½ ‖A(m − m0)‖²_{M⁻¹}.
// Pointwise variance ≈ Γ(ν)/(Γ(ν + d/2)(4π)^{d/2} δ^ν γ^{d/2}) with ν = 2 − d/2 and
// correlation length ≈ √(8ν γ/δ) (Lindgren, Rue, Lindström 2011), for isotropic Θ = I.
//
// Every matrix is assembled once. M⁻¹ is a CG + Jacobi solve (the mass matrix is well
// conditioned; -reg_mass_ksp_*, -reg_mass_pc_*) to rtol 1e-14, A⁻¹ a CG + hypre BoomerAMG solve
// (-reg_A_*) to rtol 1e-12; each keeps its preconditioner across solves. The mass solve sits
// inside R, ∇R and H, and CG is not exactly a linear map: at rtol 1e-12 the Hessian's measured
// asymmetry |⟨Hx, y⟩ − ⟨x, Hy⟩| / |⟨Hx, y⟩| reached 1.6e-12; at 1e-14 it is ≤ 2e-14, for 2–4
// more CG iterations (24–26 → 26–30 on the test meshes).
// Costs: value, gradient and hessianApply one M-solve each (plus one, two, two MatMults with
// A); applyHessianInverse two A-solves; sample one A-solve.
//
// Sampling draws exactly from N(m0, C): m = m0 + A⁻¹ Wᵀ ξ, where M = WᵀW is the quadrature-point
// factorization of the consistent mass matrix (row (cell, point) of W is √(w_q det J) φ(x_q);
// fem/assembler.hpp, massRootApply) and ξ one standard normal number per cell quadrature point,
// drawn by the point's location (core/random.hpp): Cov(Wᵀξ) = M, so Cov(m) = A⁻¹ M A⁻¹ = C,
// the same on any number of ranks. (hIPPYlib samples the same way, through a quadrature space;
// the lumped M_L^{1/2} w that pdeinv used before gave A⁻¹ M_L A⁻¹, 2–7 % off for random
// functionals.) The lumped mass M_L is kept for diagnostics: the row-sum lumping, or for P2 on
// simplices, whose vertex functions integrate to zero or less, the diagonal-scaling (HRZ)
// lumping diag(M)·(1ᵀM1 / tr M).
#include <memory>
#include <string>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/inverse/regularization.hpp"

namespace pdeinv {

class Assembler;

// A Krylov solver for a symmetric positive definite matrix, set up once (under an options
// prefix, with its own defaults), whose preconditioner is built at the first solve and kept.
class SpdSolver {
 public:
  enum class Preconditioner { jacobi, amg };
  SpdSolver(Mat A, const std::string& prefix, Preconditioner pc, PetscReal rtol);
  static constexpr PetscReal massRtol = 1e-14, operatorRtol = 1e-12;
  // x = A⁻¹ b (zero initial guess). Throws Error naming the prefix if the solve diverges.
  void solve(Vec b, Vec x);
  KSP ksp() const { return ksp_; }
  PetscInt solves() const { return solves_; }
  PetscInt lastIterations() const { return lastIterations_; }

 private:
  Owned<KSP> ksp_;
  std::string prefix_;
  PetscInt solves_ = 0, lastIterations_ = 0;
};

// A = γ K_Θ + δ M (+ β M_∂Ω over the mesh label "boundary" when robin). mass must be
// massMatrix(V): its values are used and its layout is copied for K_Θ and M_∂Ω (one
// preallocation for all three). The h1 regularization's Hessian is this A without Robin term.
Owned<Mat> ellipticOperator(const FunctionSpace& V, const RegularizationSettings& s, Mat mass,
                            bool robin);
// β = √(γδ)/1.42.
PetscReal robinCoefficient(const RegularizationSettings& s);

class BiLaplacianPrior : public Regularization {
 public:
  // InputError (naming the option) for invalid settings, and for δ = 0 unless m has Dirichlet
  // conditions (A = γK_Θ is singular, and β = √(γδ)/1.42 vanishes with δ).
  BiLaplacianPrior(const FunctionSpace& parameter, const RegularizationSettings& settings);
  ~BiLaplacianPrior() override;

  std::string name() const override { return "bilaplacian"; }
  PetscReal value(Vec m) override;
  void gradient(Vec m, Vec g) override;
  void hessianApply(Vec m, Vec dm, Vec out) override;
  // out = C r = A⁻¹ M A⁻¹ r
  bool applyHessianInverse(Vec r, Vec out) override;
  // out = m0 + A⁻¹ Wᵀ ξ (above): reproducible for a fixed seed, on any number of ranks.
  bool sample(unsigned long seed, Vec out) override;
  bool mean(Vec out) override;

  const FunctionSpace& space() const { return *V_; }
  const RegularizationSettings& settings() const { return settings_; }
  Mat A() const { return A_; }
  Mat mass() const { return M_; }
  Vec mean() const { return m0_; }
  Vec lumpedMass() const { return lumped_; }  // diagonal of M_L
  PetscReal beta() const { return beta_; }    // Robin coefficient (0 without -reg_robin)
  void solveA(Vec b, Vec x) { Asolver_.solve(b, x); }
  void solveMass(Vec b, Vec x) { Msolver_.solve(b, x); }
  const SpdSolver& massSolver() const { return Msolver_; }
  const SpdSolver& Asolver() const { return Asolver_; }

 private:
  // s_ = M⁻¹ A (m − m0), with t_ = A (m − m0) on the way.
  void whitened(Vec m);

  const FunctionSpace* V_;
  RegularizationSettings settings_;
  PetscReal beta_ = 0;
  Owned<Mat> M_, A_;
  Owned<Vec> m0_, lumped_, d_, t_, s_;
  std::unique_ptr<Assembler> massRoot_;  // Wᵀξ on the mass matrix's quadrature
  SpdSolver Msolver_, Asolver_;
};

}  // namespace pdeinv
