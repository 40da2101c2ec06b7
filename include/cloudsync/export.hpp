// Symbol visibility for the documented C++ API.
//
// The library is compiled with hidden visibility; only declarations marked
// CLOUDSYNC_API (and the C ABI in cloudsync.h) are exported from the shared library.
#pragma once

#if defined(_WIN32)
#  if defined(CLOUDSYNC_STATIC)
#    define CLOUDSYNC_API
#  elif defined(CLOUDSYNC_BUILDING)
#    define CLOUDSYNC_API __declspec(dllexport)
#  else
#    define CLOUDSYNC_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__)
#  define CLOUDSYNC_API [[gnu::visibility("default")]]
#else
#  define CLOUDSYNC_API
#endif
