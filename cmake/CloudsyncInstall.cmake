# install(): libraries, public headers, a CMake package (find_package(cloudsync)),
# a pkg-config file and the listing JSON Schema.
include(CMakePackageConfigHelpers)

install(TARGETS ${CLOUDSYNC_LIBRARY_TARGETS}
  EXPORT cloudsyncTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/cloudsync DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/generated/cloudsync/version.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cloudsync)
install(FILES ${PROJECT_SOURCE_DIR}/capi/include/cloudsync.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The JSON Schema of listings, for hosts that validate or generate types from it.
install(FILES ${PROJECT_SOURCE_DIR}/capi/schema/listing.schema.json DESTINATION ${CMAKE_INSTALL_DATADIR}/cloudsync)

set(CLOUDSYNC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/cloudsync)
install(EXPORT cloudsyncTargets NAMESPACE cloudsync:: DESTINATION ${CLOUDSYNC_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/cloudsyncConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cloudsyncConfig.cmake INSTALL_DESTINATION ${CLOUDSYNC_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cloudsyncConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cloudsyncConfig.cmake ${PROJECT_BINARY_DIR}/cloudsyncConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/Findutf8proc.cmake
  DESTINATION ${CLOUDSYNC_CMAKE_DIR})

# pkg-config: "cloudsync" links the shared library; --static adds the private deps.
set(CLOUDSYNC_PC_REQUIRES_PRIVATE "libcurl openssl fmt pugixml sqlite3 libutf8proc")
configure_file(${CMAKE_CURRENT_LIST_DIR}/cloudsync.pc.in ${PROJECT_BINARY_DIR}/cloudsync.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cloudsync.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
