// bench_forward — scaling of the steady forward solve with algebraic multigrid.
//
// Solves −∇·(e^m ∇u) = 1 (u = 0 on the boundary, m a smooth bump) on a sequence of uniformly
// refined quad meshes, each 4× the unknowns of the last, and prints per mesh the unknowns,
// Krylov iterations, time, and time per unknown relative to the first mesh. O(N) solvers show
// a flat time per unknown and flat iteration counts.
//
//   mpiexec -n 2 bench_forward                       # 125² → 1000² cells, Q1: 1.6e4 → 1e6 dofs
//   mpiexec -n 2 bench_forward -bench_base 64 -bench_levels 5 -state_element Q2
//
// Each mesh is solved -bench_repeat times (default 3) and the fastest is kept, since absolute
// times on a shared machine are noisy; the ratios are what to read.
#include <petsctime.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/forward/steady_problem.hpp"

static const char help[] = "Forward-solve scaling benchmark (time per unknown, AMG iterations).\n";

int main(int argc, char** argv) {
  return pdeinv::runMain(argc, argv, help, [](MPI_Comm comm) {
    using namespace pdeinv;
    // This benchmark measures the AMG solver's O(N) scaling (the default for small 2-D
    // problems is a direct factorization, core/linear_solver.hpp).
    PetscBool set = PETSC_FALSE;
    PDEINV_CALL(PetscOptionsHasName(nullptr, nullptr, "-state_solver", &set));
    if (!set) PDEINV_CALL(PetscOptionsSetValue(nullptr, "-state_solver", "iterative"));
    const Options opts("bench_");
    const PetscInt base = opts.getInt("base", 125, "cells per side of the coarsest mesh");
    const PetscInt levels = opts.getInt("levels", 4, "number of meshes (each refined once more)");
    const PetscInt repeat = opts.getInt("repeat", 3, "solves per mesh; the fastest is kept");
    require(base > 0 && levels > 0 && repeat > 0,
            "-bench_base, -bench_levels, -bench_repeat must be positive");
    const bool root = rankOf(comm) == 0;
    struct Row {
      PetscInt dofs, its;
      double time;
    };
    std::vector<Row> rows;
    for (PetscInt level = 0; level < levels; ++level) {
      // 1. The mesh of this level: the base box, distributed, refined `level` times.
      const std::string faces = std::to_string(base) + "," + std::to_string(base);
      PDEINV_CALL(PetscOptionsSetValue(nullptr, "-mesh_faces", faces.c_str()));
      PDEINV_CALL(PetscOptionsSetValue(nullptr, "-mesh_refine", std::to_string(level).c_str()));
      auto problem = SteadyProblem::fromOptions(comm);
      if (level == 0) checkAllOptionsUsed();
      auto m = problem->parameter().createVector();
      problem->parameter().interpolate(
          Expression("log(1 + 5*exp(-((x-.4)^2 + (y-.6)^2)/0.05))", "bench parameter"), m);
      auto u = problem->state().createVector();
      // 2. Solve `repeat` times from zero; keep the fastest (assembly + AMG setup + Krylov).
      double best = 1e300;
      PetscInt its = 0;
      for (PetscInt r = 0; r < repeat; ++r) {
        PDEINV_CALL(VecSet(u, 0.0));
        PDEINV_CALL(MPI_Barrier(comm));
        PetscLogDouble t0 = 0, t1 = 0;
        PDEINV_CALL(PetscTime(&t0));
        problem->solver().solve(m, u);
        PDEINV_CALL(PetscTime(&t1));
        double dt = t1 - t0;
        MPI_Allreduce(MPI_IN_PLACE, &dt, 1, MPI_DOUBLE, MPI_MAX, comm);
        best = std::min(best, dt);
        its = problem->solver().stats().lastLinearIterations;
      }
      rows.push_back({problem->state().globalSize(), its, best});
      if (root) {
        std::printf("level %lld: %lld unknowns, %lld iterations, %.3f s\n",
                    static_cast<long long>(level), static_cast<long long>(rows.back().dofs),
                    static_cast<long long>(its), best);
        std::fflush(stdout);
      }
    }
    // 3. The table (Markdown, as in the README).
    if (root) {
      std::printf("\n| unknowns | KSP its | solve time (s) | time/unknown (µs) | vs first |\n");
      std::printf("|---:|---:|---:|---:|---:|\n");
      const double first = rows.front().time / rows.front().dofs;
      for (const auto& r : rows) {
        const double per = r.time / r.dofs;
        std::printf("| %lld | %lld | %.3f | %.3f | %.2f |\n", static_cast<long long>(r.dofs),
                    static_cast<long long>(r.its), r.time, 1e6 * per, per / first);
      }
      double lo = 1e300, hi = 0;
      PetscInt itLo = rows.front().its, itHi = rows.front().its;
      for (const auto& r : rows) {
        lo = std::min(lo, r.time / r.dofs), hi = std::max(hi, r.time / r.dofs);
        itLo = std::min(itLo, r.its), itHi = std::max(itHi, r.its);
      }
      std::printf("\nmax/min time per unknown: %.2f (target <= 1.5); iterations %lld..%lld\n",
                  hi / lo, static_cast<long long>(itLo), static_cast<long long>(itHi));
    }
    return 0;
  });
}
