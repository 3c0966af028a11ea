// pdeinv_reaction_diffusion — an outside project that adds a PDE operator to pdeinv, checks its
// derivatives with pdeinv's generic tests and inverts with it. Everything else (mesh, spaces,
// observations, noise, regularization, TAO) is pdeinv's, chosen by options:
//
//   mpiexec -n 2 ./pdeinv_reaction_diffusion -options_file reaction_diffusion.opts -mode verify
//   mpiexec -n 2 ./pdeinv_reaction_diffusion -options_file reaction_diffusion.opts -mode invert
//       (-newton 1: Newton Hessians instead of Gauss–Newton; any -tao_* option)
//   ./pdeinv_reaction_diffusion -list_operators        (reaction_diffusion is listed)
//
// Exit status: 0 when every derivative check passes (verify) or TAO converges (invert).
#include <cmath>
#include <cstdio>
#include <iostream>

#include "pdeinv/analysis/verification.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/fem/forms.hpp"
#include "pdeinv/inverse/inverse_problem.hpp"
#include "pdeinv/io/component_list.hpp"
#include "pdeinv/optim/tao_problem.hpp"
#include "reaction_diffusion.hpp"

static const char help[] = "pdeinv_reaction_diffusion: a new operator, verified and inverted.\n";

using namespace pdeinv;

// pdeinv's generic derivative tests on the operator and on the whole reduced functional:
// Taylor tests of ∂R/∂m and ∂R/∂u, adjoint dot products, the gradient, the Newton Hessian and
// its symmetry (as `pdeinv -mode verify`).
int verify(MPI_Comm comm, InverseProblem& inv) {
  auto m = inv.initialGuess();
  auto p = inv.forward().parameter().createVector();
  inv.operatorField(m, p);  // the field the operator sees, m = g(x)
  VerificationReport report;
  for (auto& c : checkOperator(inv.forward().solver(), p, 11)) report.add(std::move(c));
  for (auto& c : checkReducedFunctional(inv.objective(), m, 12)) report.add(std::move(c));
  if (rankOf(comm) == 0) report.print(std::cout);
  return report.allPassed() ? 0 : 3;
}

// The inversion with TAO (-tao_type, default pdeinvgncg), from the starting guess -m_init.
int invert(MPI_Comm comm, InverseProblem& inv) {
  require(inv.truth() != nullptr, "give -truth <expr>: the log reaction rate behind the data");
  // Newton Hessians use the operator's second-order terms; Gauss–Newton needs none.
  const bool newton = Options().getBool("newton", false, "Newton instead of Gauss-Newton Hessian");
  TaoProblem tao(inv.objective(), inv.regularization());
  tao.setHessianType(newton ? HessianType::Newton : HessianType::GaussNewton);
  tao.setMonitor([&](const IterationRecord& r) {
    if (rankOf(comm) == 0)
      std::printf("%3lld  cost %.6e  misfit %.6e  |grad| %.3e\n",
                  static_cast<long long>(r.iteration), r.cost, r.misfit, r.gradientNorm);
  });
  tao.setFromOptions();
  checkAllOptionsUsed();
  auto x = inv.initialGuess();
  tao.solve(x);
  const auto& V = inv.parameterSpace();
  auto estimate = V.createVector(), truth = V.createVector();
  inv.physicalField(x, estimate);
  inv.physicalField(inv.truth(), truth);
  const PetscReal error = relativeError(massMatrix(V), estimate, truth);
  if (rankOf(comm) == 0) {
    std::printf("%s: %s after %lld iterations (tao %s)\n",
                tao.converged() ? "converged" : "NOT converged", tao.reasonName().c_str(),
                static_cast<long long>(tao.iterations()), tao.typeName().c_str());
    std::printf("relative parameter error %.4e\n", error);
  }
  return tao.converged() ? 0 : 2;
}

int main(int argc, char** argv) {
  return runMain(argc, argv, help, [](MPI_Comm comm) {
    registerReactionDiffusion();  // before anything reads -operator
    const Options opts;
    if (opts.getBool("list_operators", false, "list the registered components and stop")) {
      if (rankOf(comm) == 0) printRegisteredComponents(std::cout);
      return 0;
    }
    const auto mode = opts.getString("mode", "verify", "verify | invert");
    require(mode == "verify" || mode == "invert",
            "-mode must be verify or invert, got '" + mode + "'");
    auto inv = InverseProblem::fromOptions(comm);
    if (mode == "verify") {
      checkAllOptionsUsed();
      return verify(comm, *inv);
    }
    return invert(comm, *inv);
  });
}
