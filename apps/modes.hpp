#pragma once
// The modes of the pdeinv driver (apps/pdeinv.cpp chooses one with -mode).
#include <petscsys.h>

#include <string>

namespace pdeinv::app {

// -mode invert: solve the configured inverse problem with TAO and write the run directory.
int runInvert(MPI_Comm comm);
// Returns false: runMain answers -help before any mode runs (main gives it the catalogue of
// every option, option_catalog.hpp). To be removed once no mode calls it.
bool printHelpIfRequested(MPI_Comm comm);
// -output DIR (default `def`); "none" is returned as the empty string: write nothing.
std::string outputDirectory(const std::string& def);

}  // namespace pdeinv::app
