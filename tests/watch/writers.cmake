# Issue 13's "Done means" end to end through `cloudsync watch --json`
# (test_writers.py): real writers against moto, the fault proxy, Azurite and
# the Drive stand-in, which the tests start themselves. Included from
# tests/watch/CMakeLists.txt (no return() here: it would end that file too).
# One ctest entry per group; the limits' two cases each on its own, so that
# the 10,000-file burst shows its time.
if(NOT TARGET cloudsync_cli)
  message(STATUS "cloudsync: watch writer tests skipped (configure with CLOUDSYNC_BUILD_EXAMPLES=ON to build the CLI)")
else()
  find_package(Python3 3.8 REQUIRED COMPONENTS Interpreter)
  set(writers_env
    "CLOUDSYNC_PEERS_DIR=${PROJECT_SOURCE_DIR}/tests/peers"
    # Installed once per build tree, shared with the Azure and Drive tests.
    "CLOUDSYNC_PEERS_NPM_DIR=${CMAKE_BINARY_DIR}/peers-npm"
    "CLOUDSYNC_DRIVE_NPM_DIR=${PROJECT_BINARY_DIR}/tests/npm")
  set(limit_cases LimitsTest.test_tiny_watch_limit_falls_back_to_polling
                  LimitsTest.test_burst_of_10000_files_with_a_small_event_queue)
  foreach(group WritersTest DurabilityTest OtherStoresTest ${limit_cases})
    add_test(NAME "watch writers: ${group}"
      COMMAND Python3::Interpreter ${CMAKE_CURRENT_SOURCE_DIR}/test_writers.py
              --cli $<TARGET_FILE:cloudsync_cli> ${group})
    set_tests_properties("watch writers: ${group}" PROPERTIES TIMEOUT 600 LABELS watch ENVIRONMENT "${writers_env}")
  endforeach()
  # The limits are the machine's (/proc/sys/fs/inotify): no other test may run meanwhile.
  foreach(group ${limit_cases})
    set_tests_properties("watch writers: ${group}" PROPERTIES RUN_SERIAL TRUE)
  endforeach()
endif()
