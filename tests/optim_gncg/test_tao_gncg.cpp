// The pdeinvgncg TAO type on distributed test problems with known minimisers.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "common.hpp"

using namespace pdeinv;
using namespace pdeinv::test;

namespace {

constexpr PetscInt kN = 128;
constexpr PetscReal kPi = 3.14159265358979323846;
PetscReal xStar(PetscInt i) {
  return 0.5 * std::sin(2 * kPi * i / kN);
}

// The least-squares problem with minimiser x*, and x = the start value.
struct LsqCase {
  ExpLeastSquares prob{kN};
  Owned<Vec> xstar, x;
  explicit LsqCase(PetscReal start = 0.0) {
    xstar = Owned<Vec>(prob.createVec());
    x = Owned<Vec>(prob.createVec());
    prob.fill(xstar, xStar);
    prob.setMinimiser(xstar);
    prob.fill(x, [start](PetscInt i) { return xStar(i) + start; });
  }
};

const char* kTight = "-tao_gatol 1e-8 -tao_grtol 0 -tao_max_it 100 ";

}  // namespace

TEST(TaoGNCG, registration_is_idempotent_and_tao_type_selects_it) {
  registerTaoGNCG();
  registerTaoGNCG();
  ScopedOptions o("-tao_type pdeinvgncg");
  OwnedTao tao(PETSC_COMM_WORLD);
  PDEINV_CALL(TaoSetType(tao, TAOBNLS));
  PDEINV_CALL(TaoSetFromOptions(tao));
  const char* type = nullptr;
  PDEINV_CALL(TaoGetType(tao, &type));
  EXPECT_STREQ(type, TAOPDEINVGNCG);
  EXPECT_NO_THROW(taoGNCGGetState(tao));
  PDEINV_CALL(TaoSetType(tao, TAOBNLS));
  EXPECT_THROW(taoGNCGGetState(tao), Error);
}

TEST(TaoGNCG, newton_converges_to_the_minimiser_in_few_iterations) {
  LsqCase s(-1.0);
  PetscReal histF[64], histG[64];
  PetscInt histLits[64];
  auto r = solve(
      s.prob, s.x, std::string(kTight) + "-tao_gncg_newton -tao_gncg_gn_iterations 0",
      [&](Tao tao) {
        PDEINV_CALL(TaoSetConvergenceHistory(tao, histF, histG, nullptr, histLits, 64, PETSC_TRUE));
      });
  // TAO's convergence history: f and ‖g‖ of each iterate; the CG iterations per iteration add
  // up to TaoGetLinearSolveIterations.
  ASSERT_EQ(r.fHistory.size(), static_cast<size_t>(r.iterations + 1));
  PetscInt lits = 0;
  for (PetscInt k = 0; k <= r.iterations; ++k) {
    EXPECT_EQ(histF[k], r.fHistory[k]);
    EXPECT_EQ(histG[k], r.gHistory[k]);
    lits += histLits[k];
  }
  EXPECT_EQ(lits, r.cgIterations);
  EXPECT_EQ(r.reason, TAO_CONVERGED_GATOL);
  EXPECT_LE(r.gnorm, 1e-8);
  EXPECT_LT(maxDifference(s.x, s.xstar), 1e-7);
  EXPECT_LE(r.iterations, 8);
  EXPECT_EQ(r.stats.newtonIterations, r.iterations);
  EXPECT_EQ(r.stats.negativeCurvatureExits, 0);
  // Superlinear: the last gradient reductions are large and growing.
  ASSERT_GE(r.gHistory.size(), 4u);
  const size_t m = r.gHistory.size();
  const PetscReal q1 = r.gHistory[m - 2] / r.gHistory[m - 3];
  const PetscReal q2 = r.gHistory[m - 1] / r.gHistory[m - 2];
  EXPECT_LT(q2, 0.05) << q1 << " " << q2;
  EXPECT_LT(q2, q1);
  // Every iteration decreased f.
  for (size_t k = 1; k < r.fHistory.size(); ++k) EXPECT_LT(r.fHistory[k], r.fHistory[k - 1]) << k;
  // Counters: one Hessian and one gradient per iteration, CG iterations reported to TAO.
  EXPECT_EQ(r.counts.hessian, r.iterations);
  EXPECT_EQ(r.counts.gradient, r.iterations + 1);
  EXPECT_EQ(r.cgIterations, r.stats.cgIterations);
  EXPECT_GT(r.cgIterations, 0);
}

