#pragma once
// The modes of the pdeinv driver (apps/pdeinv.cpp chooses one with -mode).
#include <petscsys.h>

namespace pdeinv::app {

// -mode invert: solve the configured inverse problem with TAO and write the run directory.
int runInvert(MPI_Comm comm);
// -mode sample: the MAP point, the Laplace approximation, MCMC chains (apps/sample.cpp).
int runSample(MPI_Comm comm);

}  // namespace pdeinv::app
