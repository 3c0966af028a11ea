// bench_adjoint — what derivatives cost relative to the forward solve.
//
// On the Poisson log-coefficient inverse problem (default: Q1 on a 1000² quad mesh, 10⁶ state
// unknowns, 20×20 sensors, H1 regularization) it measures, each the fastest of -bench_repeat
// runs at a fresh parameter so no cache is hit:
//   forward       one forward solve (assembly, AMG setup, Krylov)
//   value         J(m): forward solve + observation + misfit + regularization
//   value+grad    J(m) and ∇J(m): + ∂R/∂m assembly + one adjoint solve (reusing the AMG setup)
//   GN Hv         one Gauss–Newton Hessian action at a point whose state and adjoint are known:
//                 one tangent + one incremental adjoint solve
// and prints (value+grad)/value and (GN Hv)/forward; both should stay near 2 or below.
//
//   mpiexec -n 2 bench_adjoint
//   mpiexec -n 2 bench_adjoint -mesh_refine 1          # 6.2·10⁴ unknowns, quick
//   scripts/bench_subsurf.sh --hessian                  # the subsurface problem at 128²

#include <algorithm>
#include <cstdio>

#include "bench_util.hpp"
#include "pdeinv/analysis/derivative_check.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

static const char help[] = "Cost of gradients and Hessian actions relative to a forward solve.\n";

using pdeinv::bench::setDefault;
using pdeinv::bench::timeCollective;

int main(int argc, char** argv) {
  return pdeinv::runMain(argc, argv, help, [](MPI_Comm comm) {
    using namespace pdeinv;
    // 1. The problem: defaults unless given on the command line.
    auto given = [](const char* name) {
      PetscBool set = PETSC_FALSE;
      PDEINV_CALL(PetscOptionsHasName(nullptr, nullptr, name, &set));
      return set == PETSC_TRUE;
    };
    if (!given("-mesh_file")) {
      setDefault("-mesh_faces", "125,125");
      setDefault("-mesh_refine", "3");
    }
    setDefault("-state_element", "Q1");
    setDefault("-parameter_element", "P1");
    if (!given("-truth_prior_sample"))
      setDefault("-truth", "log(2+7*exp(-((x-.5)^2+(y-.5)^2)/0.02))");
    if (!given("-obs_type")) {
      setDefault("-obs_type", "grid");
      setDefault("-obs_grid", "20,20");
    }
    setDefault("-noise_relative", "0.01");
    setDefault("-reg_type", "h1");
    setDefault("-reg_gamma", "1e-3");
    const Options opts("bench_");
    const PetscInt repeat = opts.getInt("repeat", 3, "runs per measurement; the fastest is kept");
    auto inv = InverseProblem::fromOptions(comm);
    checkAllOptionsUsed();
    auto& J = inv->objective();
    auto& solver = inv->forward().solver();
    const bool root = rankOf(comm) == 0;

    auto m0 = inv->initialGuess();
    auto m = J.createParameterVector(), g = J.createParameterVector();
    auto v = J.createParameterVector(), Hv = J.createParameterVector();
    auto u = inv->forward().state().createVector();
    fillRandom(v, 7);
    int shift = 0;
    auto timed = [&](auto&& f) {
      double best = 1e300;
      for (PetscInt r = 0; r < repeat; ++r) {
        // A fresh parameter for every run: the functional's caches never hit.
        PDEINV_CALL(VecWAXPY(m, 1e-3 * static_cast<double>(++shift), v, m0));
        best = std::min(best, timeCollective(comm, f));
      }
      return best;
    };
    // 2. The four measurements.
    const double tForward = timed([&] {
      PDEINV_CALL(VecSet(u, 0.0));
      solver.solve(m, u);
    });
    const double tValue = timed([&] { J.value(m); });
    const double tValueGrad = timed([&] { J.gradient(m, g); });
    J.gradient(m, g);  // state and adjoint known at m
    double tHv = 1e300;
    for (PetscInt r = 0; r < repeat; ++r) {
      tHv = std::min(
          tHv, timeCollective(comm, [&] { J.hessianApply(m, v, Hv, HessianType::GaussNewton); }));
    }
    // Two linear solves with the same operators (a tangent and a transpose solve), the
    // floor of a Hessian action, and the Newton Hessian action at the same fixed m (its
    // second-order blocks assembled by a first, untimed action).
    auto r1 = inv->forward().state().createVector(), r2 = inv->forward().state().createVector();
    auto x1 = inv->forward().state().createVector(), x2 = inv->forward().state().createVector();
    fillRandom(r1, 11);
    fillRandom(r2, 13);
    double tTwo = 1e300, tNewton = -1;
    for (PetscInt r = 0; r < repeat; ++r) {
      tTwo = std::min(tTwo, timeCollective(comm, [&] {
                        solver.solveTangent(r1, x1);
                        solver.solveTranspose(r2, x2);
                      }));
    }
    if (J.newtonAvailable()) {
      J.hessianApply(m, v, Hv, HessianType::Newton);
      tNewton = 1e300;
      for (PetscInt r = 0; r < repeat; ++r) {
        tNewton = std::min(
            tNewton, timeCollective(comm, [&] { J.hessianApply(m, v, Hv, HessianType::Newton); }));
      }
    }
    // 3. Report.
    const auto n = static_cast<long long>(inv->forward().state().globalSize());
    const auto nObs = static_cast<long long>(inv->observation().size());
    if (root) {
      std::printf("bench_adjoint: %lld state unknowns, %lld observations, %d rank(s)\n", n, nObs,
                  sizeOf(comm));
      std::printf("| measurement | time (s) |\n|---|---:|\n");
      std::printf(
          "| forward solve | %.3f |\n| value | %.3f |\n| value + gradient | %.3f |\n"
          "| Gauss-Newton Hessian action | %.3f |\n",
          tForward, tValue, tValueGrad, tHv);
      std::printf("\n(value+gradient)/value = %.2f (target <= 2.2)\n", tValueGrad / tValue);
      std::printf("(GN Hessian action)/forward = %.2f (target <= 2.2)\n", tHv / tForward);
      std::printf("two linear solves (tangent + transpose) at the same m: %.4f s\n", tTwo);
      std::printf("(GN Hessian action)/(two solves) = %.2f (target <= 1.3)\n", tHv / tTwo);
      if (tNewton >= 0) {
        std::printf("(Newton Hessian action)/(two solves) = %.2f (target <= 1.3; %.4f s)\n",
                    tNewton / tTwo, tNewton);
      }
    }
    return 0;
  });
}