TEST(TaoGNCG, gauss_newton_converges_linearly_then_newton_speeds_it_up) {
  LsqCase gnOnly(-1.0), mixed(-1.0), newtonOnly(-1.0);
  auto rGN = solve(gnOnly.prob, gnOnly.x, kTight);
  auto rMixed = solve(mixed.prob, mixed.x, std::string(kTight) + "-tao_gncg_newton");
  auto rNewton = solve(newtonOnly.prob, newtonOnly.x,
                       std::string(kTight) + "-tao_gncg_newton -tao_gncg_gn_iterations 0");
  for (auto* r : {&rGN, &rMixed, &rNewton}) EXPECT_EQ(r->reason, TAO_CONVERGED_GATOL);
  EXPECT_LT(maxDifference(gnOnly.x, gnOnly.xstar), 1e-7);
  EXPECT_LT(maxDifference(mixed.x, mixed.xstar), 1e-7);
  EXPECT_EQ(rGN.stats.newtonIterations, 0);
  EXPECT_EQ(rMixed.stats.newtonIterations, rMixed.iterations - 3);  // default gn_iterations 3
  EXPECT_GT(rGN.iterations, rMixed.iterations);
  EXPECT_GE(rMixed.iterations, rNewton.iterations);
}

TEST(TaoGNCG, tao_tolerances_and_max_it_are_honoured) {
  {
    LsqCase s(-1.0);
    auto r = solve(s.prob, s.x, "-tao_max_it 2 -tao_gatol 1e-12 -tao_grtol 0");
    EXPECT_EQ(r.reason, TAO_DIVERGED_MAXITS);
    EXPECT_EQ(r.iterations, 2);
    EXPECT_EQ(r.counts.hessian, 2);
  }
  LsqCase tight(-1.0), loose(-1.0), rel(-1.0);
  auto rTight = solve(tight.prob, tight.x, kTight);
  auto rLoose = solve(loose.prob, loose.x, "-tao_gatol 1e-4 -tao_grtol 0");
  EXPECT_EQ(rLoose.reason, TAO_CONVERGED_GATOL);
  EXPECT_LE(rLoose.gnorm, 1e-4);
  EXPECT_LT(rLoose.iterations, rTight.iterations);
  auto rRel = solve(rel.prob, rel.x, "-tao_gatol 0 -tao_grtol 1e-7");
  EXPECT_EQ(rRel.reason, TAO_CONVERGED_GRTOL);
  EXPECT_LE(rRel.gnorm / std::abs(rRel.f), 1e-7);
}

