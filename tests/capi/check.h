/* CHECK, CHECK_RC and write_text for the C ABI test programs: a failed check is
 * printed with its place (and, for a return code, the library's last error)
 * and counted in `failures`, which main() turns into the exit status. */
#ifndef CLOUDSYNC_TESTS_CAPI_CHECK_H
#define CLOUDSYNC_TESTS_CAPI_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "cloudsync.h"

static int failures = 0; /* one counter per test program */
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)
#define CHECK_RC(call, expected)                                                                       \
  do {                                                                                                 \
    int rc_ = (call);                                                                                  \
    if (rc_ != (expected)) {                                                                           \
      fprintf(stderr, "%s:%d: %s returned %d (%s: %s), expected %d\n", __FILE__, __LINE__, #call, rc_, \
              cloudsync_last_error()->code_name, cloudsync_last_error()->message, (expected));         \
      ++failures;                                                                                      \
    }                                                                                                  \
  } while (0)

/* Writes `text` to `path`, or ends the program (a test that cannot set up is no test). */
static void write_text(const char* path, const char* text) {
  FILE* f = fopen(path, "wb");
  if (!f) {
    perror(path);
    exit(2);
  }
  fputs(text, f);
  fclose(f);
}

#endif
