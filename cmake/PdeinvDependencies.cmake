# Locate every dependency; a missing one stops configuration with the Debian package to install.
include_guard(GLOBAL)

function(pdeinv_missing what package)
  message(FATAL_ERROR "pdeinv: ${what} not found. Install the Debian package '${package}' "
                      "(apt-get install ${package}), or run scripts/setup.sh which installs all of them.")
endfunction()

find_package(MPI COMPONENTS C CXX QUIET)
if(NOT MPI_FOUND)
  pdeinv_missing("MPI (Open MPI)" "libopenmpi-dev")
endif()

find_package(PkgConfig QUIET)
if(NOT PkgConfig_FOUND)
  pdeinv_missing("pkg-config" "pkg-config")
endif()
pkg_check_modules(PETSC QUIET IMPORTED_TARGET GLOBAL PETSc>=3.18)
if(NOT PETSC_FOUND)
  pdeinv_missing("PETSc >= 3.18 (pkg-config module 'PETSc')" "petsc-dev")
endif()
if(NOT TARGET PETSc::PETSc)
  add_library(PETSc::PETSc ALIAS PkgConfig::PETSC)
endif()

# libyaml: runMain checks -options_file_yaml files with it (the parser PETSc uses) before
# PETSc reads them, so a malformed file is one clear message.
pkg_check_modules(YAML QUIET IMPORTED_TARGET GLOBAL yaml-0.1)
if(NOT YAML_FOUND)
  pdeinv_missing("libyaml (pkg-config module 'yaml-0.1')" "libyaml-dev")
endif()

# HDF5 (the MPI build PETSc links): the observation reader checks a dataset's storage with the
# HDF5 API before PETSc reads it, because HDF5 itself reads past its buffers on corrupt files.
pkg_check_modules(HDF5 QUIET IMPORTED_TARGET GLOBAL hdf5-openmpi)
if(NOT HDF5_FOUND)
  pdeinv_missing("HDF5 for Open MPI (pkg-config module 'hdf5-openmpi')" "libhdf5-openmpi-dev")
endif()

find_package(SUNDIALS 6 CONFIG QUIET COMPONENTS arkode nvecpetsc)
if(NOT SUNDIALS_FOUND OR NOT TARGET SUNDIALS::arkode OR NOT TARGET SUNDIALS::nvecpetsc)
  pdeinv_missing("SUNDIALS >= 6 with ARKODE and NVECTOR_PETSC" "libsundials-dev")
endif()

find_package(Eigen3 3.4 CONFIG QUIET)
if(NOT Eigen3_FOUND)
  pdeinv_missing("Eigen >= 3.4" "libeigen3-dev")
endif()

find_package(muparser CONFIG QUIET)
if(NOT muparser_FOUND)
  pkg_check_modules(MUPARSER QUIET IMPORTED_TARGET GLOBAL muparser)
  if(NOT MUPARSER_FOUND)
    pdeinv_missing("muparser" "libmuparser-dev")
  endif()
  add_library(muparser::muparser ALIAS PkgConfig::MUPARSER)
endif()
