/* The storage handles of the C ABI from C: open, put (callback and file),
 * head, the listing iterator across pages, get (file and callback, ranges),
 * delete, progress, cancellation and errors with their details.
 * Usage: cloudsync_capi_storage_test URL OPTIONS_JSON SCRATCH_DIR
 * The URL must name an empty place (a fresh mem:// store or bucket prefix), or
 * be "local" for a fresh folder below SCRATCH_DIR; the same program runs
 * against memory, a local folder and S3 on moto. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cloudsync.h"

#include "check.h"

/* A read callback over a string. */
typedef struct {
  const char* data;
  size_t size, pos;
} source;
static int read_source(void* buffer, size_t capacity, size_t* size_read, void* user) {
  source* s = (source*)user;
  size_t n = s->size - s->pos < capacity ? s->size - s->pos : capacity;
  memcpy(buffer, s->data + s->pos, n);
  s->pos += n;
  *size_read = n;
  return 0;
}
static int failing_read(void* buffer, size_t capacity, size_t* size_read, void* user) {
  (void)buffer, (void)capacity, (void)user;
  *size_read = 0;
  return 1;
}

/* A write callback into a fixed buffer. */
typedef struct {
  char data[4096];
  size_t size;
} sink;
static int write_sink(const void* data, size_t size, void* user) {
  sink* s = (sink*)user;
  if (s->size + size >= sizeof s->data) return 1;
  memcpy(s->data + s->size, data, size);
  s->size += size;
  s->data[s->size] = 0;
  return 0;
}
static int refusing_write(const void* data, size_t size, void* user) {
  (void)data, (void)size, (void)user;
  return 1;
}

/* What progress reported. */
typedef struct {
  int calls, file_done, finished;
  uint64_t bytes_done, bytes_total;
} progress_log;
static int log_progress(const cloudsync_progress* p, void* user) {
  progress_log* log = (progress_log*)user;
  CHECK(p->struct_size >= sizeof(cloudsync_progress));
  CHECK(p->path != NULL);
  ++log->calls;
  if (p->phase == CLOUDSYNC_PHASE_FILE_DONE) ++log->file_done;
  if (p->phase == CLOUDSYNC_PHASE_FINISHED) ++log->finished;
  if (p->bytes_done > log->bytes_done) log->bytes_done = p->bytes_done;
  log->bytes_total = p->bytes_total;
  return 0;
}
static int stop_progress(const cloudsync_progress* p, void* user) {
  (void)p, (void)user;
  return 1;
}

static const char* read_file(const char* path) {
  static char buf[4096];
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  return buf;
}

