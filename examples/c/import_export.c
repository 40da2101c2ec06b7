/* A host's view of cloudsync through the C ABI: register an integration,
 * import files, write one back, and print what happened.
 *
 *   import_export PROJECT_DIR STORAGE_URL SELECTOR...
 *   import_export ./project file:///srv/bucket data/ '*.csv'
 */
#include <stdio.h>
#include <string.h>

#include "cloudsync.h"

static int check(int rc, const char* what) {
  if (rc != CLOUDSYNC_OK) {
    const cloudsync_error* e = cloudsync_last_error();
    fprintf(stderr, "%s failed: %s: %s\n", what, e->code_name, e->message);
  }
  return rc;
}

static int on_progress(const cloudsync_progress* p, void* user) {
  (void)user;
  if (p->phase == CLOUDSYNC_PHASE_FILE_DONE) {
    fprintf(stderr, "  %llu/%llu %s\n", (unsigned long long)p->files_done, (unsigned long long)p->files_total, p->path);
  }
  return 0; /* non-zero would cancel */
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s PROJECT_DIR STORAGE_URL SELECTOR...\n", argv[0]);
    return 2;
  }
  printf("cloudsync %s\n", cloudsync_version());

  cloudsync_workspace* ws = NULL;
  if (check(cloudsync_workspace_open(argv[1], NULL, &ws), "open workspace")) return 1;

  /* Register the integration once; a second run finds it already there. */
  char spec[4096];
  snprintf(spec, sizeof spec, "{\"name\": \"Example Bucket\", \"url\": \"%s\", \"writeback\": true}", argv[2]);
  int rc = cloudsync_integration_add(ws, spec, NULL);
  if (rc != CLOUDSYNC_OK && rc != CLOUDSYNC_EEXISTS) {
    check(rc, "add integration");
    cloudsync_workspace_close(ws);
    return 1;
  }

  /* Build {"selectors": [...]} from the command line (plain selectors only). */
  char request[8192] = "{\"selectors\": [";
  for (int i = 3; i < argc; ++i) {
    if (strchr(argv[i], '"') || strchr(argv[i], '\\')) {
      fprintf(stderr, "selector %s: quotes and backslashes are not supported by this example\n", argv[i]);
      return 2;
    }
    strncat(request, i > 3 ? ", \"" : "\"", sizeof request - strlen(request) - 1);
    strncat(request, argv[i], sizeof request - strlen(request) - 1);
    strncat(request, "\"", sizeof request - strlen(request) - 1);
  }
  strncat(request, "]}", sizeof request - strlen(request) - 1);

  char* result = NULL;
  rc = cloudsync_import(ws, "Example Bucket", request, on_progress, NULL, NULL, &result);
  if (result != NULL) printf("import: %s\n", result);
  cloudsync_free(result);
  if (check(rc, "import")) {
    cloudsync_workspace_close(ws);
    return 1;
  }

  /* Anything written below external-files/local/example_bucket/ goes back on export. */
  result = NULL;
  rc = cloudsync_export(ws, "Example Bucket", NULL, on_progress, NULL, NULL, &result);
  if (result != NULL) printf("export: %s\n", result);
  cloudsync_free(result);
  check(rc, "export");

  cloudsync_workspace_close(ws);
  return rc == CLOUDSYNC_OK ? 0 : 1;
}