TEST(TaoGNCG, preconditioner_and_forcing_options) {
  LsqCase withPc(-1.0), noPc(-1.0), ew2(-1.0), fixed(-1.0);
  const std::string newton = std::string(kTight) + "-tao_gncg_newton -tao_gncg_gn_iterations 0 ";
  auto rPc = solve(withPc.prob, withPc.x, newton);
  auto rNone = solve(noPc.prob, noPc.x, newton + "-tao_gncg_pc none");
  auto rEw = solve(ew2.prob, ew2.x, newton + "-tao_gncg_forcing ew2");
  auto rFixed = solve(fixed.prob, fixed.x, newton + "-tao_gncg_forcing fixed");
  EXPECT_EQ(rPc.reason, TAO_CONVERGED_GATOL);
  EXPECT_EQ(rNone.reason, TAO_CONVERGED_GATOL);
  EXPECT_EQ(rEw.reason, TAO_CONVERGED_GATOL);
  EXPECT_EQ(rFixed.reason, TAO_CONVERGED_GATOL);
  for (auto* s : {&withPc, &noPc, &ew2, &fixed}) EXPECT_LT(maxDifference(s->x, s->xstar), 1e-7);
  // R⁻¹ is a good preconditioner here: far fewer CG iterations with it.
  EXPECT_GT(rPc.counts.pcApplies, 0);
  EXPECT_EQ(rNone.counts.pcApplies, 0);
  EXPECT_LT(2 * rPc.cgIterations, rNone.cgIterations);
  // A fixed forcing (0.5) converges only linearly: more iterations than the adaptive ones.
  EXPECT_GT(rFixed.iterations, rPc.iterations);
  EXPECT_GT(rFixed.iterations, rEw.iterations);
}

TEST(TaoGNCG, negative_curvature_exits_cg_and_still_decreases_f) {
  DoubleWell prob(kN);
  Owned<Vec> x(prob.createVec());
  prob.fill(x, [](PetscInt i) { return 0.1 * std::sin(0.37 * i) + 0.02; });
  const PetscReal f0 = prob.value(x);
  auto r = solve(prob, x,
                 "-tao_gatol 1e-10 -tao_grtol 0 -tao_gncg_newton -tao_gncg_gn_iterations 0", false);
  EXPECT_EQ(r.reason, TAO_CONVERGED_GATOL);
  EXPECT_GE(r.stats.negativeCurvatureExits, 1);
  EXPECT_GE(r.stats.steepestDescentSteps, 1);
  // f decreases at every iteration (up to its rounding error at the end).
  for (size_t k = 1; k < r.fHistory.size(); ++k) {
    EXPECT_LE(r.fHistory[k], r.fHistory[k - 1] + 1e-12 * std::abs(r.fHistory[k - 1])) << k;
  }
  EXPECT_LT(r.fHistory[1], r.fHistory[0]);
  EXPECT_LT(r.f, f0 - 0.1 * kN);
  // A local minimiser: every |x_i| is beyond the inflection point 1/√3 of the well.
  PetscReal xmin = 0;
  Owned<Vec> ax;
  PDEINV_CALL(VecDuplicate(x, ax.out()));
  PDEINV_CALL(VecCopy(x, ax));
  PDEINV_CALL(VecAbs(ax));
  PDEINV_CALL(VecMin(ax, nullptr, &xmin));
  EXPECT_GT(xmin, 1 / std::sqrt(3.0));
}

TEST(TaoGNCG, failed_objective_evaluations_are_rejected_steps) {
  LsqCase s(-1.0);
  // The "forward solve" fails beyond x* + 0.2: the first full Newton step overshoots into it.
  s.prob.admissible = [](PetscInt i, PetscReal xi) { return xi <= xStar(i) + 0.2; };
  auto r = solve(s.prob, s.x, std::string(kTight) + "-tao_gncg_newton -tao_gncg_gn_iterations 0");
  EXPECT_EQ(r.reason, TAO_CONVERGED_GATOL);
  EXPECT_GE(r.stats.failedEvaluations, 1);
  EXPECT_GE(r.stats.backtracks, r.stats.failedEvaluations);
  EXPECT_LT(maxDifference(s.x, s.xstar), 1e-7);
  for (PetscReal f : r.fHistory) EXPECT_TRUE(std::isfinite(f));
  // Starting where the objective fails is reported, not a crash.
  LsqCase bad(0.5);
  bad.prob.admissible = s.prob.admissible;
  auto rBad = solve(bad.prob, bad.x, kTight);
  EXPECT_EQ(rBad.reason, TAO_DIVERGED_NAN);
  EXPECT_EQ(rBad.iterations, 0);
}

