#pragma once
// TimeGrid: the time-grid settings of a transient run, read once from the options (prefix "ts_"
// by default) and shared by ARKODE's integration (TransientSolver) and pdeinv's differentiable
// stepper (DirkStepper, through the inverse problem):
//   -ts_final_time T > 0          end time (default 1)
//   -ts_dt h > 0                  fixed step size, or the initial step when adaptive (default 0.01)
//   -ts_adapt 0|1                 adaptive steps with -ts_rtol, -ts_atol (default 0: fixed)
//   -ts_rtol, -ts_atol            tolerances (also ARKODE's nonlinear-solve tolerances; defaults
//                                 1e-6, 1e-9)
//   -ts_tableau sdirk2|esdirk3|esdirk4   DIRK tableau (default esdirk3; see dirk_tableau.hpp)
//   -ts_max_steps n               step limit (default 100000)
// Each bad value is an error naming its option.
#include <petscsys.h>

#include <string>
#include <vector>

#include "pdeinv/core/options.hpp"
#include "pdeinv/transient/dirk_tableau.hpp"

namespace pdeinv {

struct TimeGrid {
  PetscReal finalTime = 1, dt = 0.01, rtol = 1e-6, atol = 1e-9;
  PetscInt maxSteps = 100000;
  bool adapt = false;
  std::string tableau = "esdirk3";
  DirkTableau table;
  std::string prefix = "ts_";  // of the options, for messages

  static TimeGrid fromOptions(const Options& opts = Options("ts_"));
  // The fixed-step grid 0, dt, 2 dt, …, T; the last step is shortened to end at T (a step that
  // would end within 1e-12 T of it is merged into it). More than -ts_max_steps steps is an error.
  std::vector<PetscReal> fixedTimes() const;
};

}  // namespace pdeinv
