# Finds every third-party dependency as a Debian package. A missing one stops the
# configure step with the exact apt package to install, instead of a bare
# "could not find" deep inside a find module.

function(cloudsync_require found_var what apt_package)
  if(NOT ${found_var})
    message(FATAL_ERROR
      "cloudsync needs ${what}, which was not found.\n"
      "On Debian/Ubuntu install it with:\n"
      "    apt-get install ${apt_package}\n"
      "(cmake/install-deps.sh installs every build and test dependency at once.)")
  endif()
endfunction()

find_package(Threads REQUIRED)

find_package(CURL QUIET)
cloudsync_require(CURL_FOUND "libcurl (with its development headers)" libcurl4-openssl-dev)

find_package(OpenSSL 3 QUIET COMPONENTS Crypto)
cloudsync_require(OPENSSL_FOUND "OpenSSL 3 libcrypto" libssl-dev)

find_package(RapidJSON QUIET CONFIG)
cloudsync_require(RapidJSON_FOUND "RapidJSON" rapidjson-dev)
# Debian's RapidJSONConfig.cmake sets a variable, not an imported target.
if(NOT TARGET cloudsync_rapidjson)
  add_library(cloudsync_rapidjson INTERFACE)
  target_include_directories(cloudsync_rapidjson SYSTEM INTERFACE
    $<BUILD_INTERFACE:${RAPIDJSON_INCLUDE_DIRS}>)
  target_compile_definitions(cloudsync_rapidjson INTERFACE
    RAPIDJSON_HAS_STDSTRING=1)
endif()

find_package(fmt QUIET CONFIG)
cloudsync_require(fmt_FOUND "the {fmt} library" libfmt-dev)

find_package(pugixml QUIET CONFIG)
cloudsync_require(pugixml_FOUND "pugixml" libpugixml-dev)

# Unicode normalisation and case folding of names and keys.
find_package(utf8proc QUIET)
cloudsync_require(utf8proc_FOUND "utf8proc" libutf8proc-dev)

# The catalog's embedded database.
find_package(SQLite3 QUIET)
cloudsync_require(SQLite3_FOUND "SQLite 3" libsqlite3-dev)

# PostgreSQL's client library: record sources and the server catalog store.
find_package(PostgreSQL QUIET)
cloudsync_require(PostgreSQL_FOUND "libpq (PostgreSQL's client library)" libpq-dev)

# zlib: gzip-compressed record export files (deterministic gzip members).
find_package(ZLIB QUIET)
cloudsync_require(ZLIB_FOUND "zlib (gzip for record export files)" zlib1g-dev)

if(CLOUDSYNC_BUILD_EXAMPLES)
  find_package(CLI11 QUIET CONFIG)
  cloudsync_require(CLI11_FOUND "CLI11 (for the cloudsync command-line tool)" libcli11-dev)
endif()

if(CLOUDSYNC_BUILD_TESTS)
  find_package(Catch2 2 QUIET CONFIG)
  cloudsync_require(Catch2_FOUND "Catch2 v2 (for the tests)" catch2)
endif()
