#include "pdeinv/workflow/evaluation.hpp"

#include <cstdio>
#include <fstream>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/io/json.hpp"
#include "pdeinv/io/output.hpp"
#include "pdeinv/io/run_info.hpp"
#include "pdeinv/optim/checkpoint.hpp"
#include "pdeinv/workflow/inversion.hpp"

namespace pdeinv {

Evaluation evaluateObjective(InverseProblem& problem, Vec x) {
  auto& J = problem.objective();
  Evaluation e;
  e.x = J.createParameterVector();
  PDEINV_CALL(VecCopy(x, e.x));
  e.gradient = J.createParameterVector();
  e.cost = J.gradient(e.x, e.gradient);
  e.misfit = J.misfitValue();
  e.regularization = J.regularizationValue();
  PDEINV_CALL(VecNorm(e.gradient, NORM_2, &e.gradientNorm));
  return e;
}

Owned<Vec> readRunIterate(InverseProblem& problem, const std::string& dir, const std::string& flag,
                          const std::string& name) {
  auto x = problem.objective().createParameterVector();
  readCheckpoint(dir, x, parameterKeys(problem), problemFingerprint(problem, x), name, flag);
  return x;
}

void writeEvaluation(InverseProblem& problem, const Evaluation& e, const std::string& dir) {
  const MPI_Comm comm = problem.forward().mesh().comm();
  const bool root = rankOf(comm) == 0;
  if (root) {
    std::printf("pdeinv evaluate:\n");
    std::printf("  cost            %.17g\n", e.cost);
    std::printf("  misfit          %.17g\n", e.misfit);
    std::printf("  regularization  %.17g\n", e.regularization);
    std::printf("  |gradient|      %.17g\n", e.gradientNorm);
  }
  if (dir.empty()) return;
  makeDirectory(comm, dir);
  Checkpoint c;
  c.fingerprint = problemFingerprint(problem, e.x);
  writeCheckpoint(dir, e.gradient, parameterKeys(problem), c, "gradient");
  const bool field = !problem.regions() && !problem.scalarMode();
  if (field) writeVtu(e.gradient, dir + "/gradient.vtu");
  writeOptionsFile(comm, dir + "/options_used.txt");
  writeRunInfo(comm, dir + "/run_info.json");
  if (root) {
    std::ofstream out(dir + "/evaluate.json");
    JsonWriter w(out);
    w.beginObject();
    w.field("cost", e.cost).field("misfit", e.misfit).field("regularization", e.regularization);
    w.field("gradient_norm", e.gradientNorm);
    w.endObject();
    w.finish();
    std::printf("  wrote           %s/{evaluate.json,gradient.dat,...}\n", dir.c_str());
  }
}

}  // namespace pdeinv
