#pragma once
// The SNES line search "halving" (-state_snes_linesearch_type halving).
//
// Backtracking from the full Newton step by halving: λ = 1, ½, ¼, … until
//   ‖F(x − λy)‖² ≤ (1 − 2·10⁻⁴ λ) ‖F(x)‖²,
// the Armijo condition on ½‖F‖² with the Newton slope −‖F‖² (the sufficient-decrease constant of
// PETSc's bt). It fails below the line search's minimum λ (-snes_linesearch_minlambda).
//
// Why pdeinv has it. PETSc's bt interpolates λ from residual norms at trial points, so a damped λ
// varies smoothly with the PDE parameter. The unrolled adjoint (ReducedFunctional, -adjoint
// unrolled) holds step lengths fixed and misses that variation. Halving gives step lengths that
// are piecewise constant in the parameter, so the unrolled gradient stays exact when Newton
// damps (docs/nonlinear_adjoints.md measures both).
namespace pdeinv {

// Registers the type with PETSc (once; SteadySolver calls it before reading its options).
void registerHalvingLineSearch();

}  // namespace pdeinv