TEST(TaoGNCG, line_search_failure_is_reported) {
  LsqCase s(-1.0);
  // Nothing but the start is admissible: every trial step fails.
  s.prob.admissible = [](PetscInt i, PetscReal xi) { return xi <= xStar(i) - 1.0 + 1e-14; };
  auto r = solve(s.prob, s.x, std::string(kTight) + "-tao_gncg_max_backtrack 5");
  EXPECT_EQ(r.reason, TAO_DIVERGED_LS_FAILURE);
  EXPECT_EQ(r.stats.failedEvaluations, 6);
  EXPECT_EQ(r.iterations, 0);
}

// Restart: k iterations, then a fresh Tao from (x_k, state) reproduces the uninterrupted run.
// Newton from iteration 4 (uses the iteration number) and the given forcing (sqrt uses ‖g_0‖,
// ew2 uses ‖g_{k-1}‖ and η_{k-1}).
void checkRestart(const std::string& forcing) {
  const std::string opts = "-tao_gatol 1e-8 -tao_grtol 0 -tao_gncg_forcing " + forcing +
                           " -tao_gncg_newton -tao_gncg_gn_iterations 4 ";
  const PetscInt k = 3, m = 6;
  LsqCase full(-1.0), fullM(-1.0), part(-1.0);
  auto rFull = solve(full.prob, full.x, opts);
  ASSERT_EQ(rFull.reason, TAO_CONVERGED_GATOL);
  auto rFullM = solve(fullM.prob, fullM.x, opts + "-tao_max_it " + std::to_string(m));
  ASSERT_EQ(rFullM.reason, TAO_DIVERGED_MAXITS);
  auto rPart = solve(part.prob, part.x, opts + "-tao_max_it " + std::to_string(k));
  ASSERT_EQ(rPart.reason, TAO_DIVERGED_MAXITS);
  ASSERT_EQ(rPart.state.iteration, k);
  const GNCGState saved = rPart.state;
  Owned<Vec> xk;  // the "checkpoint"
  PDEINV_CALL(VecDuplicate(part.x, xk.out()));
  PDEINV_CALL(VecCopy(part.x, xk));

  auto resume = [&](const std::string& extra, const GNCGState& state, RunResult* out) {
    LsqCase s(-1.0);
    PDEINV_CALL(VecCopy(xk, s.x));
    *out = solve(s.prob, s.x, opts + extra, [&](Tao tao) { taoGNCGSetState(tao, state); });
    Owned<Vec> x;
    PDEINV_CALL(VecDuplicate(s.x, x.out()));
    PDEINV_CALL(VecCopy(s.x, x));
    return x;
  };
  // Everything but the forcing history (‖g_0‖ for sqrt; ‖g_{k-1}‖, η_{k-1} for ew2).
  GNCGState iterationOnly = saved;
  if (forcing == "sqrt")
    iterationOnly.gnorm0 = -1;
  else
    iterationOnly.gnormPrev = iterationOnly.etaPrev = -1;
  RunResult rRes, rResM, rNoState;
  auto xRes = resume("", saved, &rRes);
  auto xResM = resume("-tao_max_it " + std::to_string(m), saved, &rResM);
  auto xNoState = resume("-tao_max_it " + std::to_string(m), iterationOnly, &rNoState);

  // After m iterations: bitwise the same iterate, and the same counts.
  EXPECT_EQ(maxDifference(xResM, fullM.x), 0.0);
  EXPECT_EQ(rResM.iterations, m);
  EXPECT_EQ(rResM.cgIterations, rFullM.cgIterations);
  // Converged: same iterate, same iteration number and CG total.
  EXPECT_LE(maxDifference(xRes, full.x), 1e-12);
  EXPECT_EQ(maxDifference(xRes, full.x), 0.0);
  EXPECT_EQ(rRes.iterations, rFull.iterations);
  EXPECT_EQ(rRes.cgIterations, rFull.cgIterations);
  EXPECT_EQ(rRes.f, rFull.f);
  // The monitor continues the numbering: the resumed run monitored iterations k..end.
  EXPECT_EQ(static_cast<PetscInt>(rRes.fHistory.size()), rFull.iterations - k + 1);
  // A checkpoint taken by a monitor during an uninterrupted run resumes just as well.
  struct Checkpoint {
    PetscInt at;
    Vec x;
    GNCGState state;
  } cp{k, nullptr, {}};
  {
    LsqCase s(-1.0);
    Owned<Vec> copy;
    PDEINV_CALL(VecDuplicate(s.x, copy.out()));
    cp.x = copy;
    solve(s.prob, s.x, opts, [&](Tao tao) {
      PDEINV_CALL(TaoSetMonitor(
          tao,
          [](Tao t, void* ctx) -> PetscErrorCode {
            auto* c = static_cast<Checkpoint*>(ctx);
            PetscInt its = 0;
            PetscCall(TaoGetIterationNumber(t, &its));
            if (its != c->at) return 0;
            Vec x = nullptr;
            PetscCall(TaoGetSolution(t, &x));
            PetscCall(VecCopy(x, c->x));
            c->state = taoGNCGGetState(t);
            return 0;
          },
          &cp, nullptr));
    });
    EXPECT_EQ(cp.state.iteration, k);
    EXPECT_EQ(maxDifference(copy, xk), 0.0);
    RunResult rCp;
    LsqCase r(-1.0);
    PDEINV_CALL(VecCopy(copy, r.x));
    rCp = solve(r.prob, r.x, opts, [&](Tao tao) { taoGNCGSetState(tao, cp.state); });
    EXPECT_EQ(maxDifference(r.x, full.x), 0.0);
    EXPECT_EQ(rCp.iterations, rFull.iterations);
  }
  // Control: resuming from x_k without the forcing history does not reproduce iteration m,
  // so the comparisons above can fail.
  EXPECT_EQ(rNoState.iterations, m);
  EXPECT_GT(maxDifference(xNoState, fullM.x), 0.0);
}

