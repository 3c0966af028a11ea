# Install rules and the exported CMake package: find_package(pdeinv) → pdeinv::pdeinv.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS pdeinv EXPORT pdeinvTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/pdeinv DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT pdeinvTargets NAMESPACE pdeinv:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pdeinv)
install(FILES ${PROJECT_SOURCE_DIR}/cmake/PdeinvDependencies.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pdeinv)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/meshes/ DESTINATION ${CMAKE_INSTALL_DATADIR}/pdeinv/meshes)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/pdeinvConfig.cmake.in
  ${PROJECT_BINARY_DIR}/pdeinvConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pdeinv)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pdeinvConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/pdeinvConfig.cmake ${PROJECT_BINARY_DIR}/pdeinvConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pdeinv)
