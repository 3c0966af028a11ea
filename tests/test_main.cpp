// GoogleTest main for pdeinv's MPI tests: PETSc is initialised once, every rank runs every
// test, only rank 0 prints, and a test fails if it fails on any rank.
#include <gtest/gtest.h>
#include <petscsys.h>

#include "pdeinv/core/error.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  PetscInitialize(&argc, &argv, nullptr, nullptr);
  pdeinv::installPetscErrorHandler();
  int rank = 0;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (rank != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int failed = RUN_ALL_TESTS();
  int anyFailed = 0;
  MPI_Allreduce(&failed, &anyFailed, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  PetscOptionsSetValue(nullptr, "-options_left", "0");
  PetscFinalize();
  return anyFailed;
}
