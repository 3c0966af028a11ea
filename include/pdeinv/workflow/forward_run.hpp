#pragma once
// ForwardRun: `pdeinv -mode forward` as a library class — the forward problem R(u, m) = 0 (or
// its time integration by ARKODE) for a given parameter field, with error norms against an
// exact solution when one is given, and the run directory (state.vtu, parameter.vtu,
// options_used.txt).
//
//   auto problem = pdeinv::SteadyProblem::fromOptions(comm);
//   pdeinv::ForwardRun run(*problem, pdeinv::ForwardSettings::fromOptions());
//   run.solve();
//   run.writeResults();
#include <petscsys.h>

#include <memory>
#include <optional>
#include <string>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/forward/steady_problem.hpp"

namespace pdeinv {

class Expression;
class TransientSolver;

struct ForwardSettings {
  bool transient = false;          // -problem transient: integrate in time (-ts_* options)
  std::string parameter = "0";     // -parameter: m(x, y, z)
  std::string initialState = "0";  // -initial_state u(0) (transient)
  std::optional<std::string> exact, exactGradient;  // -exact, -exact_gradient (may use t)
  std::string outputDirectory;                      // -output (empty: write nothing)

  static ForwardSettings fromOptions(const std::string& defaultOutput = "output/forward");
};

struct ForwardResult {
  double solveTime = 0;                      // seconds
  PetscReal finalTime = 0;                   // transient: the end of the interval (else 0)
  PetscReal residualNorm = 0;                // steady: ‖R(u, m)‖₂
  PetscReal l2Error = -1, h1SemiError = -1;  // against the exact solution (-1: none)
};

class ForwardRun {
 public:
  // Parses the expressions (InputError naming the option when one is malformed).
  ForwardRun(SteadyProblem& problem, ForwardSettings settings);
  ~ForwardRun();
  ForwardRun(const ForwardRun&) = delete;
  ForwardRun& operator=(const ForwardRun&) = delete;

  // Solves and measures the errors; collective.
  const ForwardResult& solve();
  Vec state() const { return u_; }
  Vec parameter() const { return m_; }
  // Prints the report (rank 0) and writes the run directory when there is one. Collective.
  void writeResults() const;

 private:
  SteadyProblem& problem_;
  ForwardSettings settings_;
  std::unique_ptr<TransientSolver> arkode_;
  std::unique_ptr<Expression> mExpr_, initial_, exact_, exactGrad_;
  Owned<Vec> m_, u_;
  ForwardResult result_;
};

}  // namespace pdeinv
