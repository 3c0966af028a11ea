// bench_unrolled — implicit against unrolled gradients of a nonlinear PDE as Newton is stopped
// early (issue 6).
//
// On nonlinear diffusion −∇·((1 + u²) e^m ∇u) = f (default: Q2 on a 64² quad mesh, 16641 state
// unknowns, f = 20, 10×10 sensors, no regularization so that the gradient is the misfit's alone),
// for each SNES relative tolerance in -bench_rtols it solves from u_0 = 0 and reports:
//   K               Newton iterations executed
//   |J - J*|/|J*|   error of the objective against a tightly converged reference (rtol 1e-13)
//   gradient error  |g - g*| / |g*| for the implicit gradient (one transpose solve at u_K, as if
//                   it were converged) and the unrolled one (the exact derivative of the K
//                   executed iterations: K transpose solves with their own Jacobians)
//   grad/value      time of the gradient after the value, over the value's time (the fastest
//                   of -bench_repeat runs, each from u_0 = 0)
//   stored          state vectors the gradient keeps beyond the state and adjoint: none for the
//                   implicit gradient, the K + 1 iterates for the unrolled one (and their MB)
//   consistency     |gᵀd − FD| / |FD|, FD the central difference (step 1e-4) of the objective
//                   actually computed (K iterations from u_0 = 0) along a smooth direction d:
//                   what a line search or a Taylor test of the computed J sees
//   damped          Newton steps the line search shortened (α_k < 1; held fixed when unrolled)
// g* is the implicit gradient at rtol 1e-13 (the unrolled one agrees with it to 1e-13 there).
//
//   bench_unrolled                                   (the table in docs/nonlinear_adjoints.md)
//   mpiexec -n 2 bench_unrolled -mesh_faces 32,32
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bench_util.hpp"
#include "pdeinv/analysis/derivative_check.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

static const char help[] = "Implicit and unrolled gradients of a nonlinear PDE, by tolerance.\n";

using pdeinv::bench::setDefault;
using pdeinv::bench::timeCollective;

