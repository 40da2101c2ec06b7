/* The C ABI from C: every workspace operation, errors, ownership, progress,
 * a catalog's integrations, status check, connections and plans, and a kernel
 * session exporting a written file.
 * Usage: cloudsync_capi_test BASE_DIR   (a fresh folder is made below it) */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cloudsync.h"

#include "check.h"

static char* read_text(const char* path) {
  static char buf[4096];
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  return buf;
}

static int progress_calls = 0;
static int on_progress(const cloudsync_progress* p, void* user) {
  (void)user;
  CHECK(p->struct_size >= sizeof(cloudsync_progress));
  CHECK(p->path != NULL);
  ++progress_calls;
  return 0;
}

static int stop_at_once(const cloudsync_progress* p, void* user) {
  (void)p;
  (void)user;
  return 1;
}

/* The events a kernel session delivered, concatenated. Written on the
 * session's export thread; read only after cloudsync_session_stop, which joins it. */
static char session_events[8192];
static void on_watch_event(const char* event_json, void* user) {
  CHECK(user == session_events);
  size_t used = strlen(session_events);
  snprintf(session_events + used, sizeof session_events - used, "%s\n", event_json);
}

/* A kernel session on a local-folder integration with writeback: a file
 * written into the integration's folder reaches the store by the flush, and
 * the host hears of it. */