TEST(TaoGNCG, restart_with_sqrt_forcing_reproduces_the_uninterrupted_run) {
  checkRestart("sqrt");
}

TEST(TaoGNCG, restart_with_ew2_forcing_reproduces_the_uninterrupted_run) {
  checkRestart("ew2");
}

TEST(TaoGNCG, view_prints_the_options) {
  registerTaoGNCG();
  ScopedOptions o(
      "-tao_gncg_forcing ew2 -tao_gncg_eta_max 0.25 -tao_gncg_cg_maxit 7 "
      "-tao_gncg_pc none -tao_gncg_newton -tao_gncg_gn_iterations 2 "
      "-tao_gncg_max_backtrack 4");
  OwnedTao tao(PETSC_COMM_WORLD);
  PDEINV_CALL(TaoSetType(tao, TAOPDEINVGNCG));
  PDEINV_CALL(TaoSetFromOptions(tao));
  int size = 1;
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  const auto file = std::filesystem::temp_directory_path() /
                    ("pdeinv_gncg_view_np" + std::to_string(size) + ".txt");
  PetscViewer v = nullptr;
  PDEINV_CALL(PetscViewerASCIIOpen(PETSC_COMM_WORLD, file.c_str(), &v));
  PDEINV_CALL(TaoView(tao, v));
  PDEINV_CALL(PetscViewerDestroy(&v));
  MPI_Barrier(PETSC_COMM_WORLD);
  std::ifstream in(file);
  const std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* expected :
       {"pdeinvgncg", "forcing: ew2, eta_max 0.25", "max 7 iterations, preconditioner none",
        "at most 4 backtracks", "Gauss-Newton for 2 iterations, then Newton"}) {
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
  }
}

