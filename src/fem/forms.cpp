#include "pdeinv/fem/forms.hpp"

#include "pdeinv/fem/assembler.hpp"

namespace pdeinv {
namespace {

void identityG0(PetscInt, PetscInt, PetscInt, const PetscInt uOff[], const PetscInt[],
                const PetscScalar[], const PetscScalar[], const PetscScalar[], const PetscInt[],
                const PetscInt[], const PetscScalar[], const PetscScalar[], const PetscScalar[],
                PetscReal, PetscReal, const PetscReal[], PetscInt, const PetscScalar[],
                PetscScalar g0[]) {
  const PetscInt Nc = uOff[1] - uOff[0];
  for (PetscInt c = 0; c < Nc; ++c) g0[c * Nc + c] = 1.0;
}

void identityG3(PetscInt dim, PetscInt, PetscInt, const PetscInt uOff[], const PetscInt[],
                const PetscScalar[], const PetscScalar[], const PetscScalar[], const PetscInt[],
                const PetscInt[], const PetscScalar[], const PetscScalar[], const PetscScalar[],
                PetscReal, PetscReal, const PetscReal[], PetscInt, const PetscScalar[],
                PetscScalar g3[]) {
  const PetscInt Nc = uOff[1] - uOff[0];
  for (PetscInt c = 0; c < Nc; ++c)
    for (PetscInt d = 0; d < dim; ++d) g3[((c * Nc + c) * dim + d) * dim + d] = 1.0;
}

Owned<Mat> assembleForm(const FunctionSpace& V, const JacobianKernels& k) {
  Assembler assembler(V, {});
  auto A = assembler.createStateMatrix();
  assembler.stateJacobian(k, nullptr, {}, A);
  return A;
}

}  // namespace

Owned<Mat> massMatrix(const FunctionSpace& V) {
  JacobianKernels k;
  k.g0 = identityG0;
  return assembleForm(V, k);
}

Owned<Mat> stiffnessMatrix(const FunctionSpace& V) {
  JacobianKernels k;
  k.g3 = identityG3;
  return assembleForm(V, k);
}

}  // namespace pdeinv
