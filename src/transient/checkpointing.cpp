#include "pdeinv/transient/checkpointing.hpp"

#include <algorithm>
#include <cmath>

#include "pdeinv/core/error.hpp"

namespace pdeinv {

std::int64_t binomialBeta(std::int64_t c, std::int64_t t) {
  constexpr std::int64_t kCap = std::int64_t(1) << 62;
  if (c < 0 || t < 0) return 0;
  // C(c + t, t) = Π_{i=1..t} (c + i) / i, exact at every step.
  std::int64_t r = 1;
  for (std::int64_t i = 1; i <= std::min(c, t); ++i) {
    const std::int64_t n = std::max(c, t) + i;
    if (r > kCap / n) return kCap;
    r = r * n / i;
  }
  return r;
}

std::int64_t binomialRepetitions(std::int64_t l, std::int64_t c) {
  if (c < 1) throw Error("binomial checkpointing needs at least one stored state");
  std::int64_t t = 0;
  while (binomialBeta(c, t) < l) ++t;
  return t;
}

std::int64_t binomialSplit(std::int64_t l, std::int64_t c) {
  if (l < 2 || c < 2) throw Error("binomialSplit needs at least 2 steps and 2 stored states");
  const std::int64_t t = binomialRepetitions(l, c);
  // Every d in [lo, hi] keeps t sweeps; within it, the share t / (c + t) = β(c, t−1) / β(c, t)
  // of the steps that the left part could take at most. Measured against the two ends of the
  // range (levels store their step's stages, so reversals at stored levels are free): 2.5, 2.41,
  // 2.48 steps per step for (N, c) = (100, 10), (1000, 32), (10000, 100), where the left end
  // needs 2.5, 2.78, 2.91 and the right end 2.44, 2.51, 2.50.
  const std::int64_t lo = std::max<std::int64_t>(1, l - binomialBeta(c - 1, t));
  const std::int64_t hi = std::max<std::int64_t>(lo, std::min(l - 1, binomialBeta(c, t - 1)));
  const auto d = static_cast<std::int64_t>(
      std::llround(static_cast<double>(l) * static_cast<double>(t) / static_cast<double>(c + t)));
  return std::min(std::max(d, lo), hi);
}

}  // namespace pdeinv
