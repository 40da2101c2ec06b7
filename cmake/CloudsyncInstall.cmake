# install(): libraries, public headers, a CMake package (find_package(cloudsync)),
# a pkg-config file, the listing JSON Schema, the license, and (with the tool)
# its man page and bash completion.
#
# The rules exist twice, made by one function: once in the layout this tree was
# configured for (GNUInstallDirs: `cmake --install`), and once, in the install
# component "deb" that only CPack installs, in Debian's layout below /usr with
# the multiarch library folder lib/<triplet> (cmake/CloudsyncPackage.cmake). So
# any build tree makes a correct .deb without being configured for it.
include(CMakePackageConfigHelpers)

# pkg-config file for libraries in `libdir` and headers in `includedir` (both
# relative to the prefix, or absolute). Relative ones are found from the .pc
# file's own place (${pcfiledir}), so an installed tree can be moved.
function(cloudsync_write_pc_file out libdir includedir)
  if(IS_ABSOLUTE "${libdir}")
    set(CLOUDSYNC_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
    set(CLOUDSYNC_PC_LIBDIR "${libdir}")
  else()
    # From <prefix>/<libdir>/pkgconfig back to <prefix>: "../.." for lib,
    # "../../.." for lib/x86_64-linux-gnu.
    file(RELATIVE_PATH _up "/prefix/${libdir}/pkgconfig" "/prefix")
    string(REGEX REPLACE "/$" "" _up "${_up}")
    set(CLOUDSYNC_PC_PREFIX "\${pcfiledir}/${_up}")
    set(CLOUDSYNC_PC_LIBDIR "\${prefix}/${libdir}")
  endif()
  if(IS_ABSOLUTE "${includedir}")
    set(CLOUDSYNC_PC_INCLUDEDIR "${includedir}")
  else()
    set(CLOUDSYNC_PC_INCLUDEDIR "\${prefix}/${includedir}")
  endif()
  # "cloudsync" links the shared library; --static adds the private deps.
  set(CLOUDSYNC_PC_REQUIRES_PRIVATE "libcurl openssl fmt pugixml sqlite3 libpq zlib libutf8proc")
  configure_file(${CMAKE_CURRENT_FUNCTION_LIST_DIR}/cloudsync.pc.in ${out} @ONLY)
endfunction()

# Every install rule, for one layout: libraries in `libdir`; generated files
# go below `generated`; ARGN (e.g. COMPONENT deb EXCLUDE_FROM_ALL) is added to each rule.
function(cloudsync_install_layout libdir generated)
  set(_in ${ARGN})
  set(_cmake_dir ${libdir}/cmake/cloudsync)
  install(TARGETS ${CLOUDSYNC_LIBRARY_TARGETS}
    EXPORT cloudsyncTargets${generated}
    ARCHIVE DESTINATION ${libdir} ${_in}
    LIBRARY DESTINATION ${libdir} ${_in}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} ${_in}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  if(TARGET cloudsync_static AND CMAKE_STRIP)
    # `--strip` (and CPack) strip executables and shared libraries only; the
    # static library's debug information is most of its size (150 MB of 155).
    if(IS_ABSOLUTE "${libdir}")
      set(_archive "${libdir}/$<TARGET_FILE_NAME:cloudsync_static>")
    else()
      set(_archive "\${CMAKE_INSTALL_PREFIX}/${libdir}/$<TARGET_FILE_NAME:cloudsync_static>")
    endif()
    install(CODE "if(CMAKE_INSTALL_DO_STRIP)
      execute_process(COMMAND \"${CMAKE_STRIP}\" --strip-debug \"\$ENV{DESTDIR}${_archive}\" COMMAND_ERROR_IS_FATAL ANY)
    endif()" ${_in})
  endif()
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/cloudsync DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} ${_in})
  install(FILES ${PROJECT_BINARY_DIR}/generated/cloudsync/version.hpp
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cloudsync ${_in})
  install(FILES ${PROJECT_SOURCE_DIR}/capi/include/cloudsync.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} ${_in})
  # The JSON Schema of listings, for hosts that validate or generate types from it.
  install(FILES ${PROJECT_SOURCE_DIR}/capi/schema/listing.schema.json
    DESTINATION ${CMAKE_INSTALL_DATADIR}/cloudsync ${_in})

  set(_out ${PROJECT_BINARY_DIR}/install/${generated})
  install(EXPORT cloudsyncTargets${generated} FILE cloudsyncTargets.cmake NAMESPACE cloudsync::
    DESTINATION ${_cmake_dir} ${_in})
  configure_package_config_file(${CMAKE_CURRENT_FUNCTION_LIST_DIR}/cloudsyncConfig.cmake.in
    ${_out}/cloudsyncConfig.cmake INSTALL_DESTINATION ${_cmake_dir})
  write_basic_package_version_file(${_out}/cloudsyncConfigVersion.cmake COMPATIBILITY SameMajorVersion)
  install(FILES ${_out}/cloudsyncConfig.cmake ${_out}/cloudsyncConfigVersion.cmake
    ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/Findutf8proc.cmake DESTINATION ${_cmake_dir} ${_in})

  cloudsync_write_pc_file(${_out}/cloudsync.pc ${libdir} ${CMAKE_INSTALL_INCLUDEDIR})
  install(FILES ${_out}/cloudsync.pc DESTINATION ${libdir}/pkgconfig ${_in})

  if(CLOUDSYNC_MAN_PAGE)
    install(FILES ${CLOUDSYNC_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 ${_in})
    install(FILES ${CLOUDSYNC_BASH_COMPLETION} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
      RENAME cloudsync ${_in})
  endif()
endfunction()

cloudsync_install_layout(${CMAKE_INSTALL_LIBDIR} default)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})

include(CloudsyncPackage)