TEST(TaoGNCG, bad_option_values_are_errors) {
  registerTaoGNCG();
  ScopedOptions o("-tao_gncg_eta_max 1.5");
  OwnedTao tao(PETSC_COMM_WORLD);
  PDEINV_CALL(TaoSetType(tao, TAOPDEINVGNCG));
  EXPECT_THROW(PDEINV_CALL(TaoSetFromOptions(tao)), PetscFailure);
}

namespace {
struct BoundsCheck {
  Vec lower, upper;
  PetscInt iterates = 0;
  PetscReal worst = 0;  // largest bound violation seen at any iterate
};
PetscErrorCode checkFeasible(Tao tao, void* ctx) {
  auto* b = static_cast<BoundsCheck*>(ctx);
  Vec x = nullptr;
  PetscFunctionBegin;
  PetscCall(TaoGetSolution(tao, &x));
  Owned<Vec> d;
  PetscCall(VecDuplicate(x, d.out()));
  PetscReal below = 0, above = 0;
  PetscCall(VecWAXPY(d, -1.0, x, b->lower));  // lower − x > 0 below the bound
  PetscCall(VecMax(d, nullptr, &below));
  PetscCall(VecWAXPY(d, -1.0, b->upper, x));  // x − upper > 0 above it
  PetscCall(VecMax(d, nullptr, &above));
  b->worst = std::max({b->worst, below, above});
  ++b->iterates;
  PetscFunctionReturn(0);
}
}  // namespace

TEST(TaoGNCG, bounds_keep_every_iterate_feasible_and_reach_the_constrained_minimiser) {
  // x* = ½ sin(2πi/n) pushed against −0.2 ≤ x ≤ 0.3 from an infeasible start: projected
  // Gauss–Newton–CG on the free variables against TAO's bnls to tight tolerance (the problem is
  // strictly convex: one constrained minimiser).
  auto run = [](const std::string& type, Vec lower, Vec upper, BoundsCheck* check) {
    auto s = std::make_unique<LsqCase>(-1.0);
    auto r = solve(s->prob, s->x,
                   std::string("-tao_gatol 1e-9 -tao_grtol 0 -tao_max_it 200 -tao_type ") + type,
                   [&](Tao tao) {
                     PDEINV_CALL(TaoSetVariableBounds(tao, lower, upper));
                     if (check) PDEINV_CALL(TaoSetMonitor(tao, checkFeasible, check, nullptr));
                   });
    return std::make_pair(std::move(s), r);
  };
  LsqCase shape;
  Owned<Vec> lower(shape.prob.createVec()), upper(shape.prob.createVec());
  PDEINV_CALL(VecSet(lower, -0.2));
  PDEINV_CALL(VecSet(upper, 0.3));
  BoundsCheck check{lower, upper};
  auto [gncg, rg] = run("pdeinvgncg", lower, upper, &check);
  auto [bnls, rb] = run("bnls", lower, upper, nullptr);
  EXPECT_EQ(rg.reason, TAO_CONVERGED_GATOL);
  EXPECT_GT(rb.reason, 0);
  EXPECT_EQ(check.iterates, rg.iterations + 1);  // every iterate, the start included
  EXPECT_LE(check.worst, 0.0) << "an iterate left the feasible set";
  EXPECT_LT(maxDifference(gncg->x, bnls->x), 1e-6);
  // Both bounds are active somewhere, so the constrained minimiser is not the free one.
  PetscReal xmin = 0, xmax = 0;
  PDEINV_CALL(VecMin(gncg->x, nullptr, &xmin));
  PDEINV_CALL(VecMax(gncg->x, nullptr, &xmax));
  EXPECT_DOUBLE_EQ(xmin, -0.2);
  EXPECT_DOUBLE_EQ(xmax, 0.3);
  EXPECT_GT(maxDifference(gncg->x, gncg->xstar), 0.1);
}
