# Precompiled headers, for unoptimised builds. Every translation unit here
# parses ~100,000 lines of the standard library and fmt (and, in tests,
# Catch2) before its own code. Measured on the library (2 cores, idle, ccache
# off): -O0 199 s -> 117 s, -O0 with ASan+UBSan 297 s -> 195 s. CI builds the
# tree at -O0 twice (the AddressSanitizer build and the vendored
# add_subdirectory() build of the packaging test), so it turns this on there.
#
# Off by default, and for optimised builds: GCC 12 loses the system-header
# status of locations read from a precompiled header, so the optimiser's
# warnings about libstdc++'s inlined code (-Warray-bounds, -Wnull-dereference:
# known false positives there) are reported, and -Werror fails the build.
#
# Only third-party headers are precompiled: they never change with the tree,
# and a file that forgets to include what it uses still fails in the builds
# without them.
#
# ccache users: set `sloppiness = pch_defines,time_macros` (ccache's manual,
# "Precompiled headers"), or every file is compiled uncached.
option(CLOUDSYNC_PRECOMPILED_HEADERS "Precompile the standard library, fmt and Catch2 headers (unoptimised builds)"
       OFF)

set(CLOUDSYNC_PRECOMPILED_STD_HEADERS
  <algorithm> <array> <atomic> <chrono> <cstdint> <cstring> <filesystem> <functional> <map> <memory> <mutex>
  <optional> <set> <span> <string> <string_view> <thread> <unordered_map> <utility> <variant> <vector>
  <fmt/format.h> <fmt/std.h>)

# cloudsync_precompile_headers(target [CATCH] [SKIP source...])
#   CATCH: Catch2's header too (test targets). SKIP: sources that must see
#   their own configuration before a header does (catch_main.cpp defines
#   CATCH_CONFIG_MAIN before it includes Catch2).
function(cloudsync_precompile_headers target)
  cmake_parse_arguments(arg "CATCH" "" "SKIP" ${ARGN})
  if(NOT CLOUDSYNC_PRECOMPILED_HEADERS)
    return()
  endif()
  set(headers ${CLOUDSYNC_PRECOMPILED_STD_HEADERS})
  if(arg_CATCH)
    list(APPEND headers <catch2/catch.hpp>)
  endif()
  target_precompile_headers(${target} PRIVATE ${headers})
  if(arg_SKIP)
    set_source_files_properties(${arg_SKIP} TARGET_DIRECTORY ${target} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
  endif()
endfunction()
