#include "pdeinv/optim/weight_choice.hpp"

#include <algorithm>
#include <cmath>

#include "pdeinv/core/error.hpp"

namespace pdeinv {

MorozovResult morozov(const std::function<WeightTrial(PetscReal)>& invert, PetscReal target,
                      PetscReal weight0, PetscReal rtol, int maxTrials) {
  require(target > 0, "Morozov's principle needs a positive target misfit");
  require(weight0 > 0, "Morozov's principle needs a positive starting weight");
  MorozovResult r;
  // F(t) = log Φ(e^t) − log target, increasing in t = log β.
  auto eval = [&](PetscReal t) {
    r.trials.push_back(invert(std::exp(t)));
    return std::log(std::max(r.trials.back().misfit, PETSC_SMALL * target)) - std::log(target);
  };
  auto done = [&](PetscReal F) { return std::abs(std::exp(F) - 1.0) <= rtol; };
  PetscReal t0 = std::log(weight0), F0 = eval(t0);
  if (done(F0)) return r.weight = weight0, r.found = true, r;
  // Bracket: step by a factor of 10 in β towards the sign change.
  const PetscReal dir = F0 > 0 ? -1.0 : 1.0;
  PetscReal t1 = t0, F1 = F0;
  while (static_cast<int>(r.trials.size()) < maxTrials) {
    t0 = t1, F0 = F1;
    t1 = t0 + dir * std::log(10.0);
    F1 = eval(t1);
    if (done(F1)) return r.weight = std::exp(t1), r.found = true, r;
    if ((F1 > 0) != (F0 > 0)) break;
  }
  // Regula falsi (Illinois variant, so one end cannot stall).
  PetscReal a = t0, Fa = F0, b = t1, Fb = F1;
  int side = 0;
  while (static_cast<int>(r.trials.size()) < maxTrials && (Fa > 0) != (Fb > 0)) {
    const PetscReal t = (a * Fb - b * Fa) / (Fb - Fa);
    const PetscReal F = eval(t);
    if (done(F)) return r.weight = std::exp(t), r.found = true, r;
    if ((F > 0) == (Fb > 0)) {
      b = t, Fb = F;
      if (side == -1) Fa *= 0.5;
      side = -1;
    } else {
      a = t, Fa = F;
      if (side == 1) Fb *= 0.5;
      side = 1;
    }
  }
  // Not within rtol: report the best trial.
  auto best = std::min_element(r.trials.begin(), r.trials.end(), [&](auto& x, auto& y) {
    return std::abs(std::log(x.misfit / target)) < std::abs(std::log(y.misfit / target));
  });
  r.weight = best->weight;
  return r;
}

std::size_t lcurveCorner(const std::vector<WeightTrial>& trials) {
  require(trials.size() >= 3, "the L-curve needs at least three weights");
  std::vector<std::size_t> order(trials.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](auto i, auto j) { return trials[i].weight < trials[j].weight; });
  auto point = [&](std::size_t k) {
    const auto& t = trials[order[k]];
    return std::pair<PetscReal, PetscReal>{std::log(std::max(t.misfit, PETSC_SMALL)),
                                           std::log(std::max(t.regularization, PETSC_SMALL))};
  };
  // Curvature of the circle through three consecutive points: 4·area / (|ab| |bc| |ca|).
  std::size_t best = order[1];
  PetscReal bestKappa = -1;
  for (std::size_t k = 1; k + 1 < order.size(); ++k) {
    const auto [x0, y0] = point(k - 1);
    const auto [x1, y1] = point(k);
    const auto [x2, y2] = point(k + 1);
    const PetscReal cross = (x1 - x0) * (y2 - y0) - (y1 - y0) * (x2 - x0);
    const PetscReal d =
        std::hypot(x1 - x0, y1 - y0) * std::hypot(x2 - x1, y2 - y1) * std::hypot(x2 - x0, y2 - y0);
    // Ordered by β the curve runs down (R falls) then right (Φ grows): the corner turns
    // counter-clockwise, cross > 0.
    const PetscReal kappa = d > 0 ? 2.0 * cross / d : 0.0;
    if (kappa > bestKappa) bestKappa = kappa, best = order[k];
  }
  return best;
}

}  // namespace pdeinv
