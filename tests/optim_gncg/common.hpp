#pragma once
// Running a Tao on a test problem and collecting what the tests check.
#include <petsctao.h>

#include <string>
#include <vector>

#include "../test_util.hpp"
#include "problems.hpp"

namespace pdeinv::test {

struct RunResult {
  TaoConvergedReason reason = TAO_CONTINUE_ITERATING;
  PetscInt iterations = 0, cgIterations = 0;
  PetscReal f = 0, gnorm = 0;
  std::vector<PetscReal> fHistory, gHistory;  // at each monitored iterate
  Counts counts;
  GNCGStatistics stats;
  GNCGState state;
};

inline PetscErrorCode recordMonitor(Tao tao, void* ctx) {
  auto* r = static_cast<RunResult*>(ctx);
  PetscInt its = 0;
  PetscReal f = 0, gnorm = 0, cnorm = 0, xdiff = 0;
  TaoConvergedReason reason;
  PetscCall(TaoGetSolutionStatus(tao, &its, &f, &gnorm, &cnorm, &xdiff, &reason));
  r->fHistory.push_back(f);
  r->gHistory.push_back(gnorm);
  return 0;
}

// Solves from x (overwritten by the solution) with the given options (-tao_type defaults to
// pdeinvgncg). `configure` runs after TaoSetFromOptions, before TaoSolve.
template <class Configure>
RunResult solve(Problem& prob, Vec x, const std::string& options, Configure configure,
                bool preconditioner = true) {
  registerTaoGNCG();
  ScopedOptions o(options);
  OwnedTao tao(PETSC_COMM_WORLD);
  PDEINV_CALL(TaoSetType(tao, TAOPDEINVGNCG));
  prob.attach(tao, preconditioner);
  PDEINV_CALL(TaoSetSolution(tao, x));
  taoGNCGSetHessianSwitch(tao, [&prob](bool newton) { prob.newton = newton; });
  RunResult r;
  PDEINV_CALL(TaoSetMonitor(tao, recordMonitor, &r, nullptr));
  PDEINV_CALL(TaoSetFromOptions(tao));
  configure(tao.tao);
  prob.counts = Counts{};
  PDEINV_CALL(TaoSolve(tao));
  PDEINV_CALL(TaoGetConvergedReason(tao, &r.reason));
  PDEINV_CALL(TaoGetIterationNumber(tao, &r.iterations));
  PDEINV_CALL(TaoGetLinearSolveIterations(tao, &r.cgIterations));
  PetscInt its = 0;
  PetscReal cnorm = 0, xdiff = 0;
  TaoConvergedReason reason;
  PDEINV_CALL(TaoGetSolutionStatus(tao, &its, &r.f, &r.gnorm, &cnorm, &xdiff, &reason));
  r.counts = prob.counts;
  const char* type = nullptr;
  PDEINV_CALL(TaoGetType(tao, &type));
  if (std::string(type) == TAOPDEINVGNCG) {
    r.stats = taoGNCGGetStatistics(tao);
    r.state = taoGNCGGetState(tao);
  }
  return r;
}
inline RunResult solve(Problem& prob, Vec x, const std::string& options, bool pc = true) {
  return solve(
      prob, x, options, [](Tao) {}, pc);
}

}  // namespace pdeinv::test
