#pragma once
// Binomial checkpointing (Griewank 1992; Griewank & Walther, ACM TOMS 26, 2000, "revolve").
//
// Reversing l time steps while holding at most c states in memory: with c states and t sweeps
// of recomputation, at most β(c, t) = C(c + t, t) steps can be reversed, and the first
// checkpoint of an optimal schedule can be placed d steps ahead with the rest reversed
// recursively:  [a, a + d) with c states (t − 1 sweeps) and [a + d, b) with c − 1 (t sweeps).
// TransientReducedFunctional drives the recursion; this is its arithmetic, pure and testable.
#include <cstdint>

namespace pdeinv {

// β(c, t) = C(c + t, t), saturated at 2⁶² (no overflow).
std::int64_t binomialBeta(std::int64_t c, std::int64_t t);
// The smallest t with β(c, t) ≥ l: the number of recomputation sweeps revolve needs.
std::int64_t binomialRepetitions(std::int64_t l, std::int64_t c);
// Offset d ∈ [1, l) of the next checkpoint for l ≥ 2 steps and c ≥ 2 states: within the range
// that keeps the fewest sweeps, the fraction t / (c + t) of l (see the .cpp for measurements).
std::int64_t binomialSplit(std::int64_t l, std::int64_t c);

}  // namespace pdeinv
