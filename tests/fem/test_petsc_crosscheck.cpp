// The assembler against PETSc's own FEM assembly: the same pointwise kernels, the same
// elements and quadrature, handed to DMPlexSNESComputeResidualFEM / ...JacobianFEM through a
// PetscDS with auxiliary fields, must give the same residual and Jacobian to round-off. This
// is what makes "a kernel written for PETSc works in pdeinv unchanged" a checked statement.
#include <gtest/gtest.h>

#include "../test_util.hpp"
#include "pdeinv/fem/assembler.hpp"
#include "pdeinv/physics/advection_diffusion.hpp"
#include "pdeinv/physics/poisson.hpp"

using namespace pdeinv;
using pdeinv::test::meshPath;

namespace {

Owned<PetscFE> lagrange(const Mesh& mesh, int degree, PetscQuadrature q) {
  Owned<PetscFE> fe;
  PDEINV_CALL(PetscFECreateLagrange(mesh.comm(), mesh.dim(), 1,
                                    mesh.simplex() ? PETSC_TRUE : PETSC_FALSE, degree,
                                    PETSC_DETERMINE, fe.out()));
  PDEINV_CALL(PetscFESetQuadrature(fe, q));
  return fe;
}

void crossCheck(const Mesh& mesh, const PdeOperator& op, int stateDegree) {
  // pdeinv side: state with u = 0 on the boundary, parameter m (P1), source f (state degree).
  DirichletBC bc;
  bc.label = "boundary";
  bc.values = {1};
  bc.value = std::make_shared<Expression>("x*y", "bc");
  FunctionSpace V(mesh, {stateDegree, 1}, "u", {bc});
  FunctionSpace M(mesh, {1, 1}, "m");
  FunctionSpace F(mesh, {stateDegree, 1}, "f");
  Assembler ours(V, {&M, &F}, op.extraQuadraturePoints());
  ours.setConstants(op.constants());
  auto u = V.createVector(), m = M.createVector(), f = F.createVector();
  V.interpolate(Expression("sin(2*x)*cos(3*y) + x", "u"), u);
  M.interpolate(Expression("0.5*sin(3*x+y)", "m"), m);
  F.interpolate(Expression("1 + x*x - y", "f"), f);
  auto rOurs = V.createVector();
  ours.residual(op.residual(), u, {m, f}, rOurs);
  auto JOurs = ours.createStateMatrix();
  ours.stateJacobian(op.stateJacobian(), u, {m, f}, JOurs);

  // PETSc side: the same elements on the same quadrature, m and f as auxiliary fields.
  PetscQuadrature q = ours.quadrature();
  Owned<DM> dm, aux;
  PDEINV_CALL(DMClone(mesh.dm(), dm.out()));
  auto feU = lagrange(mesh, stateDegree, q);
  PDEINV_CALL(DMSetField(dm, 0, nullptr, reinterpret_cast<PetscObject>(feU.get())));
  PDEINV_CALL(DMCreateDS(dm));
  PDEINV_CALL(DMAddBoundary(dm, DM_BC_ESSENTIAL, "wall", mesh.label("boundary"), 1,
                            bc.values.data(), 0, 0, nullptr,
                            reinterpret_cast<void (*)(void)>(&Expression::pointFunction), nullptr,
                            const_cast<Expression*>(bc.value.get()), nullptr));
  PetscDS ds = nullptr;
  PDEINV_CALL(DMGetDS(dm, &ds));
  const auto R = op.residual();
  const auto Jk = op.stateJacobian();
  PDEINV_CALL(PetscDSSetResidual(ds, 0, R.f0, R.f1));
  PDEINV_CALL(PetscDSSetJacobian(ds, 0, 0, Jk.g0, Jk.g1, Jk.g2, Jk.g3));
  auto constants = op.constants();
  PDEINV_CALL(PetscDSSetConstants(ds, static_cast<PetscInt>(constants.size()), constants.data()));

  PDEINV_CALL(DMClone(mesh.dm(), aux.out()));
  auto feM = lagrange(mesh, 1, q), feF = lagrange(mesh, stateDegree, q);
  PDEINV_CALL(DMSetField(aux, 0, nullptr, reinterpret_cast<PetscObject>(feM.get())));
  PDEINV_CALL(DMSetField(aux, 1, nullptr, reinterpret_cast<PetscObject>(feF.get())));
  PDEINV_CALL(DMCreateDS(aux));
  Owned<Vec> auxLocal;
  PDEINV_CALL(DMCreateLocalVector(aux, auxLocal.out()));
  Expression mExpr("0.5*sin(3*x+y)", "m"), fExpr("1 + x*x - y", "f");
  PetscErrorCode (*funcs[2])(PetscInt, PetscReal, const PetscReal[], PetscInt, PetscScalar[],
                             void*) = {&Expression::pointFunction, &Expression::pointFunction};
  void* ctxs[2] = {&mExpr, &fExpr};
  PDEINV_CALL(DMProjectFunctionLocal(aux, 0.0, funcs, ctxs, INSERT_ALL_VALUES, auxLocal));
  PDEINV_CALL(DMSetAuxiliaryVec(dm, nullptr, 0, 0, auxLocal));

  // Same clone, same element, same boundary: the global layouts coincide, so u copies over.
  Owned<Vec> uLocal, rLocal, rPetsc;
  PDEINV_CALL(DMCreateLocalVector(dm, uLocal.out()));
  PDEINV_CALL(DMCreateLocalVector(dm, rLocal.out()));
  PDEINV_CALL(DMCreateGlobalVector(dm, rPetsc.out()));
  PDEINV_CALL(VecSet(uLocal, 0.0));
  PDEINV_CALL(DMGlobalToLocal(dm, u, INSERT_VALUES, uLocal));
  PDEINV_CALL(DMPlexInsertBoundaryValues(dm, PETSC_TRUE, uLocal, 0.0, nullptr, nullptr, nullptr));
  PDEINV_CALL(VecSet(rLocal, 0.0));
  PDEINV_CALL(DMPlexSNESComputeResidualFEM(dm, uLocal, rLocal, nullptr));
  PDEINV_CALL(VecSet(rPetsc, 0.0));
  PDEINV_CALL(DMLocalToGlobal(dm, rLocal, ADD_VALUES, rPetsc));
  Owned<Mat> JPetsc;
  PDEINV_CALL(DMCreateMatrix(dm, JPetsc.out()));
  PDEINV_CALL(DMPlexSNESComputeJacobianFEM(dm, uLocal, JPetsc, JPetsc, nullptr));

  PetscReal nr = 0, nd = 0, nj = 0, njd = 0;
  PDEINV_CALL(VecNorm(rOurs, NORM_2, &nr));
  PDEINV_CALL(VecAXPY(rPetsc, -1.0, rOurs));
  PDEINV_CALL(VecNorm(rPetsc, NORM_2, &nd));
  EXPECT_LT(nd, 1e-12 * nr) << op.name() << " P" << stateDegree << " residual: |diff| " << nd
                            << " vs |r| " << nr;
  PDEINV_CALL(MatNorm(JOurs, NORM_FROBENIUS, &nj));
  PDEINV_CALL(MatAXPY(JPetsc, -1.0, JOurs, DIFFERENT_NONZERO_PATTERN));
  PDEINV_CALL(MatNorm(JPetsc, NORM_FROBENIUS, &njd));
  EXPECT_LT(njd, 1e-12 * nj) << op.name() << " P" << stateDegree << " Jacobian";
}

}  // namespace

TEST(Assembler, matches_petsc_fem_assembly_on_triangles) {
  auto mesh = Mesh::fromGmsh(PETSC_COMM_WORLD, meshPath("square_inclusion_coarse.msh"));
  mesh.distribute();
  for (int degree : {1, 2}) {
    crossCheck(mesh, PoissonLogCoefficient(), degree);
    crossCheck(mesh, AdvectionDiffusion(), degree);
  }
}

TEST(Assembler, matches_petsc_fem_assembly_on_quads) {
  BoxSpec box;
  box.faces = {7, 5};
  auto mesh = Mesh::box(PETSC_COMM_WORLD, box);
  mesh.distribute();
  for (int degree : {1, 2}) {
    crossCheck(mesh, PoissonLogCoefficient(), degree);
    crossCheck(mesh, AdvectionDiffusion(), degree);
  }
}
