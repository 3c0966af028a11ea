// Data-space Gauss–Newton (optim/data_space_step.hpp) and the blocked solve on PETSc's Cholesky
// factor it uses (core/linear_solver.hpp): the step solves the Gauss–Newton system, an
// inversion with it reaches the minimiser of the CG one, and the blocked solve equals PETSc's.
// At 1 and 2 ranks.
#include <gtest/gtest.h>

#include <cmath>

#include "../test_util.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/linear_solver.hpp"
#include "pdeinv/optim/data_space_step.hpp"
#include "pdeinv/optim/tao_problem.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

using namespace pdeinv;
using pdeinv::test::ScopedOptions;

namespace {

const std::string kProblem =
    "-mesh_faces 8,8 -mesh_simplex 0 -state_element Q2 -parameter_element Q1 -poisson_source 10 "
    "-truth 0.8*exp(-((x-.55)^2+(y-.45)^2)/0.03) -obs_type grid -obs_grid 6,6 "
    "-obs_grid_lower 0.1,0.1 -obs_grid_upper 0.9,0.9 -noise_relative 0.01 -reg_type h1 "
    "-reg_gamma 1 -reg_delta 0.1";

PetscReal norm(Vec v) {
  PetscReal n = 0;
  PDEINV_CALL(VecNorm(v, NORM_2, &n));
  return n;
}

}  // namespace

TEST(DataSpace, step_solves_the_gauss_newton_system) {
  ScopedOptions o(kProblem);
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  Objective& J = inv->objective();
  Regularization* reg = inv->regularization();
  ASSERT_NE(reg, nullptr);
  auto x = inv->initialGuess();
  PDEINV_CALL(VecShift(x, 0.3));  // away from the start, where the state is not trivial
  auto g = J.createParameterVector(), p = J.createParameterVector();
  auto Hp = J.createParameterVector();
  J.gradient(x, g);
  DataSpaceStep step(J, [&](Vec r, Vec out) { reg->applyHessianInverse(r, out); });
  step.compute(x, g, p);
  EXPECT_EQ(step.observations(), 36);
  EXPECT_EQ(step.covarianceActions(), 37);
  // H_GN p = −g to rounding: the step is the exact Gauss–Newton step.
  J.hessianApply(x, p, Hp, HessianType::GaussNewton);
  PDEINV_CALL(VecAXPY(Hp, 1.0, g));
  EXPECT_LT(norm(Hp), 1e-9 * norm(g));
  PetscReal gp = 0;
  PDEINV_CALL(VecDot(g, p, &gp));
  EXPECT_LT(gp, 0.0);  // a descent direction
}

TEST(DataSpace, inversion_reaches_the_minimiser_of_the_cg_steps_in_fewer_iterations) {
  ScopedOptions o(kProblem + " -state_ksp_rtol 1e-12");
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  auto run = [&](const std::string& stepKind, PetscInt* its) {
    ScopedOptions t("-tao_type pdeinvgncg -tao_gncg_step " + stepKind +
                    " -tao_gatol 0 -tao_grtol 1e-10 -tao_gttol 0 -tao_max_it 100");
    TaoProblem tp(inv->objective(), inv->regularization());
    tp.setFromOptions();
    auto x = inv->initialGuess();
    tp.solve(x);
    EXPECT_TRUE(tp.converged()) << stepKind << ": " << tp.reasonName();
    *its = tp.iterations();
    return x;
  };
  PetscInt itsCg = 0, itsDs = 0;
  auto xCg = run("cg", &itsCg);
  auto xDs = run("data_space", &itsDs);
  const PetscReal ref = norm(xCg);
  PDEINV_CALL(VecAXPY(xDs, -1.0, xCg));
  EXPECT_LT(norm(xDs), 1e-6 * ref);
  EXPECT_LE(itsDs, itsCg);  // exact steps take no more iterations than inexact ones
}

