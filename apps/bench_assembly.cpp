// bench_assembly — cells per second of the element loop, by kind of assembly.
//
// Builds the forward problem from the options (any operator, element and mesh) and times, on a
// fixed (u, m), each assembly kind the inverse problem uses: the residual R, the state
// Jacobian ∂R/∂u, the parameter Jacobian ∂R/∂m (a matrix), its matrix-free transpose action,
// and, for operators with second-order kernels, the matrices W_um and W_mm: from the operator's
// block kernels (PdeOperator::secondOrderBlock) when it has them, and probed. With -bench_ad
// the same kinds again with the kernels of the operator's AD twin (physics/ad_operator.hpp).
// R and ∂R/∂u are also timed together, as a linear forward solve assembles them.
//
//   bench_assembly -mesh_file meshes/structured_square_64.msh -state_element P2
//   mpiexec -n 2 bench_assembly -mesh_file build/meshes/structured_square_256.msh
//       -state_element P2 -bench_repeat 5
//
// Each kind runs -bench_repeat times (default 5); the fastest is kept (the machine is shared).
#include <petsctime.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/fem/expression.hpp"
#include "pdeinv/forward/steady_problem.hpp"

static const char help[] = "Assembly benchmark: cells per second by kind of assembly.\n";

int main(int argc, char** argv) {
  return pdeinv::runMain(argc, argv, help, [](MPI_Comm comm) {
    using namespace pdeinv;
    const Options opts("bench_");
    const PetscInt repeat = opts.getInt("repeat", 5, "repetitions per kind; the fastest is kept");
    require(repeat > 0, "-bench_repeat must be positive");
    const bool withAd =
        opts.getBool("ad", false, "also time the operator's AD twin's kernels (rows [AD])");
    // 1. The problem and a fixed linearization point (the solution for a smooth m).
    auto problem = SteadyProblem::fromOptions(comm);
    checkAllOptionsUsed();
    auto& solver = problem->solver();
    const auto& V = problem->state();
    const auto& P = problem->parameter();
    auto m = P.createVector();
    P.interpolate(Expression("log(1 + 5*exp(-((x-.4)^2 + (y-.6)^2)/0.05))", "bench parameter"), m);
    auto u = V.createVector();
    PDEINV_CALL(VecSet(u, 0.0));
    solver.solve(m, u);
    const Assembler& A = solver.assembler();
    std::vector<Vec> aux = {m};
    for (Vec d : solver.dataValues()) aux.push_back(d);
    PetscInt cells = 0;
    {
      PetscInt cStart = 0, cEnd = 0;
      PDEINV_CALL(DMPlexGetHeightStratum(V.dm(), 0, &cStart, &cEnd));
      PetscInt local = cEnd - cStart;
      MPI_Allreduce(&local, &cells, 1, MPIU_INT, MPI_SUM, comm);
    }
    auto r = V.createVector(), y = P.createVector();
    auto J = A.createStateMatrix();
    auto Jm = A.createAuxMatrix(0);
    // 2. Time each kind.
    auto time = [&](const std::function<void()>& f) {
      double best = 1e300;
      for (PetscInt k = 0; k < repeat; ++k) {
        PDEINV_CALL(MPI_Barrier(comm));
        PetscLogDouble t0 = 0, t1 = 0;
        PDEINV_CALL(PetscTime(&t0));
        f();
        PDEINV_CALL(PetscTime(&t1));
        double dt = t1 - t0;
        MPI_Allreduce(MPI_IN_PLACE, &dt, 1, MPI_DOUBLE, MPI_MAX, comm);
        best = std::min(best, dt);
      }
      return best;
    };
    struct Row {
      std::string kind;
      double seconds;
    };
    std::vector<Row> rows;
    // The kinds for one kernel set: the operator's own, or (-bench_ad) its AD twin's.
    auto measure = [&](const PdeOperator& op, const std::string& tag, bool probed) {
      rows.push_back({"residual R" + tag, time([&] { A.residual(op.residual(), u, aux, r); })});
      rows.push_back({"state Jacobian dR/du" + tag,
                      time([&] { A.stateJacobian(op.stateJacobian(), u, aux, J); })});
      rows.push_back({"R and dR/du in one pass (linear forward solve)" + tag, time([&] {
                        A.residualAndJacobian(op.residual(), op.stateJacobian(), u, aux, r, J);
                      })});
      rows.push_back({"parameter Jacobian dR/dm (matrix)" + tag,
                      time([&] { A.auxJacobian(op.parameterJacobian(), 0, u, aux, Jm); })});
      rows.push_back({"dR/dm^T action (matrix-free)" + tag, time([&] {
                        A.applyAuxJacobian(op.parameterJacobian(), 0, u, aux, r, y, true);
                      })});
      // The Newton Hessian's second-order blocks W_um and W_mm at an adjoint λ (aux layout of
      // PdeOperator::secondOrderState/Parameter), from the operator's block kernels when it has
      // them and probed from its second-order residual kernels.
      if (!op.hasSecondOrder()) return;
      using Block = PdeOperator::SecondOrderBlock;
      std::vector<const FunctionSpace*> auxS = {&P}, auxP = {&V};
      for (auto* d : solver.dataSpaces()) auxS.push_back(d), auxP.push_back(d);
      for (auto* list : {&auxS, &auxP}) list->insert(list->end(), {&V, &V, &P});
      Assembler onState(V, auxS, op.extraQuadraturePoints());
      Assembler onParam(P, auxP, op.extraQuadraturePoints());
      onParam.insertBoundaryValues(0);
      onState.setConstants(solver.kernelConstants());
      onParam.setConstants(solver.kernelConstants());
      auto lambda = V.createVector(), zeroU = V.createVector(), zeroP = P.createVector();
      PDEINV_CALL(VecCopy(u, lambda));
      PDEINV_CALL(VecSet(zeroU, 0.0));
      PDEINV_CALL(VecSet(zeroP, 0.0));
      const int kdp = static_cast<int>(solver.dataValues().size()) + 3;
      auto auxOf = [&](Vec other) {
        std::vector<Vec> a = {other};
        for (Vec d : solver.dataValues()) a.push_back(d);
        a.insert(a.end(), {lambda.get(), zeroU.get(), zeroP.get()});
        return a;
      };
      const auto auxS_ = auxOf(m), auxP_ = auxOf(u);
      auto Wum = onState.createAuxMatrix(kdp), Wmm = onParam.createAuxMatrix(kdp);
      const auto bum = op.secondOrderBlock(Block::Wum), bmm = op.secondOrderBlock(Block::Wmm);
      for (bool probe : {false, true}) {
        if ((!probe && bum.empty() && bmm.empty()) || (probe && !probed)) continue;
        const std::string how = probe ? " (probed)" : " (block kernels)";
        rows.push_back({"W_um" + how + tag, time([&] {
                          onState.linearAuxJacobian(op.secondOrderState(), kdp, u, auxS_, Wum, 0,
                                                    probe ? JacobianKernels{} : bum);
                        })});
        rows.push_back({"W_mm" + how + tag, time([&] {
                          onParam.linearAuxJacobian(op.secondOrderParameter(), kdp, m, auxP_, Wmm,
                                                    0, probe ? JacobianKernels{} : bmm);
                        })});
      }
    };
    measure(problem->op(), "", true);
    if (withAd) {
      const auto twin = problem->op().adTwin();
      require(twin != nullptr, "-bench_ad: operator '" + problem->op().name() +
                                   "' has no AD twin (PdeOperator::adTwin)");
      measure(*twin, " [AD]", false);
    }
    // 3. The table.
    if (rankOf(comm) == 0) {
      std::printf("%lld cells, %lld state dofs, %lld parameter dofs, %d rank(s)\n\n",
                  static_cast<long long>(cells), static_cast<long long>(V.globalSize()),
                  static_cast<long long>(P.globalSize()), sizeOf(comm));
      std::printf("| assembly | time (ms) | cells/s | µs/cell |\n|---|---:|---:|---:|\n");
      for (const auto& row : rows) {
        std::printf("| %s | %.2f | %.3g | %.3f |\n", row.kind.c_str(), 1e3 * row.seconds,
                    cells / row.seconds, 1e6 * row.seconds / cells);
      }
    }
    return 0;
  });
}
