# Installs the library, its headers and a CMake package, so consumers write find_package(mtl).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS mtl EXPORT mtlTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/mtl DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT mtlTargets NAMESPACE mtl:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mtl)

configure_package_config_file(cmake/mtlConfig.cmake.in "${PROJECT_BINARY_DIR}/mtlConfig.cmake"
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mtl)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/mtlConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/mtlConfig.cmake" "${PROJECT_BINARY_DIR}/mtlConfigVersion.cmake"
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mtl)
