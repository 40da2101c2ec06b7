# -DCLOUDSYNC_SANITIZE=address,undefined builds everything (library, tests, tools)
# with those sanitizers; CI runs the whole test suite that way.
if(CLOUDSYNC_SANITIZE)
  add_compile_options(-fsanitize=${CLOUDSYNC_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${CLOUDSYNC_SANITIZE})
  # A sanitizer's report needs line tables, not full debug information, which
  # costs 15-30 % of the compile time (OFF for a session in a debugger).
  option(CLOUDSYNC_SANITIZE_LINE_TABLES_ONLY "Sanitizer builds keep line tables only (-g1)" ON)
  if(CLOUDSYNC_SANITIZE_LINE_TABLES_ONLY)
    add_compile_options(-g1)
  endif()
  # An optimisation level that overrides the build type's (it comes after it
  # on the command line). CI builds ThreadSanitizer with -O1, the least its
  # manual asks for: a quarter less compile time than -O2 (measured on
  # engine/operations.cpp: 6.7 s against 9.1 s of CPU).
  set(CLOUDSYNC_SANITIZE_OPTIMIZE "" CACHE STRING "Optimisation flag for sanitizer builds (e.g. -O1)")
  if(CLOUDSYNC_SANITIZE_OPTIMIZE)
    add_compile_options(${CLOUDSYNC_SANITIZE_OPTIMIZE})
  endif()
endif()
