# Install rules and the exported CMake package: find_package(pdeinv) → pdeinv::pdeinv.
#   cmake --install build --prefix <p>     then, in another project, -DCMAKE_PREFIX_PATH=<p>
# tests/consumer/ is such a project; tests/consumer/run_consumer_test.cmake checks it works.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PDEINV_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/pdeinv)
set(PDEINV_INSTALL_MESHDIR ${CMAKE_INSTALL_DATADIR}/pdeinv/meshes)

install(TARGETS pdeinv EXPORT pdeinvTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/pdeinv DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT pdeinvTargets NAMESPACE pdeinv:: DESTINATION ${PDEINV_INSTALL_CMAKEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/meshes/ DESTINATION ${PDEINV_INSTALL_MESHDIR}
        PATTERN "*.sh" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
                                   GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

# Installed programs (apps/) find libpdeinv in the prefix's lib directory, wherever it is.
if(PDEINV_BUILD_APPS)
  get_property(_pdeinv_apps DIRECTORY ${PROJECT_SOURCE_DIR}/apps PROPERTY BUILDSYSTEM_TARGETS)
  foreach(_t IN LISTS _pdeinv_apps)
    get_target_property(_type ${_t} TYPE)
    if(_type STREQUAL "EXECUTABLE")
      set_target_properties(${_t} PROPERTIES INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
    endif()
  endforeach()
endif()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/pdeinvConfig.cmake.in
  ${PROJECT_BINARY_DIR}/pdeinvConfig.cmake
  INSTALL_DESTINATION ${PDEINV_INSTALL_CMAKEDIR}
  PATH_VARS PDEINV_INSTALL_MESHDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pdeinvConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/pdeinvConfig.cmake ${PROJECT_BINARY_DIR}/pdeinvConfigVersion.cmake
        DESTINATION ${PDEINV_INSTALL_CMAKEDIR})
