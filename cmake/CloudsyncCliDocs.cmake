# The man page cloudsync(1) and the bash completion, generated at build time
# from the built tool's own --help (cmake/clidocs/generate.py), so they list
# exactly the subcommands and options it has. Sets CLOUDSYNC_MAN_PAGE and
# CLOUDSYNC_BASH_COMPLETION (empty when they cannot be generated here).
set(CLOUDSYNC_MAN_PAGE "")
set(CLOUDSYNC_BASH_COMPLETION "")
if(NOT TARGET cloudsync_cli)
  return()
endif()
if(CMAKE_CROSSCOMPILING)
  message(STATUS "cloudsync: no man page or bash completion (the cross-compiled tool cannot run here)")
  return()
endif()
find_package(Python3 3.8 QUIET COMPONENTS Interpreter)
if(NOT Python3_Interpreter_FOUND)
  message(FATAL_ERROR "cloudsync: the man page and bash completion need Python 3 (apt-get install python3)")
endif()

set(_docs ${PROJECT_BINARY_DIR}/docs)
set(CLOUDSYNC_MAN_PAGE ${_docs}/cloudsync.1.gz)
set(CLOUDSYNC_BASH_COMPLETION ${_docs}/cloudsync.bash-completion)
file(GLOB _generator CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/clidocs/*.py)
add_custom_command(
  OUTPUT ${CLOUDSYNC_MAN_PAGE} ${CLOUDSYNC_BASH_COMPLETION}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${_docs}
  # A sanitizer build's tool reports leaks at exit by default; --help is not what those builds check.
  COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0
          ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/clidocs/generate.py
          --cli $<TARGET_FILE:cloudsync_cli> --version ${PROJECT_VERSION}
          --man ${CLOUDSYNC_MAN_PAGE} --completion ${CLOUDSYNC_BASH_COMPLETION}
  DEPENDS cloudsync_cli ${_generator}
  COMMENT "Generating cloudsync.1.gz and the bash completion from cloudsync --help"
  VERBATIM)
add_custom_target(cloudsync_cli_docs ALL DEPENDS ${CLOUDSYNC_MAN_PAGE} ${CLOUDSYNC_BASH_COMPLETION})