TEST(DataSpace, unavailable_without_an_invertible_regularization_is_an_input_error) {
  for (const char* reg : {"-reg_type none", "-reg_type h1 -reg_delta 0"}) {
    ScopedOptions o(kProblem);
    ScopedOptions r(reg);
    auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
    ScopedOptions t("-tao_type pdeinvgncg -tao_gncg_step data_space");
    TaoProblem tp(inv->objective(), inv->regularization());
    try {
      tp.setFromOptions();
      ADD_FAILURE() << reg << ": expected an InputError";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("-tao_gncg_step data_space needs a regularization"),
                std::string::npos)
          << e.what();
    }
  }
}

// The blocked solve on PETSc's Cholesky factor equals PETSc's own solves column by column (37
// columns: two full blocks of 16 and a partial one); in parallel (PCREDUNDANT) too, with the
// columns dealt out to the ranks.
TEST(BlockFactorSolve, equals_petsc_solves_in_serial_and_parallel) {
  const PetscInt m = 30, n = m * m;
  Owned<Mat> A;
  PDEINV_CALL(MatCreateAIJ(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, n, n, 5, nullptr, 2,
                           nullptr, A.out()));
  PetscInt lo = 0, hi = 0;
  PDEINV_CALL(MatGetOwnershipRange(A, &lo, &hi));
  for (PetscInt r = lo; r < hi; ++r) {
    const PetscInt i = r / m, j = r % m;
    PDEINV_CALL(MatSetValue(A, r, r, 4.0 + 0.01 * (r % 7), INSERT_VALUES));
    if (i > 0) PDEINV_CALL(MatSetValue(A, r, r - m, -1.0, INSERT_VALUES));
    if (i < m - 1) PDEINV_CALL(MatSetValue(A, r, r + m, -1.0, INSERT_VALUES));
    if (j > 0) PDEINV_CALL(MatSetValue(A, r, r - 1, -1.0, INSERT_VALUES));
    if (j < m - 1) PDEINV_CALL(MatSetValue(A, r, r + 1, -1.0, INSERT_VALUES));
  }
  PDEINV_CALL(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PDEINV_CALL(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  Owned<KSP> ksp;
  PDEINV_CALL(KSPCreate(PETSC_COMM_WORLD, ksp.out()));
  PDEINV_CALL(KSPSetOperators(ksp, A, A));
  LinearSolverDefaults d;
  d.kind = MatrixKind::Spd;
  d.globalSize = n;
  setDefaultLinearSolver(ksp, Options("blocktest_"), d);
  const PetscInt k = 37;
  Owned<Mat> B, X, Xref;
  PDEINV_CALL(MatCreateDense(PETSC_COMM_WORLD, hi - lo, PETSC_DECIDE, n, k, nullptr, B.out()));
  PetscScalar* b = nullptr;
  PDEINV_CALL(MatDenseGetArrayWrite(B, &b));
  for (PetscInt c = 0; c < k; ++c)
    for (PetscInt r = lo; r < hi; ++r) b[c * (hi - lo) + (r - lo)] = std::sin(0.37 * r + 1.3 * c);
  PDEINV_CALL(MatDenseRestoreArrayWrite(B, &b));
  PDEINV_CALL(MatDuplicate(B, MAT_DO_NOT_COPY_VALUES, X.out()));
  PDEINV_CALL(MatDuplicate(B, MAT_DO_NOT_COPY_VALUES, Xref.out()));
  PDEINV_CALL(KSPMatSolve(ksp, B, Xref));
  ASSERT_TRUE(blockFactorSolve(ksp, B, X));
  PetscReal ref = 0, diff = 0;
  PDEINV_CALL(MatNorm(Xref, NORM_FROBENIUS, &ref));
  PDEINV_CALL(MatAXPY(X, -1.0, Xref, SAME_NONZERO_PATTERN));
  PDEINV_CALL(MatNorm(X, NORM_FROBENIUS, &diff));
  EXPECT_LT(diff, 1e-13 * ref);
  // A second call on the same factorization (the layout check is skipped then) agrees too.
  PDEINV_CALL(MatZeroEntries(X));
  ASSERT_TRUE(blockFactorSolve(ksp, B, X));
  PDEINV_CALL(MatAXPY(X, -1.0, Xref, SAME_NONZERO_PATTERN));
  PDEINV_CALL(MatNorm(X, NORM_FROBENIUS, &diff));
  EXPECT_LT(diff, 1e-13 * ref);
}
