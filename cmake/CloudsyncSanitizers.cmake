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
endif()
