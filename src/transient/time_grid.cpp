#include "pdeinv/transient/time_grid.hpp"

#include <cmath>

#include "pdeinv/core/error.hpp"

namespace pdeinv {
TimeGrid TimeGrid::fromOptions(const Options& opts) {
  TimeGrid g;
  g.prefix = opts.prefix();
  g.finalTime = opts.getReal("final_time", g.finalTime, "end time of the transient solve");
  require(g.finalTime > 0 && std::isfinite(g.finalTime),
          opts.flag("final_time") + " must be positive, got " + realText(g.finalTime));
  g.dt = opts.getReal("dt", g.dt, "time step (fixed), or the initial step with -ts_adapt 1");
  require(g.dt > 0 && std::isfinite(g.dt),
          opts.flag("dt") + " must be positive, got " + realText(g.dt));
  g.adapt = opts.getBool("adapt", g.adapt, "adaptive time steps with -ts_rtol, -ts_atol");
  g.rtol = opts.getReal("rtol", g.rtol, "relative tolerance of adaptive steps and Newton");
  require(g.rtol > 0, opts.flag("rtol") + " must be positive, got " + realText(g.rtol));
  g.atol = opts.getReal("atol", g.atol, "absolute tolerance of adaptive steps and Newton");
  require(g.atol > 0, opts.flag("atol") + " must be positive, got " + realText(g.atol));
  g.maxSteps = opts.getInt("max_steps", g.maxSteps, "maximum number of time steps");
  require(g.maxSteps > 0, opts.flag("max_steps") + " must be positive");
  g.tableau = opts.getString("tableau", g.tableau, "DIRK tableau: sdirk2, esdirk3, esdirk4");
  g.table = dirkTableau(g.tableau, opts.flag("tableau"));
  return g;
}

std::vector<PetscReal> TimeGrid::fixedTimes() const {
  const PetscReal steps = std::ceil(finalTime * (1 - 1e-12) / dt);
  require(steps <= static_cast<PetscReal>(maxSteps),
          "-" + prefix + "dt " + realText(dt) + " makes " + realText(steps) + " steps to -" +
              prefix + "final_time " + realText(finalTime) + ", more than -" + prefix +
              "max_steps " + std::to_string(maxSteps));
  std::vector<PetscReal> times;
  for (long n = 0;; ++n) {
    const PetscReal t = static_cast<PetscReal>(n) * dt;
    if (t >= finalTime * (1 - 1e-12)) break;
    times.push_back(t);
  }
  times.push_back(finalTime);
  return times;
}

}  // namespace pdeinv
