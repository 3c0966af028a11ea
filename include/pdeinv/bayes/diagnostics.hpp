#pragma once
// Convergence and efficiency diagnostics of Markov chains (one scalar per state: a quantity of
// interest, or the coefficient of a sample along an eigen-direction).
//
//   autocorrelation     ρ_t = γ_t / γ_0 with γ_t = (1/N) Σ_{i<N−t} (x_i − x̄)(x_{i+t} − x̄)
//                       (the biased estimator: positive semi-definite), by FFT-free direct sums
//                       up to the lag needed
//   integrated autocorrelation time
//                       τ = −1 + 2 Σ_{k≥0} (ρ_{2k} + ρ_{2k+1}), summed over Geyer's initial
//                       monotone positive sequence (Geyer 1992: the pair sums Γ_k are positive
//                       and decreasing for a reversible chain; the sum stops at the first
//                       non-positive Γ_k and each Γ_k is capped by the previous one). τ ≥ 1/N.
//   effective sample size   N / τ
//   split R̂              Gelman et al. (BDA3, §11.4): each chain cut in two halves; R̂ =
//                       √(((n−1)/n W + B/n) / W) from the within- and between-half variances;
//                       close to 1 (< 1.01–1.05) when the chains sample the same distribution
//
// Why by hand: none of pdeinv's dependencies has them; they are a few lines each.
#include <vector>

namespace pdeinv {

std::vector<double> autocorrelation(const std::vector<double>& x, int maxLag);
double integratedAutocorrelationTime(const std::vector<double>& x);
double effectiveSampleSize(const std::vector<double>& x);
// Chains of equal length ≥ 4; InputError otherwise.
double splitRhat(const std::vector<std::vector<double>>& chains);

}  // namespace pdeinv
