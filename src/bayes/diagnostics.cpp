#include "pdeinv/bayes/diagnostics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "pdeinv/core/error.hpp"

namespace pdeinv {

namespace {
double mean(const std::vector<double>& x) {
  return x.empty() ? 0.0 : std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
}
double variance(const std::vector<double>& x) {  // unbiased
  const double m = mean(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  return x.size() > 1 ? s / static_cast<double>(x.size() - 1) : 0.0;
}
}  // namespace

std::vector<double> autocorrelation(const std::vector<double>& x, int maxLag) {
  const auto n = static_cast<int>(x.size());
  const double m = mean(x);
  std::vector<double> c(static_cast<size_t>(std::max(0, std::min(maxLag, n - 1)) + 1), 0.0);
  for (size_t t = 0; t < c.size(); ++t) {
    double s = 0;
    for (size_t i = 0; i + t < x.size(); ++i) s += (x[i] - m) * (x[i + t] - m);
    c[t] = s / n;
  }
  const double c0 = c.empty() ? 0.0 : c[0];
  for (double& v : c) v = c0 > 0 ? v / c0 : 0.0;
  return c;
}

double integratedAutocorrelationTime(const std::vector<double>& x) {
  const auto n = static_cast<int>(x.size());
  require(n >= 4, "integrated autocorrelation time: a chain of at least 4 states is needed, got " +
                      std::to_string(n));
  // The autocorrelations in blocks, extended only while the pair sums stay positive.
  std::vector<double> rho;
  int have = 0;
  double tau = -1, previous = 1e300;
  for (int k = 0;; ++k) {
    if (2 * k + 1 >= n) break;
    if (2 * k + 1 > have) {
      have = std::min(n - 1, std::max(2 * have, 64));
      rho = autocorrelation(x, have);
    }
    double pair = rho[2 * k] + rho[2 * k + 1];
    if (!(pair > 0)) break;
    pair = std::min(pair, previous);  // monotone
    previous = pair;
    tau += 2 * pair;
  }
  return std::max(tau, 1.0 / n);
}

double effectiveSampleSize(const std::vector<double>& x) {
  return static_cast<double>(x.size()) / integratedAutocorrelationTime(x);
}

double splitRhat(const std::vector<std::vector<double>>& chains) {
  require(!chains.empty(), "split R-hat: no chains");
  const size_t len = chains[0].size();
  require(len >= 4,
          "split R-hat: chains of at least 4 states are needed, got " + std::to_string(len));
  std::vector<std::vector<double>> halves;
  for (const auto& c : chains) {
    require(c.size() == len, "split R-hat: chains of different lengths");
    const size_t h = len / 2;
    halves.emplace_back(c.begin(), c.begin() + static_cast<long>(h));
    halves.emplace_back(c.end() - static_cast<long>(h), c.end());
  }
  const double n = static_cast<double>(halves[0].size());
  std::vector<double> means;
  double W = 0;
  for (const auto& h : halves) {
    means.push_back(mean(h));
    W += variance(h);
  }
  W /= static_cast<double>(halves.size());
  const double B = n * variance(means);
  if (!(W > 0)) return B > 0 ? INFINITY : 1.0;
  return std::sqrt(((n - 1) / n * W + B / n) / W);
}

}  // namespace pdeinv
