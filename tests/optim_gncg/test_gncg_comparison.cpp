// pdeinvgncg against TAO's bnls and bntr on the same problems, with the same Newton Hessian
// (MATSHELL) and the same preconditioner (R⁻¹): a table on stdout, and checks that every method
// reaches the minimiser. Run: ctest -R test_gncg_comparison -V
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "common.hpp"

using namespace pdeinv;
using namespace pdeinv::test;

namespace {

constexpr PetscReal kPi = 3.14159265358979323846;

// For bnls/bntr: the KSP's preconditioner applies the same R⁻¹ MATSHELL as gncg's hessian_pre.
PetscErrorCode applyShellPc(PC pc, Vec r, Vec z) {
  Mat P = nullptr;
  PetscCall(PCShellGetContext(pc, &P));
  PetscCall(MatMult(P, r, z));
  return 0;
}

struct Row {
  std::string name;
  RunResult r;
  PetscReal error = -1;  // < 0: no known minimiser
};

// PDE solves if this were a PDE-constrained problem: objective = 1 (forward), gradient = 2
// (forward + adjoint; 1 if the application caches the forward state), objective-and-gradient =
// 2, Hessian product = 2 (incremental forward + incremental adjoint).
PetscInt pdeSolves(const Counts& c) {
  return c.objective + 2 * c.gradient + 2 * c.objectiveAndGradient + 2 * c.hessianMults;
}

void printTable(const std::string& title, const std::vector<Row>& rows) {
  PetscPrintf(PETSC_COMM_WORLD, "\ncomparison: %s\n", title.c_str());
  PetscPrintf(PETSC_COMM_WORLD, "%-24s %-22s %5s %5s %5s %5s %5s %6s %6s %6s %7s %10s %10s\n",
              "method", "reason", "its", "f", "g", "f+g", "H", "Hv", "CG", "PC", "solves", "|g|",
              "|x-x*|");
  for (const auto& row : rows) {
    const auto& c = row.r.counts;
    char buf[32] = "-";
    if (row.error >= 0) std::snprintf(buf, sizeof buf, "%.2e", static_cast<double>(row.error));
    const std::string error = buf;
    PetscPrintf(PETSC_COMM_WORLD,
                "%-24s %-22s %5" PetscInt_FMT " %5" PetscInt_FMT " %5" PetscInt_FMT
                " %5" PetscInt_FMT " %5" PetscInt_FMT " %6" PetscInt_FMT " %6" PetscInt_FMT
                " %6" PetscInt_FMT " %7" PetscInt_FMT " %10.2e %10s\n",
                row.name.c_str(), TaoConvergedReasons[row.r.reason], row.r.iterations, c.objective,
                c.gradient, c.objectiveAndGradient, c.hessian, c.hessianMults, row.r.cgIterations,
                c.pcApplies, pdeSolves(c), static_cast<double>(row.r.gnorm), error.c_str());
  }
  PetscPrintf(PETSC_COMM_WORLD,
              "(f, g, f+g: objective, gradient, objective-and-gradient callbacks; H: Hessian "
              "evaluations; Hv: Hessian products; CG: TaoGetLinearSolveIterations; PC: R^-1 "
              "applications; solves: PDE solves at f=1, g=2, f+g=2, Hv=2)\n");
}

template <class MakeProblem>
std::vector<Row> compare(MakeProblem make, const std::function<PetscReal(PetscInt)>& start,
                         const std::function<PetscReal(PetscInt)>& exact, const std::string& common,
                         bool usePc) {
  struct Method {
    std::string name, options;
    bool gncg;
  };
  const std::vector<Method> methods = {
      {"gncg GN", "-tao_type pdeinvgncg", true},
      {"gncg GN3+Newton", "-tao_type pdeinvgncg -tao_gncg_newton", true},
      {"gncg Newton", "-tao_type pdeinvgncg -tao_gncg_newton -tao_gncg_gn_iterations 0", true},
      {"gncg Newton ew2",
       "-tao_type pdeinvgncg -tao_gncg_newton -tao_gncg_gn_iterations 0 "
       "-tao_gncg_forcing ew2",
       true},
      {"bnls Newton stcg+R^-1", "-tao_type bnls -tao_bnk_pc_type shell", false},
      {"bntr Newton stcg+R^-1", "-tao_type bntr -tao_bnk_pc_type shell", false},
      {"bnls Newton default pc", "-tao_type bnls", false},
  };
  std::vector<Row> rows;
  for (const auto& m : methods) {
    auto prob = make();
    Owned<Vec> x(prob->createVec()), xs(prob->createVec());
    prob->fill(x, start);
    if (exact) prob->fill(xs, exact);
    prob->newton = true;  // bnls/bntr: the exact Hessian throughout
    std::string name = m.name;
    if (!usePc && name.find("+R^-1") != std::string::npos) name.erase(name.find("+R^-1"));
    Row row{name, {}, -1};
    std::string options = m.options;
    const auto shell = options.find("shell");
    if (shell != std::string::npos && !usePc) options.replace(shell, 5, "none");
    const bool shellPc = options.find("shell") != std::string::npos;
    row.r = solve(
        *prob, x, common + " " + options,
        [&](Tao tao) {
          if (!shellPc) return;
          KSP ksp = nullptr;
          PC pc = nullptr;
          PDEINV_CALL(TaoGetKSP(tao, &ksp));
          PDEINV_CALL(KSPGetPC(ksp, &pc));
          PDEINV_CALL(PCShellSetContext(pc, prob->preconditionerMat()));
          PDEINV_CALL(PCShellSetApply(pc, applyShellPc));
        },
        m.gncg && usePc);
    row.error = exact ? maxDifference(x, xs) : -1.0;
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

TEST(GNCGComparison, exp_least_squares) {
  constexpr PetscInt n = 256;
  auto xStar = [](PetscInt i) { return 0.5 * std::sin(2 * kPi * i / n); };
  auto make = [&] {
    auto p = std::make_unique<ExpLeastSquares>(n);
    Owned<Vec> xs(p->createVec());
    p->fill(xs, xStar);
    p->setMinimiser(xs);
    return p;
  };
  auto rows = compare(
      make, [&](PetscInt i) { return xStar(i) - 1.0; }, xStar,
      "-tao_gatol 1e-9 -tao_grtol 0 -tao_max_it 200", true);
  printTable("exp least squares, n = 256, start x* - 1, gatol 1e-9", rows);
  for (const auto& row : rows) {
    EXPECT_EQ(row.r.reason, TAO_CONVERGED_GATOL) << row.name;
    EXPECT_LT(row.error, 1e-7) << row.name;
  }
}

TEST(GNCGComparison, double_well_nonconvex) {
  constexpr PetscInt n = 256;
  auto make = [&] { return std::make_unique<DoubleWell>(n); };
  auto rows = compare(
      make, [](PetscInt i) { return 0.1 * std::sin(0.37 * i) + 0.02; }, nullptr,
      "-tao_gatol 1e-9 -tao_grtol 0 -tao_max_it 200", false);
  printTable("double well (indefinite start), n = 256, gatol 1e-9, no preconditioner", rows);
  for (const auto& row : rows) EXPECT_EQ(row.r.reason, TAO_CONVERGED_GATOL) << row.name;
}
