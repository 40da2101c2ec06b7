# `cpack -G DEB` (or the `package` target): one Debian package, "cloudsync",
# with the shared and static libraries, headers, CMake package, pkg-config file,
# the tool, its man page and bash completion, laid out as Debian does (/usr,
# libraries in lib/<multiarch triplet>) whatever prefix this tree was configured
# with: CPack installs the "deb" component of cmake/CloudsyncInstall.cmake.
# Depends is computed by dpkg-shlibdeps from what the binaries link.
# The default is a reserved .invalid address: set the real one when publishing.
set(CLOUDSYNC_PACKAGE_MAINTAINER "cloudsync maintainers <maintainers@cloudsync.invalid>"
    CACHE STRING "The .deb's Maintainer: \"Name <email>\"")

# Debian's multiarch library folder (lib/x86_64-linux-gnu); CMake knows the
# triplet from the compiler on Debian and derivatives, elsewhere plain lib.
if(CMAKE_LIBRARY_ARCHITECTURE)
  set(CLOUDSYNC_DEB_LIBDIR lib/${CMAKE_LIBRARY_ARCHITECTURE})
else()
  set(CLOUDSYNC_DEB_LIBDIR lib)
endif()
cloudsync_install_layout(${CLOUDSYNC_DEB_LIBDIR} deb COMPONENT deb EXCLUDE_FROM_ALL)
if(TARGET cloudsync_cli)
  # The tool's own install rule (examples/cli) is the plain `cmake --install` one.
  install(TARGETS cloudsync_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT deb EXCLUDE_FROM_ALL)
endif()
if(CLOUDSYNC_INSTALL_PYTHON AND TARGET cloudsync_shared)
  cloudsync_install_python_package(COMPONENT deb EXCLUDE_FROM_ALL)
endif()

# Debian wants /usr/share/doc/<package>/copyright, pointing at the system's copy
# of common licenses rather than repeating them, and a changelog.Debian.gz.
set(CLOUDSYNC_DEB_RELEASE 1)
set(_deb ${PROJECT_BINARY_DIR}/install/deb)
set(CLOUDSYNC_COPYRIGHT_YEAR 2026)
configure_file(${CMAKE_CURRENT_LIST_DIR}/debian/copyright.in ${_deb}/copyright @ONLY)
string(TIMESTAMP CLOUDSYNC_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${CMAKE_CURRENT_LIST_DIR}/debian/changelog.in ${_deb}/changelog.Debian @ONLY)
file(ARCHIVE_CREATE OUTPUT ${_deb}/changelog.Debian.gz PATHS ${_deb}/changelog.Debian
  FORMAT raw COMPRESSION GZip COMPRESSION_LEVEL 9 MTIME 0)
install(FILES ${_deb}/copyright ${_deb}/changelog.Debian.gz DESTINATION ${CMAKE_INSTALL_DOCDIR}
  COMPONENT deb EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cloudsync)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# The Debian revision: the package is "1.0.0-1", not a native package (which
# would want a changelog.gz instead of changelog.Debian.gz).
set(CPACK_DEBIAN_PACKAGE_RELEASE ${CLOUDSYNC_DEB_RELEASE})
set(CPACK_PACKAGE_CONTACT "${CLOUDSYNC_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
# The extended description: Debian wants lines under 80 columns.
set(CPACK_PACKAGE_DESCRIPTION
    "cloudsync connects an application's projects to cloud storage (local folders,\n\
S3 and S3-compatible stores, Azure Blob Storage, Google Drive): it imports,\n\
exports, restores and synchronises files with computed plans.\n\
This package has the library (stable C ABI, libcloudsync.so.${CLOUDSYNC_ABI_MAJOR}; the C++ API\n\
in the static library), its headers, CMake package and pkg-config file, and\n\
the cloudsync tool with its man page and bash completion.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# Only the "deb" component, as one package named like the project.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL deb)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
if(CLOUDSYNC_INSTALL_PYTHON AND TARGET cloudsync_shared)
  # The Python package inside needs an interpreter (lintian: python-package-missing-depends-on-python);
  # dpkg-shlibdeps' list is added to this one.
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "python3")
endif()
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
# ldconfig through dpkg's trigger, as Debian's own library packages do (CPack
# also still writes a postinst and postrm that call it: lintian warns, no harm).
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_LIST_DIR}/debian/triggers)
# Building C++ programs on the static library or with the CMake package needs
# the dependencies' development files; the C ABI and the tool need only Depends.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libcurl4-openssl-dev, libssl-dev, libfmt-dev, libpugixml-dev, libsqlite3-dev, libpq-dev, zlib1g-dev, libutf8proc-dev")
include(CPack)
