# The static and shared libraries, both built from the same objects.
set(_cloudsync_deps CURL::libcurl OpenSSL::Crypto fmt::fmt pugixml::pugixml SQLite::SQLite3 PostgreSQL::PostgreSQL ZLIB::ZLIB utf8proc::utf8proc Threads::Threads)
set(CLOUDSYNC_LIBRARY_TARGETS "")

if(CLOUDSYNC_BUILD_STATIC)
  add_library(cloudsync_static STATIC $<TARGET_OBJECTS:cloudsync_objects>)
  set_target_properties(cloudsync_static PROPERTIES OUTPUT_NAME cloudsync EXPORT_NAME cloudsync_static)
  target_compile_definitions(cloudsync_static INTERFACE CLOUDSYNC_STATIC)
  target_link_libraries(cloudsync_static PRIVATE ${_cloudsync_deps})
  add_library(cloudsync::cloudsync_static ALIAS cloudsync_static)
  list(APPEND CLOUDSYNC_LIBRARY_TARGETS cloudsync_static)
endif()

if(CLOUDSYNC_BUILD_SHARED)
  add_library(cloudsync_shared SHARED $<TARGET_OBJECTS:cloudsync_objects>)
  set_target_properties(cloudsync_shared PROPERTIES
    OUTPUT_NAME cloudsync EXPORT_NAME cloudsync_shared
    VERSION ${PROJECT_VERSION} SOVERSION ${CLOUDSYNC_ABI_MAJOR}
    CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(cloudsync_shared PRIVATE ${_cloudsync_deps})
  target_link_options(cloudsync_shared PRIVATE
    "LINKER:--version-script=${PROJECT_SOURCE_DIR}/capi/cloudsync.map" "LINKER:--no-undefined")
  set_property(TARGET cloudsync_shared APPEND PROPERTY LINK_DEPENDS ${PROJECT_SOURCE_DIR}/capi/cloudsync.map)
  add_library(cloudsync::cloudsync_shared ALIAS cloudsync_shared)
  list(APPEND CLOUDSYNC_LIBRARY_TARGETS cloudsync_shared)
endif()

foreach(_t IN LISTS CLOUDSYNC_LIBRARY_TARGETS)
  target_include_directories(${_t} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/generated>
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/capi/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(${_t} PUBLIC cxx_std_20)
endforeach()

# cloudsync::cloudsync is the shared library when it is built, else the static
# one. Vendoring projects usually configure with CLOUDSYNC_BUILD_SHARED=OFF and
# get the static library under the same name.
if(TARGET cloudsync_shared)
  add_library(cloudsync::cloudsync ALIAS cloudsync_shared)
  set(CLOUDSYNC_DEFAULT_TARGET cloudsync_shared)
else()
  add_library(cloudsync::cloudsync ALIAS cloudsync_static)
  set(CLOUDSYNC_DEFAULT_TARGET cloudsync_static)
endif()
