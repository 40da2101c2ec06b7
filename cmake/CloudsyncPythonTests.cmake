# The environment of a test that loads the shared library into a Python
# interpreter: CLOUDSYNC_LIBRARY, the peers folder, and under AddressSanitizer
# the runtime preloaded (an instrumented library in an uninstrumented Python
# needs it; Python's own allocations are not ours to report).
# ThreadSanitizer cannot run inside Python (it crashes at start-up): check
# CLOUDSYNC_PYTHON_TESTS before adding such tests.
if(CLOUDSYNC_SANITIZE MATCHES "thread")
  set(CLOUDSYNC_PYTHON_TESTS OFF)
else()
  set(CLOUDSYNC_PYTHON_TESTS ON)
endif()

function(cloudsync_python_test_environment out_var)
  set(_env "CLOUDSYNC_LIBRARY=$<TARGET_FILE:cloudsync_shared>" "CLOUDSYNC_PEERS_DIR=${PROJECT_SOURCE_DIR}/tests/peers")
  if(CLOUDSYNC_SANITIZE MATCHES "address")
    execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libasan.so OUTPUT_VARIABLE _asan
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    list(APPEND _env "LD_PRELOAD=${_asan}" "ASAN_OPTIONS=detect_leaks=0")
  endif()
  set(${out_var} "${_env}" PARENT_SCOPE)
endfunction()