static void test_kernel_session(const char* scratch) {
  char store[1100], project[1100], path[2048], spec[4096];
  snprintf(store, sizeof store, "%s/session-store", scratch);
  snprintf(project, sizeof project, "%s/session-project", scratch);
  mkdir(store, 0777);
  cloudsync_workspace* ws = NULL;
  CHECK_RC(cloudsync_workspace_open(project, NULL, &ws), CLOUDSYNC_OK);
  snprintf(spec, sizeof spec, "{\"name\": \"Notes\", \"url\": \"file://%s\", \"writeback\": true}", store);
  CHECK_RC(cloudsync_integration_add(ws, spec, NULL), CLOUDSYNC_OK);

  cloudsync_session* session = NULL;
  CHECK_RC(cloudsync_session_start(ws, "{\"quiet_windw_ms\": 50}", NULL, NULL, NULL, &session), CLOUDSYNC_EINVAL);
  CHECK(strstr(cloudsync_last_error()->message, "quiet_windw_ms") != NULL);
  CHECK_RC(cloudsync_session_start(ws, "{\"conflict_policy\": \"overwrite\"}", NULL, NULL, NULL, &session),
           CLOUDSYNC_EINVAL);
  CHECK(session == NULL);
  CHECK_RC(cloudsync_session_start(ws, "{\"quiet_window_ms\": 50, \"extra_ignore\": [\"*.tmp\"]}", on_watch_event,
                                   session_events, NULL, &session),
           CLOUDSYNC_OK);
  CHECK(session != NULL);
  char* out = NULL;
  CHECK_RC(cloudsync_session_restored(session, &out), CLOUDSYNC_OK);
  CHECK(out && out[0] == '[');
  cloudsync_free(out);

  snprintf(path, sizeof path, "%s/external-files/local/notes/today.txt", project);
  write_text(path, "written in the session\n");
  snprintf(path, sizeof path, "%s/external-files/local/notes/scratch.tmp", project);
  write_text(path, "never exported\n");
  out = NULL;
  CHECK_RC(cloudsync_session_flush(session, 20000, &out), CLOUDSYNC_OK);
  CHECK(out && strstr(out, "\"complete\":true") != NULL);
  cloudsync_free(out);
  snprintf(path, sizeof path, "%s/today.txt", store);
  CHECK(read_text(path) && strcmp(read_text(path), "written in the session\n") == 0);
  snprintf(path, sizeof path, "%s/scratch.tmp", store);
  CHECK(read_text(path) == NULL);

  out = NULL;
  CHECK_RC(cloudsync_session_status(session, &out), CLOUDSYNC_OK);
  CHECK(out && strstr(out, "\"integrations\":[") && strstr(out, "Notes"));
  cloudsync_free(out);
  out = NULL;
  CHECK_RC(cloudsync_session_queue(session, &out), CLOUDSYNC_OK);
  CHECK(out && strcmp(out, "[]") == 0);
  cloudsync_free(out);

  cloudsync_session_stop(session);
  cloudsync_session_stop(session); /* idempotent */
  CHECK(strstr(session_events, "\"event\":\"exported\"") != NULL);
  CHECK(strstr(session_events, "today.txt") != NULL);
  CHECK(strstr(session_events, "scratch.tmp") == NULL);
  cloudsync_session_free(session);
  cloudsync_session_free(NULL);
  CHECK_RC(cloudsync_session_status(NULL, &out), CLOUDSYNC_EINVAL);
  cloudsync_workspace_close(ws);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s BASE_DIR\n", argv[0]);
    return 2;
  }
  char scratch[1024];
  mkdir(argv[1], 0777);
  snprintf(scratch, sizeof scratch, "%s/run-XXXXXX", argv[1]);
  if (!mkdtemp(scratch)) {
    perror(scratch);
    return 2;
  }
  char bucket[1100], project[1100], path[2048], spec[4096];
  snprintf(bucket, sizeof bucket, "%s/bucket", scratch);
  snprintf(project, sizeof project, "%s/project", scratch);
  mkdir(bucket, 0777);
  snprintf(path, sizeof path, "%s/data", bucket);
  mkdir(path, 0777);
  snprintf(path, sizeof path, "%s/data/a.csv", bucket);
  write_text(path, "x,y\n1,2\n");
  snprintf(path, sizeof path, "%s/data/b.csv", bucket);
  write_text(path, "b\n");

  /* Versions. */
  CHECK(cloudsync_abi_version() == CLOUDSYNC_ABI_VERSION);
  CHECK(strncmp(cloudsync_version(), "1.", 2) == 0);
  CHECK(cloudsync_version_number() >= 1000000);

  /* The host names itself in the User-Agent; a line break is refused. */
  CHECK_RC(cloudsync_set_user_agent_product("capi-test/1"), CLOUDSYNC_OK);
  CHECK_RC(cloudsync_set_user_agent_product("bad\r\nX-Injected: 1"), CLOUDSYNC_EINVAL);
  CHECK(strstr(cloudsync_last_error()->message, "printable ASCII") != NULL);
  CHECK_RC(cloudsync_set_user_agent_product(NULL), CLOUDSYNC_OK);

  /* Bad arguments are errors with a message, not crashes. */
  cloudsync_workspace* ws = NULL;
  CHECK_RC(cloudsync_workspace_open(NULL, NULL, &ws), CLOUDSYNC_EINVAL);
  CHECK(strstr(cloudsync_last_error()->message, "root") != NULL);
  CHECK(strcmp(cloudsync_last_error()->code_name, "invalid_argument") == 0);
  CHECK_RC(cloudsync_workspace_open(project, "{\"max_filez\": 3}", &ws), CLOUDSYNC_EINVAL);
  CHECK(strstr(cloudsync_last_error()->message, "max_filez") != NULL);
  CHECK(ws == NULL);

  CHECK_RC(cloudsync_workspace_open(project, "{\"max_files\": 10}", &ws), CLOUDSYNC_OK);
  CHECK(ws != NULL);

  snprintf(spec, sizeof spec, "{\"name\": \"Hex's Testing Bucket\", \"url\": \"file://%s\", \"writeback\": true}",
           bucket);
  char* out = NULL;
  CHECK_RC(cloudsync_integration_add(ws, spec, &out), CLOUDSYNC_OK);
  CHECK(out && strstr(out, "\"folder\":\"external-files/local/hexs_testing_bucket\"") != NULL);
  cloudsync_free(out);
  CHECK_RC(cloudsync_integration_add(ws, spec, NULL), CLOUDSYNC_EEXISTS);

  out = NULL;
  CHECK_RC(cloudsync_integration_list(ws, &out), CLOUDSYNC_OK);
  CHECK(out && strstr(out, "Hex's Testing Bucket") != NULL);
  cloudsync_free(out);

  /* Import with progress. */
  char* result = NULL;
  CHECK_RC(
      cloudsync_import(ws, "Hex's Testing Bucket", "{\"selectors\": [\"data/\"]}", on_progress, NULL, NULL, &result),
      CLOUDSYNC_OK);
  CHECK(result && strstr(result, "\"operation\":\"import\"") != NULL);
  CHECK(result && strstr(result, "\"done\":2") != NULL);
  cloudsync_free(result);
  CHECK(progress_calls > 0);
  snprintf(path, sizeof path, "%s/external-files/local/hexs_testing_bucket/data/a.csv", project);
  CHECK(read_text(path) && strcmp(read_text(path), "x,y\n1,2\n") == 0);

  /* Errors carry a code name and a message; the result pointer stays NULL. */
  result = (char*)1;
  CHECK_RC(cloudsync_import(ws, "Nope", "{\"selectors\": [\"x\"]}", NULL, NULL, NULL, &result), CLOUDSYNC_ENOTFOUND);
  CHECK(result == NULL);
  CHECK(strstr(cloudsync_last_error()->message, "Nope") != NULL);
  CHECK_RC(cloudsync_import(ws, "Hex's Testing Bucket", "{\"selectors\": [\"../x\"]}", NULL, NULL, NULL, NULL),
           CLOUDSYNC_EINVAL);

  /* Export a change, after a dry run. */
  write_text(path, "x,y\n1,2\n3,4\n");
  result = NULL;
  CHECK_RC(cloudsync_export(ws, "Hex's Testing Bucket", "{\"dry_run\": true}", NULL, NULL, NULL, &result),
           CLOUDSYNC_OK);
  CHECK(result && strstr(result, "\"dry_run\":1") != NULL);
  cloudsync_free(result);
  snprintf(path, sizeof path, "%s/data/a.csv", bucket);
  CHECK(strcmp(read_text(path), "x,y\n1,2\n") == 0);
  CHECK_RC(cloudsync_export(ws, "Hex's Testing Bucket", NULL, NULL, NULL, NULL, NULL), CLOUDSYNC_OK);
  CHECK(strcmp(read_text(path), "x,y\n1,2\n3,4\n") == 0);

  /* Tracked files. */
  out = NULL;
  CHECK_RC(cloudsync_tracked_files(ws, "Hex's Testing Bucket", &out), CLOUDSYNC_OK);
  CHECK(out && strstr(out, "data/b.csv") != NULL);
  cloudsync_free(out);

  /* Restore after the files are gone; a progress callback can cancel. */
  snprintf(path, sizeof path, "%s/external-files/local/hexs_testing_bucket/data/b.csv", project);
  remove(path);
  CHECK_RC(cloudsync_restore(ws, NULL, NULL, stop_at_once, NULL, NULL, NULL), CLOUDSYNC_ECANCELLED);
  result = NULL;
  CHECK_RC(cloudsync_restore(ws, NULL, NULL, NULL, NULL, NULL, &result), CLOUDSYNC_OK);
  CHECK(result && strstr(result, "\"results\":[") != NULL);
  cloudsync_free(result);
  CHECK(read_text(path) && strcmp(read_text(path), "b\n") == 0);

  /* A cancel token triggered before the call. */
  cloudsync_cancel* cancel = NULL;
  CHECK_RC(cloudsync_cancel_new(&cancel), CLOUDSYNC_OK);
  cloudsync_cancel_trigger(cancel);
  remove(path);
  CHECK(cloudsync_restore(ws, "Hex's Testing Bucket", NULL, NULL, NULL, cancel, NULL) == CLOUDSYNC_ECANCELLED);
  cloudsync_cancel_free(cancel);

  /* Sync with a dry run, then for real. */
  result = NULL;
  CHECK_RC(cloudsync_sync(ws, "Hex's Testing Bucket", "{\"dry_run\": true, \"delete_extraneous\": true}", NULL, NULL,
                          NULL, &result),
           CLOUDSYNC_OK);
  CHECK(result && strstr(result, "\"kind\":\"add\"") != NULL);
  cloudsync_free(result);
  CHECK_RC(cloudsync_sync(ws, "Hex's Testing Bucket", "{\"direction\": \"sideways\"}", NULL, NULL, NULL, NULL),
           CLOUDSYNC_EINVAL);
  CHECK_RC(cloudsync_sync(ws, "Hex's Testing Bucket", NULL, NULL, NULL, NULL, NULL), CLOUDSYNC_OK);
  CHECK(read_text(path) && strcmp(read_text(path), "b\n") == 0);

  /* Listing and a tree-sync plan between two URLs. */
  char url[2048], dest[2048];
  snprintf(url, sizeof url, "file://%s", bucket);
  snprintf(dest, sizeof dest, "%s/copy", scratch);
  out = NULL;
  CHECK_RC(cloudsync_list(url, "{\"recursive\": false, \"prefix\": \"data/\"}", &out), CLOUDSYNC_OK);
  CHECK(out && strstr(out, "data/a.csv") != NULL);
  cloudsync_free(out);
  CHECK_RC(cloudsync_list("gopher://x/y", NULL, &out), CLOUDSYNC_EINVAL);
  cloudsync_plan* plan = NULL;
  CHECK_RC(cloudsync_plan_sync(url, dest, NULL, &plan), CLOUDSYNC_OK);
  out = NULL;
  CHECK_RC(cloudsync_plan_json(plan, &out), CLOUDSYNC_OK);
  CHECK(out && strstr(out, "\"add\":2") != NULL);
  cloudsync_free(out);
  out = NULL;
  CHECK_RC(cloudsync_plan_apply(plan, "{\"transfers\": 2}", NULL, NULL, NULL, &out), CLOUDSYNC_OK);
  CHECK(out && strstr(out, "\"done\":2") != NULL);
  cloudsync_free(out);
  cloudsync_plan_free(plan);

  cloudsync_integration_remove(ws, "Hex's Testing Bucket", 0);
  cloudsync_workspace_close(ws);

  /* A shared catalog: integrations, a check, a connection, its plan. */
  char catalog_dir[1100], team[1100];
  snprintf(catalog_dir, sizeof catalog_dir, "%s/catalog", scratch);
  snprintf(team, sizeof team, "%s/team", scratch);
  cloudsync_catalog* cat = NULL;
  CHECK_RC(cloudsync_catalog_open(catalog_dir, "{\"max_filez\": 1}", &cat), CLOUDSYNC_EINVAL);
  CHECK(cat == NULL);
  CHECK_RC(cloudsync_catalog_open(catalog_dir, "{\"max_files\": 50, \"transfers\": 2}", &cat), CLOUDSYNC_OK);
  snprintf(spec, sizeof spec, "{\"name\": \"Local\", \"url\": \"file://%s\", \"allowed_paths\": [\"data\"]}", bucket);
  out = NULL;
  CHECK_RC(cloudsync_catalog_integration_create(cat, spec, NULL, &out), CLOUDSYNC_OK);
  CHECK(out && strstr(out, "\"platform\":\"Local\"") && strstr(out, "\"status\":\"UNCHECKED\""));
  cloudsync_free(out);
  CHECK_RC(
      cloudsync_catalog_integration_create(
          cat, "{\"name\": \"Remote\", \"url\": \"s3://bucket\", \"options\": {\"endpoint\": \"http://127.0.0.1:9\"}}",
          "{\"secret_access_key\": \"c-api-secret-value-0123\"}", NULL),
      CLOUDSYNC_OK);
  uint64_t count = 0;
  CHECK_RC(cloudsync_catalog_integration_count(cat, NULL, &count), CLOUDSYNC_OK);
  CHECK(count == 2);
  CHECK_RC(cloudsync_catalog_integration_count(cat, "{\"platform\": \"AWS\"}", &count), CLOUDSYNC_OK);
  CHECK(count == 1);
  CHECK_RC(cloudsync_catalog_integration_count(cat, "{\"platform\": \"Mars\"}", &count), CLOUDSYNC_EINVAL);
  out = NULL;
  CHECK_RC(cloudsync_catalog_integration_list(cat, NULL, 1, 1, &out), CLOUDSYNC_OK);
  CHECK(out && strstr(out, "\"name\":\"Remote\"") && !strstr(out, "\"name\":\"Local\""));
  CHECK(out && !strstr(out, "c-api-secret-value-0123"));
  cloudsync_free(out);

  out = NULL;
  CHECK_RC(cloudsync_catalog_check(cat, "Local", NULL, &out), CLOUDSYNC_OK);
  CHECK(out && strstr(out, "\"status\":\"CONNECTED\"") != NULL);
  cloudsync_free(out);

  CHECK_RC(cloudsync_catalog_project_add(cat, "team", team, NULL), CLOUDSYNC_OK);
  CHECK_RC(cloudsync_catalog_connection_add(cat,
                                            "{\"project\": \"team\", \"integration\": \"Local\", "
                                            "\"selected_folders\": [\"elsewhere\"]}",
                                            NULL),
           CLOUDSYNC_EPERM);
  out = NULL;
  CHECK_RC(cloudsync_catalog_connection_add(cat, "{\"project\": \"team\", \"integration\": \"Local\"}", &out),
           CLOUDSYNC_OK);
  char connection[64] = "";
  const char* id_at = out ? strstr(out, "\"id\":\"") : NULL;
  CHECK(id_at != NULL);
  if (id_at) sscanf(id_at + 6, "%63[^\"]", connection);
  cloudsync_free(out);

  cloudsync_plan* diff = NULL;
  CHECK_RC(cloudsync_connection_diff(cat, connection, NULL, NULL, &diff), CLOUDSYNC_OK);
  out = NULL;
  CHECK_RC(cloudsync_plan_json(diff, &out), CLOUDSYNC_OK);
  CHECK(out && strstr(out, "\"add\":2") != NULL);
  cloudsync_free(out);
  CHECK_RC(cloudsync_plan_apply(diff, NULL, NULL, NULL, NULL, NULL), CLOUDSYNC_EINVAL);
  result = NULL;
  CHECK_RC(cloudsync_connection_sync(cat, connection, "{\"dry_run\": true}", diff, NULL, NULL, NULL, &result),
           CLOUDSYNC_OK);
  CHECK(result && strstr(result, "\"dry_run\":2") != NULL);
  cloudsync_free(result);
  snprintf(path, sizeof path, "%s/external-files/local/local/data/b.csv", team);
  CHECK(read_text(path) == NULL);
  /* The remote changes after the plan: applying it is a conflict, and changes nothing. */
  snprintf(path, sizeof path, "%s/data/c.csv", bucket);
  write_text(path, "c\n");
  result = (char*)1;
  CHECK_RC(cloudsync_connection_sync(cat, connection, NULL, diff, NULL, NULL, NULL, &result), CLOUDSYNC_ECONFLICT);
  CHECK(result == NULL);
  snprintf(path, sizeof path, "%s/external-files/local/local/data/b.csv", team);
  CHECK(read_text(path) == NULL);
  cloudsync_plan_free(diff);
  progress_calls = 0;
  CHECK_RC(cloudsync_connection_sync(cat, connection, NULL, NULL, on_progress, NULL, NULL, NULL), CLOUDSYNC_OK);
  CHECK(progress_calls > 0);
  CHECK(read_text(path) && strcmp(read_text(path), "b\n") == 0);
  out = NULL;
  CHECK_RC(cloudsync_catalog_connection_files(cat, connection, &out), CLOUDSYNC_OK);
  CHECK(out && strstr(out, "data/c.csv") != NULL);
  cloudsync_free(out);
  CHECK_RC(cloudsync_catalog_integration_delete(cat, "Local", 0), CLOUDSYNC_ECONFLICT);
  CHECK_RC(cloudsync_catalog_connection_remove(cat, connection), CLOUDSYNC_OK);
  CHECK_RC(cloudsync_catalog_connection_count(cat, NULL, &count), CLOUDSYNC_OK);
  CHECK(count == 0);

  /* A workspace on the shared catalog sees its integrations. */
  char options[2300];
  snprintf(options, sizeof options, "{\"catalog_dir\": \"%s\", \"project\": \"team\"}", catalog_dir);
  CHECK_RC(cloudsync_workspace_open(team, options, &ws), CLOUDSYNC_OK);
  out = NULL;
  CHECK_RC(cloudsync_integration_list(ws, &out), CLOUDSYNC_OK);
  CHECK(out && strstr(out, "\"name\":\"Local\"") && strstr(out, "\"name\":\"Remote\""));
  cloudsync_free(out);
  cloudsync_workspace_close(ws);
  cloudsync_catalog_close(cat);
  cloudsync_catalog_close(NULL);
  cloudsync_workspace_close(NULL);
  cloudsync_plan_free(NULL);
  cloudsync_free(NULL);
  test_kernel_session(scratch);
  cloudsync_clear_error();
  CHECK(cloudsync_last_error()->code == CLOUDSYNC_OK);

  if (failures)
    fprintf(stderr, "%d check(s) failed\n", failures);
  else
    printf("C ABI test passed\n");
  return failures ? 1 : 0;
}
