// bench_transient — the cost and memory of transient gradients under binomial checkpointing.
//
// The heat-equation inverse problem of the options database (defaults below: the conductivity
// field from 25 sensors at 10 times, Q1 on a 16×16 mesh, ESDIRK3 with N fixed steps) is
// evaluated at a fresh parameter: J(m) (the forward run, which also stores the schedule's first
// checkpoints) and then ∇J(m) (recomputation + the reverse sweep). It prints one line:
//   N, budget c, forward time, gradient time, (value + gradient) / value, steps computed in all,
//   peak stored time levels and vectors, the memory they hold, and the process's peak RSS.
// Peak RSS only grows within a process, so scripts/bench_transient.sh runs one process per
// (N, c) and collects the table.
//
//   mpiexec -n 1 bench_transient -bench_steps 1000 -ts_checkpoints 32
#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "bench_util.hpp"
#include "pdeinv/analysis/derivative_check.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

static const char help[] = "Cost and memory of transient gradients with checkpointing.\n";

using pdeinv::bench::seconds;
using pdeinv::bench::setDefault;

int main(int argc, char** argv) {
  return pdeinv::runMain(argc, argv, help, [](MPI_Comm comm) {
    using namespace pdeinv;
    const Options opts;
    const long N = opts.getInt("bench_steps", 1000, "number of time steps N");
    require(N >= 1, "-bench_steps must be positive");
    const double T = 0.1;
    setDefault("-problem", "transient");
    setDefault("-mesh_faces", "16,16");
    setDefault("-mesh_simplex", "0");
    setDefault("-state_element", "Q1");
    setDefault("-parameter_element", "Q1");
    setDefault("-poisson_source", "1");
    const bool initialState =
        opts.getString("parameter_space", "field", "field | initial_state") == "initial_state";
    if (!initialState) setDefault("-initial_state", "sin(3.14159*x)*sin(3.14159*y)");
    setDefault("-truth", "0.5*exp(-20*((x-0.4)^2+(y-0.6)^2))");
    setDefault("-obs_type", "grid");
    setDefault("-obs_grid", "5,5");
    setDefault("-obs_times", "0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08,0.09,0.1");
    setDefault("-ts_final_time", std::to_string(T));
    setDefault("-ts_dt", std::to_string(T / static_cast<double>(N)));
    setDefault("-ts_checkpoints",
               std::to_string(static_cast<long>(std::ceil(std::sqrt(static_cast<double>(N))))));
    setDefault("-reg_type", "h1");
    auto inv = InverseProblem::fromOptions(comm);
    checkAllOptionsUsed();
    auto* J = inv->transientObjective();
    require(J != nullptr, "bench_transient needs -problem transient");

    auto m = J->createParameterVector(), g = J->createParameterVector();
    fillRandom(m, 17);
    PDEINV_CALL(VecScale(m, 0.1));
    J->resetCheckpointStats();
    const double t0 = seconds();
    J->value(m);
    const double t1 = seconds();
    J->gradient(m, g);
    const double t2 = seconds();
    const auto& s = J->checkpointStats();
    PetscInt nloc = 0;
    PDEINV_CALL(VecGetLocalSize(J->state(), &nloc));
    const double storedMB =
        static_cast<double>(s.peakStoredVectors) * static_cast<double>(nloc) * 8.0 / 1048576.0;
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    const double rssMB = static_cast<double>(ru.ru_maxrss) / 1024.0;
    PetscPrintf(comm,
                "N %6ld  budget %6ld  forward %8.3f s  gradient %8.3f s  (value+gradient)/value "
                "%5.2f  steps computed %7ld (%.2f N)  adjoint steps %6ld  peak levels %6ld  "
                "peak vectors %6ld  stored %8.2f MB  peak RSS %8.1f MB (rank 0)\n",
                J->steps(), J->budget(), t1 - t0, t2 - t1, (t2 - t0) / (t1 - t0), s.forwardSteps,
                static_cast<double>(s.forwardSteps) / static_cast<double>(J->steps()),
                s.adjointSteps, s.peakStoredLevels, s.peakStoredVectors, storedMB, rssMB);
    return 0;
  });
}
