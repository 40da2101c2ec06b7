# The Python package (python/cloudsync) in Debian's layout:
# <prefix>/<libdir>/python3/dist-packages/cloudsync, beside the shared library
# in <prefix>/<libdir>, where cloudsync/_native.py looks for it.
option(CLOUDSYNC_INSTALL_PYTHON "Install the Python package" ${CLOUDSYNC_INSTALL})
set(CLOUDSYNC_PYTHON_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/python3/dist-packages" CACHE STRING
    "Where the Python package is installed, relative to the prefix")
if(CLOUDSYNC_INSTALL AND CLOUDSYNC_INSTALL_PYTHON AND TARGET cloudsync_shared)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/cloudsync DESTINATION ${CLOUDSYNC_PYTHON_INSTALL_DIR}
    PATTERN "__pycache__" EXCLUDE
    PATTERN "*.pyc" EXCLUDE
    PATTERN "libcloudsync.so*" EXCLUDE)  # a copy bundled by a pip install from this tree
endif()
