# -DCLOUDSYNC_SANITIZE=address,undefined builds everything (library, tests, tools)
# with those sanitizers; CI runs the whole test suite that way.
if(CLOUDSYNC_SANITIZE)
  add_compile_options(-fsanitize=${CLOUDSYNC_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${CLOUDSYNC_SANITIZE})
endif()