static int put_text(cloudsync_storage* st, const char* key, const char* text, char** entry) {
  source s = {text, strlen(text), 0};
  return cloudsync_storage_put(st, key, NULL, read_source, &s, (int64_t)s.size, NULL, NULL, NULL, entry);
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s URL OPTIONS_JSON SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  const char* options = argv[2];
  char scratch[1024], path[2048], local_url[1100];
  mkdir(argv[3], 0777);
  snprintf(scratch, sizeof scratch, "%s/storage-XXXXXX", argv[3]);
  if (!mkdtemp(scratch)) {
    perror(scratch);
    return 2;
  }
  snprintf(local_url, sizeof local_url, "file://%s/store", scratch);
  const char* url = strcmp(argv[1], "local") == 0 ? local_url : argv[1];

  /* Opening: a bad URL or option is EINVAL with a message; nothing is handed out. */
  cloudsync_storage* st = (cloudsync_storage*)1;
  CHECK_RC(cloudsync_storage_open("gopher://x/y", NULL, &st), CLOUDSYNC_EINVAL);
  CHECK(st == NULL);
  CHECK(strcmp(cloudsync_last_error()->code_name, "invalid_argument") == 0);
  CHECK(strlen(cloudsync_last_error()->message) > 0);
  CHECK_RC(cloudsync_storage_open(url, "{\"no_such_option\": \"1\"}", &st), CLOUDSYNC_EINVAL);
  CHECK(strstr(cloudsync_last_error()->message, "no_such_option") != NULL);
  CHECK_RC(cloudsync_storage_open(url, "[1]", &st), CLOUDSYNC_EINVAL);
  CHECK_RC(cloudsync_storage_open(url, options, &st), CLOUDSYNC_OK);
  if (st == NULL) return 1;

  /* Puts from a callback, with progress. */
  char key[64], text[64], *entry = NULL;
  for (int i = 0; i < 7; ++i) {
    snprintf(key, sizeof key, "pages/k%d", i);
    snprintf(text, sizeof text, "content-%d", i);
    CHECK_RC(put_text(st, key, text, NULL), CLOUDSYNC_OK);
  }
  progress_log log = {0};
  source s = {"hello, storage", 14, 0};
  CHECK_RC(cloudsync_storage_put(st, "docs/hello.txt", NULL, read_source, &s, 14, log_progress, &log, NULL, &entry),
           CLOUDSYNC_OK);
  CHECK(entry && strstr(entry, "\"key\":\"docs/hello.txt\"") && strstr(entry, "\"size\":14"));
  CHECK(entry && strstr(entry, "\"kind\":\"file\""));
  cloudsync_free(entry);
  CHECK(log.file_done == 1 && log.finished == 1);
  CHECK(log.bytes_done == 14 && log.bytes_total == 14);
  /* An unknown size is fine; a wrong one is an integrity error; a failing source cancels. */
  s.pos = 0;
  CHECK_RC(cloudsync_storage_put(st, "docs/unsized.txt", NULL, read_source, &s, -1, NULL, NULL, NULL, NULL),
           CLOUDSYNC_OK);
  s.pos = 0;
  CHECK_RC(cloudsync_storage_put(st, "docs/wrong.txt", NULL, read_source, &s, 100, NULL, NULL, NULL, NULL),
           CLOUDSYNC_EINTEGRITY);
  CHECK(strstr(cloudsync_last_error()->message, "100") != NULL);
  CHECK_RC(cloudsync_storage_put(st, "docs/failing.txt", NULL, failing_read, NULL, -1, NULL, NULL, NULL, NULL),
           CLOUDSYNC_ECANCELLED);
  CHECK_RC(cloudsync_storage_put(st, "docs/x.txt", NULL, NULL, NULL, -1, NULL, NULL, NULL, NULL), CLOUDSYNC_EINVAL);
  /* Hostile keys never reach the store. */
  CHECK_RC(put_text(st, "../escape", "x", NULL), CLOUDSYNC_EINVAL);
  CHECK_RC(put_text(st, "/abs", "x", NULL), CLOUDSYNC_EINVAL);

  /* A put from a file, and create_only over an existing key. */
  snprintf(path, sizeof path, "%s/upload.txt", scratch);
  write_text(path, "from a file\n");
  entry = NULL;
  CHECK_RC(cloudsync_storage_put_file(st, "docs/file.txt", path, NULL, NULL, NULL, NULL, &entry), CLOUDSYNC_OK);
  CHECK(entry && strstr(entry, "\"size\":12"));
  cloudsync_free(entry);
  CHECK_RC(cloudsync_storage_put_file(st, "docs/file.txt", path, "{\"create_only\": true}", NULL, NULL, NULL, NULL),
           CLOUDSYNC_ECONFLICT);
  CHECK_RC(cloudsync_storage_put_file(st, "docs/file2.txt", path, "{\"create_only\": true}", NULL, NULL, NULL, NULL),
           CLOUDSYNC_OK);
  CHECK_RC(cloudsync_storage_put_file(st, "docs/file3.txt", path, "{\"create_onyl\": true}", NULL, NULL, NULL, NULL),
           CLOUDSYNC_EINVAL);
  snprintf(path, sizeof path, "%s/missing.txt", scratch);
  CHECK_RC(cloudsync_storage_put_file(st, "docs/none.txt", path, NULL, NULL, NULL, NULL, NULL), CLOUDSYNC_ENOTFOUND);

  /* Head. */
  entry = NULL;
  CHECK_RC(cloudsync_storage_head(st, "pages/k3", NULL, &entry), CLOUDSYNC_OK);
  CHECK(entry && strstr(entry, "\"key\":\"pages/k3\"") && strstr(entry, "\"size\":9"));
  cloudsync_free(entry);
  entry = (char*)1;
  CHECK_RC(cloudsync_storage_head(st, "pages/nope", NULL, &entry), CLOUDSYNC_ENOTFOUND);
  CHECK(entry == NULL);
  CHECK(strcmp(cloudsync_last_error()->code_name, "not_found") == 0);
  CHECK(cloudsync_last_error()->code == CLOUDSYNC_ENOTFOUND);

  /* The iterator walks pages of two keys: every key once, and a NULL at the end. */
  cloudsync_list_iter* it = NULL;
  CHECK_RC(cloudsync_storage_list_begin(st, "pages/", "{\"page_size\": 2}", NULL, &it), CLOUDSYNC_OK);
  int seen[7] = {0}, entries = 0, rc;
  for (;;) {
    entry = NULL;
    rc = cloudsync_list_next(it, &entry);
    if (rc != CLOUDSYNC_OK || entry == NULL) break;
    ++entries;
    int k = -1;
    const char* at = strstr(entry, "\"key\":\"pages/k");
    if (at) k = atoi(at + strlen("\"key\":\"pages/k"));
    if (k >= 0 && k < 7) ++seen[k];
    CHECK(strstr(entry, "\"kind\":\"file\"") && strstr(entry, "\"size\":9"));
    cloudsync_free(entry);
  }
  CHECK(rc == CLOUDSYNC_OK);
  CHECK(entries == 7);
  for (int i = 0; i < 7; ++i) CHECK(seen[i] == 1);
  entry = (char*)1;
  CHECK_RC(cloudsync_list_next(it, &entry), CLOUDSYNC_OK); /* stays at its end */
  CHECK(entry == NULL);
  cloudsync_list_end(it);
  /* One level: folders are entries of kind "directory" without a size. */
  it = NULL;
  CHECK_RC(cloudsync_storage_list_begin(st, NULL, "{\"recursive\": false}", NULL, &it), CLOUDSYNC_OK);
  int folders = 0;
  for (;;) {
    entry = NULL;
    if (cloudsync_list_next(it, &entry) != CLOUDSYNC_OK || entry == NULL) break;
    if (strstr(entry, "\"kind\":\"directory\"")) {
      ++folders;
      CHECK(strstr(entry, "\"size\"") == NULL);
    }
    cloudsync_free(entry);
  }
  CHECK(folders == 2); /* docs/ and pages/ */
  cloudsync_list_end(it);
  /* An iterator ended early, and bad list options. */
  it = NULL;
  CHECK_RC(cloudsync_storage_list_begin(st, "pages/", "{\"page_size\": 1}", NULL, &it), CLOUDSYNC_OK);
  entry = NULL;
  CHECK_RC(cloudsync_list_next(it, &entry), CLOUDSYNC_OK);
  cloudsync_free(entry);
  cloudsync_list_end(it);
  CHECK_RC(cloudsync_storage_list_begin(st, "pages/", "{\"page_size\": -1}", NULL, &it), CLOUDSYNC_EINVAL);
  CHECK_RC(cloudsync_storage_list_begin(st, "pages/", "{\"recursve\": true}", NULL, &it), CLOUDSYNC_EINVAL);
  /* A cancelled listing fails once, then stays at its end. */
  cloudsync_cancel* cancel = NULL;
  CHECK_RC(cloudsync_cancel_new(&cancel), CLOUDSYNC_OK);
  it = NULL;
  CHECK_RC(cloudsync_storage_list_begin(st, "pages/", "{\"page_size\": 2}", cancel, &it), CLOUDSYNC_OK);
  entry = NULL;
  CHECK_RC(cloudsync_list_next(it, &entry), CLOUDSYNC_OK);
  CHECK(entry != NULL);
  cloudsync_free(entry);
  cloudsync_cancel_trigger(cancel);
  entry = (char*)1;
  CHECK_RC(cloudsync_list_next(it, &entry), CLOUDSYNC_ECANCELLED);
  CHECK(entry == NULL);
  CHECK_RC(cloudsync_list_next(it, &entry), CLOUDSYNC_OK);
  CHECK(entry == NULL);
  cloudsync_list_end(it);

  /* Get to a file, with progress; not over an existing file when asked not to. */
  snprintf(path, sizeof path, "%s/download.txt", scratch);
  memset(&log, 0, sizeof log);
  entry = NULL;
  CHECK_RC(cloudsync_storage_get_file(st, "docs/hello.txt", path, NULL, log_progress, &log, NULL, &entry),
           CLOUDSYNC_OK);
  CHECK(read_file(path) && strcmp(read_file(path), "hello, storage") == 0);
  CHECK(entry && strstr(entry, "\"key\":\"docs/hello.txt\"") && strstr(entry, "\"size\":14"));
  cloudsync_free(entry);
  CHECK(log.file_done == 1 && log.finished == 1 && log.bytes_done == 14 && log.bytes_total == 14);
  CHECK_RC(cloudsync_storage_get_file(st, "pages/k1", path, "{\"overwrite\": false}", NULL, NULL, NULL, NULL),
           CLOUDSYNC_ECONFLICT);
  CHECK(strcmp(read_file(path), "hello, storage") == 0);
  CHECK_RC(cloudsync_storage_get_file(st, "pages/k1", path, NULL, NULL, NULL, NULL, NULL), CLOUDSYNC_OK);
  CHECK(strcmp(read_file(path), "content-1") == 0);
  CHECK_RC(cloudsync_storage_get_file(st, "pages/nope", path, NULL, NULL, NULL, NULL, NULL), CLOUDSYNC_ENOTFOUND);
  CHECK(strcmp(read_file(path), "content-1") == 0);
  snprintf(path, sizeof path, "%s/new/folder/x.txt", scratch); /* folders on the way are made */
  CHECK_RC(cloudsync_storage_get_file(st, "pages/k1", path, NULL, NULL, NULL, NULL, NULL), CLOUDSYNC_OK);
  CHECK(read_file(path) && strcmp(read_file(path), "content-1") == 0);
  CHECK_RC(cloudsync_storage_get_file(st, "pages/k1", scratch, NULL, NULL, NULL, NULL, NULL), CLOUDSYNC_ECONFLICT);

  /* Get to a callback: whole, a range, a callback that stops. */
  sink out = {{0}, 0};
  memset(&log, 0, sizeof log);
  CHECK_RC(cloudsync_storage_get(st, "docs/hello.txt", NULL, write_sink, &out, log_progress, &log, NULL, NULL),
           CLOUDSYNC_OK);
  CHECK(strcmp(out.data, "hello, storage") == 0);
  CHECK(log.file_done == 1 && log.bytes_done == 14);
  out.size = 0;
  entry = NULL;
  CHECK_RC(cloudsync_storage_get(st, "docs/hello.txt", "{\"offset\": 7, \"length\": 4}", write_sink, &out, NULL, NULL,
                                 NULL, &entry),
           CLOUDSYNC_OK);
  CHECK(out.size == 4 && strcmp(out.data, "stor") == 0);
  CHECK(entry && strstr(entry, "\"key\":\"docs/hello.txt\""));
  cloudsync_free(entry);
  CHECK_RC(cloudsync_storage_get(st, "docs/hello.txt", NULL, refusing_write, NULL, NULL, NULL, NULL, NULL),
           CLOUDSYNC_ECANCELLED);
  CHECK_RC(cloudsync_storage_get(st, "docs/hello.txt", NULL, NULL, NULL, NULL, NULL, NULL, NULL), CLOUDSYNC_EINVAL);
  CHECK_RC(cloudsync_storage_get(st, "docs/hello.txt", "{\"offset\": \"7\"}", write_sink, &out, NULL, NULL, NULL, NULL),
           CLOUDSYNC_EINVAL);

  /* Cancellation: a token triggered before the call, a progress callback that stops. */
  out.size = 0;
  CHECK_RC(cloudsync_storage_get(st, "docs/hello.txt", NULL, write_sink, &out, NULL, NULL, cancel, NULL),
           CLOUDSYNC_ECANCELLED);
  CHECK(out.size == 0);
  snprintf(path, sizeof path, "%s/cancelled.txt", scratch);
  CHECK_RC(cloudsync_storage_get_file(st, "docs/hello.txt", path, NULL, NULL, NULL, cancel, NULL),
           CLOUDSYNC_ECANCELLED);
  CHECK(read_file(path) == NULL);
  CHECK_RC(put_text(st, "docs/never.txt", "x", NULL), CLOUDSYNC_OK);
  s.pos = 0;
  CHECK_RC(cloudsync_storage_put(st, "docs/cancelled.txt", NULL, read_source, &s, 14, NULL, NULL, cancel, NULL),
           CLOUDSYNC_ECANCELLED);
  CHECK_RC(cloudsync_storage_head(st, "docs/cancelled.txt", NULL, NULL), CLOUDSYNC_EINVAL); /* entry_json required */
  CHECK_RC(cloudsync_storage_delete(st, "docs/never.txt", cancel), CLOUDSYNC_ECANCELLED);
  cloudsync_cancel_free(cancel);
  snprintf(path, sizeof path, "%s/stopped.txt", scratch);
  CHECK_RC(cloudsync_storage_get_file(st, "docs/hello.txt", path, NULL, stop_progress, NULL, NULL, NULL),
           CLOUDSYNC_ECANCELLED);
  CHECK(read_file(path) == NULL);
  s.pos = 0;
  CHECK_RC(cloudsync_storage_put(st, "docs/stopped.txt", NULL, read_source, &s, 14, stop_progress, NULL, NULL, NULL),
           CLOUDSYNC_ECANCELLED);
  entry = NULL;
  CHECK_RC(cloudsync_storage_head(st, "docs/stopped.txt", NULL, &entry), CLOUDSYNC_ENOTFOUND);
  CHECK_RC(cloudsync_storage_head(st, "docs/cancelled.txt", NULL, &entry), CLOUDSYNC_ENOTFOUND);

  /* Delete: gone afterwards; deleting it again is fine. */
  CHECK_RC(cloudsync_storage_delete(st, "docs/never.txt", NULL), CLOUDSYNC_OK);
  CHECK_RC(cloudsync_storage_head(st, "docs/never.txt", NULL, &entry), CLOUDSYNC_ENOTFOUND);
  CHECK_RC(cloudsync_storage_delete(st, "docs/never.txt", NULL), CLOUDSYNC_OK);
  CHECK_RC(cloudsync_storage_delete(st, "a//b", NULL), CLOUDSYNC_EINVAL);
  CHECK_RC(cloudsync_storage_delete(NULL, "x", NULL), CLOUDSYNC_EINVAL);

  /* A store that checks credentials: a wrong secret is EAUTH with the
   * provider's details, and the secret is in no message. */
  const char* secret_at = strstr(options, "\"secret_access_key\": \"");
  if (secret_at != NULL) {
    const char* wrong = "wrong-secret-0123456789abcdef";
    char bad_options[4096];
    size_t head_len = (size_t)(secret_at - options) + strlen("\"secret_access_key\": \"");
    const char* value_end = strchr(options + head_len, '"');
    CHECK(value_end != NULL && head_len < sizeof bad_options / 2);
    if (value_end != NULL) {
      snprintf(bad_options, sizeof bad_options, "%.*s%s%s", (int)head_len, options, wrong, value_end);
      cloudsync_storage* bad = NULL;
      CHECK_RC(cloudsync_storage_open(url, bad_options, &bad), CLOUDSYNC_OK);
      entry = (char*)1;
      CHECK_RC(cloudsync_storage_head(bad, "pages/k1", NULL, &entry), CLOUDSYNC_EAUTH);
      CHECK(entry == NULL);
      const cloudsync_error* e = cloudsync_last_error();
      CHECK(e->http_status == 403);
      CHECK(strlen(e->provider_code) > 0);
      CHECK(strstr(e->message, wrong) == NULL);
      CHECK(strstr(e->message, "pages/k1") != NULL);
      it = NULL;
      CHECK_RC(cloudsync_storage_list_begin(bad, NULL, NULL, NULL, &it), CLOUDSYNC_OK);
      entry = (char*)1;
      CHECK_RC(cloudsync_list_next(it, &entry), CLOUDSYNC_EAUTH);
      CHECK(entry == NULL && strstr(cloudsync_last_error()->message, wrong) == NULL);
      cloudsync_list_end(it);
      cloudsync_storage_close(bad);
      printf("a wrong secret was refused as EAUTH, with the provider's details and without the secret\n");
    }
  }

  /* Closing accepts NULL; a handle closed while an iterator is open leaves the iterator working. */
  it = NULL;
  CHECK_RC(cloudsync_storage_list_begin(st, "pages/", NULL, NULL, &it), CLOUDSYNC_OK);
  cloudsync_storage_close(st);
  entries = 0;
  for (;;) {
    entry = NULL;
    if (cloudsync_list_next(it, &entry) != CLOUDSYNC_OK || entry == NULL) break;
    ++entries;
    cloudsync_free(entry);
  }
  CHECK(entries == 7);
  cloudsync_list_end(it);
  cloudsync_list_end(NULL);
  cloudsync_storage_close(NULL);

  if (failures)
    fprintf(stderr, "%d check(s) failed\n", failures);
  else
    printf("C ABI storage test passed on %s\n", url);
  return failures ? 1 : 0;
}
