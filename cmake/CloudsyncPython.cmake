# The Python package (python/cloudsync) in Debian's layout:
# <prefix>/lib/python3/dist-packages/cloudsync -- "lib", not the multiarch
# libdir: /usr/lib/python3/dist-packages is where Debian's python3 looks.
# cloudsync/_native.py finds the shared library from there in <prefix>/lib/<multiarch>
# (GNUInstallDirs' libdir for the prefix /usr) or <prefix>/lib (other prefixes).
option(CLOUDSYNC_INSTALL_PYTHON "Install the Python package" ${CLOUDSYNC_INSTALL})
set(CLOUDSYNC_PYTHON_INSTALL_DIR "lib/python3/dist-packages" CACHE STRING
    "Where the Python package is installed, relative to the prefix")
# ARGN (e.g. COMPONENT deb EXCLUDE_FROM_ALL) is added to the rule; the .deb
# (cmake/CloudsyncPackage.cmake) carries the package as Debian's own would.
function(cloudsync_install_python_package)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/cloudsync DESTINATION ${CLOUDSYNC_PYTHON_INSTALL_DIR} ${ARGN}
    PATTERN "__pycache__" EXCLUDE
    PATTERN "*.pyc" EXCLUDE
    PATTERN "libcloudsync.so*" EXCLUDE)  # a copy bundled by a pip install from this tree
endfunction()
if(CLOUDSYNC_INSTALL AND CLOUDSYNC_INSTALL_PYTHON AND TARGET cloudsync_shared)
  cloudsync_install_python_package()
endif()