int main(int argc, char** argv) {
  return pdeinv::runMain(argc, argv, help, [](MPI_Comm comm) {
    using namespace pdeinv;
    // 1. The problem: defaults unless given on the command line.
    setDefault("-operator_type", "nonlinear_diffusion");
    setDefault("-nonlinear_diffusion_source", "20");
    setDefault("-mesh_faces", "64,64");
    setDefault("-state_element", "Q2");
    setDefault("-parameter_element", "Q1");
    setDefault("-truth", "log(2+7*exp(-((x-.5)^2+(y-.5)^2)/0.02))");
    setDefault("-m_init", "0.5");
    setDefault("-obs_type", "grid");
    setDefault("-obs_grid", "10,10");
    setDefault("-noise_relative", "0.01");
    setDefault("-reg_type", "none");
    setDefault("-state_ksp_rtol", "1e-12");
    const Options opts("bench_");
    const PetscInt repeat = opts.getInt("repeat", 3, "runs per measurement; the fastest is kept");
    const auto rtols = opts.getRealArray("rtols", {1e-1, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 1e-10},
                                         "SNES relative tolerances to compare");
    const PetscReal referenceRtol =
        opts.getReal("reference_rtol", 1e-13, "SNES relative tolerance of the reference");
    auto inv = InverseProblem::fromOptions(comm);
    checkAllOptionsUsed();
    auto* J = inv->steadyObjective();
    require(J != nullptr, "bench_unrolled: a steady problem is needed");
    auto& solver = inv->forward().solver();
    SNES snes = solver.snes();
    const bool root = rankOf(comm) == 0;
    const auto n = inv->forward().state().globalSize();

    auto m = inv->initialGuess();
    auto g = J->createParameterVector(), gRef = J->createParameterVector();
    auto setRtol = [&](PetscReal rtol) {
      PDEINV_CALL(SNESSetTolerances(snes, PETSC_DEFAULT, rtol, PETSC_DEFAULT, PETSC_DEFAULT,
                                    PETSC_DEFAULT));
    };
    // 2. The reference: implicit gradient at a tightly converged state.
    setRtol(referenceRtol);
    J->setAdjointMode(AdjointMode::Implicit);
    const PetscReal Jref = J->gradient(m, gRef);

    auto dm = J->createParameterVector(), mp = J->createParameterVector();
    auto mm = J->createParameterVector();
    inv->parameterSpace().interpolate(Expression("sin(2*x)*cos(y)", "bench direction"), dm);
    const PetscReal h = 1e-4;
    PDEINV_CALL(VecWAXPY(mp, h, dm, m));
    PDEINV_CALL(VecWAXPY(mm, -h, dm, m));

    struct Row {
      PetscInt K = 0, damped = 0;
      PetscReal valueError = 0, residual = 0, error[2] = {0, 0}, ratio[2] = {0, 0};
      PetscReal consistency[2] = {0, 0};
    };
    std::vector<Row> rows;
    for (PetscReal rtol : rtols) {
      setRtol(rtol);
      Row row;
      // The central difference of the computed objective (every solve from u_0 = 0).
      J->setAdjointMode(AdjointMode::Unrolled);
      const PetscReal Jp = J->value(mp);
      J->setAdjointMode(AdjointMode::Unrolled);
      const PetscReal fd = (Jp - J->value(mm)) / (2 * h);
      for (int mode = 0; mode < 2; ++mode) {
        const auto adjoint = mode == 0 ? AdjointMode::Implicit : AdjointMode::Unrolled;
        double tValue = 1e300, tGradient = 1e300;
        PetscReal value = 0;
        for (PetscInt r = 0; r < repeat; ++r) {
          J->setAdjointMode(adjoint);  // the next solve starts from u_0 = 0
          tValue = std::min(tValue, timeCollective(comm, [&] { value = J->value(m); }));
          tGradient = std::min(tGradient, timeCollective(comm, [&] { J->gradient(m, g); }));
        }
        row.error[mode] = relativeDifference(g, gRef);
        row.ratio[mode] = (tValue + tGradient) / tValue;
        PetscScalar gd = 0;
        PDEINV_CALL(VecDot(g, dm, &gd));
        row.consistency[mode] = std::abs(gd - fd) / std::abs(fd);
        if (mode == 1) {
          const auto& alpha = solver.history().stepLengths;
          row.damped = std::count_if(alpha.begin(), alpha.end(), [](PetscReal a) { return a < 1; });
        }
        if (mode == 0) {
          row.K = solver.stats().lastNewtonIterations;
          row.valueError = std::abs(value - Jref) / std::abs(Jref);
          row.residual = solver.residualNorm();
        }
      }
      rows.push_back(row);
    }

    // 3. Report.
    if (root) {
      std::printf(
          "bench_unrolled: %lld state unknowns, %lld observations, %d rank(s), %lld runs each\n",
          static_cast<long long>(n), static_cast<long long>(inv->observation().size()),
          sizeOf(comm), static_cast<long long>(repeat));
      std::printf(
          "| snes rtol | K (damped) | ‖R(u_K)‖ | J error | implicit: gradient error | "
          "consistency | (value+grad)/value | unrolled: gradient error | consistency | "
          "(value+grad)/value | unrolled: stored vectors (MB) |\n"
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
      for (size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        std::printf(
            "| %.0e | %lld (%lld) | %.1e | %.1e | %.1e | %.1e | %.2f | %.1e | %.1e | %.2f | %lld "
            "(%.2f) |\n",
            rtols[i], static_cast<long long>(r.K), static_cast<long long>(r.damped), r.residual,
            r.valueError, r.error[0], r.consistency[0], r.ratio[0], r.error[1], r.consistency[1],
            r.ratio[1], static_cast<long long>(r.K + 1),
            static_cast<double>(r.K + 1) * static_cast<double>(n) * 8.0 / 1048576.0);
      }
    }
    return 0;
  });
}
