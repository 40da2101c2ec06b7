// Symbol visibility for the documented C++ API.
//
// What the two libraries promise:
//  - libcloudsync.so.N exports the C ABI (cloudsync.h) and nothing else; N
//    changes only when that ABI changes incompatibly (tests/capi/abi checks it).
//  - The C++ API (include/cloudsync/*.hpp) is source-stable within a major
//    version but not binary-stable: its structs grow by appending fields and
//    its signatures use std:: types. It is used through the static library
//    (cloudsync::cloudsync_static) or add_subdirectory(), so that a program is
//    always compiled against the headers of the library it contains.
//
// The library is compiled with hidden visibility; CLOUDSYNC_API marks what the
// C++ API declares (it matters for Windows DLL builds), and the version script
// capi/cloudsync.map keeps everything but cloudsync_* local in the shared library.
#pragma once

#if defined(_WIN32)
#if defined(CLOUDSYNC_STATIC)
#define CLOUDSYNC_API
#elif defined(CLOUDSYNC_BUILDING)
#define CLOUDSYNC_API __declspec(dllexport)
#else
#define CLOUDSYNC_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define CLOUDSYNC_API [[gnu::visibility("default")]]
#else
#define CLOUDSYNC_API
#endif
