/*
 * cloudsync.h -- the C ABI of cloudsync, version 1.
 *
 * cloudsync connects an application's projects to cloud storage: it imports
 * selected files from a storage integration (a local folder, S3, Azure Blob,
 * Google Drive) into a project folder, exports new and changed files back,
 * restores them when the project starts, and synchronises folders with a
 * computed plan. This header is the whole C interface; anything not declared
 * here is not part of the ABI.
 *
 * Conventions
 * -----------
 *  - Opaque handles (cloudsync_workspace, cloudsync_catalog, cloudsync_plan, cloudsync_cancel,
 *    cloudsync_storage, cloudsync_list_iter, cloudsync_session) are created by *_open / *_new /
 *    *_begin / *_start functions and released by *_close / *_free / *_end, which accept NULL.
 *  - Every function that can fail returns an int: CLOUDSYNC_OK (0) or a
 *    negative cloudsync_status code. Codes are append-only and never reused.
 *    The details of the last failure on the calling thread are available from
 *    cloudsync_last_error().
 *  - Options, requests and results cross the boundary as UTF-8 JSON documents.
 *    Their schemas are documented next to each function. Unknown fields in
 *    requests are an error (CLOUDSYNC_EINVAL) so that typos do not go unnoticed;
 *    results may gain fields in later versions.
 *  - Strings the library returns through `char **out` parameters are owned by
 *    the caller and must be released with cloudsync_free() (never free()).
 *  - No C++ exception ever crosses this interface.
 *  - Thread safety: the library may be used from several threads. A workspace
 *    handle may be shared; its operations run one at a time (a second process
 *    working on the same project gets CLOUDSYNC_ECONFLICT). A catalog handle
 *    may be shared too; operations on one connection run one at a time. A plan
 *    handle must not be used from two threads at once.
 *  - Callbacks are called from library worker threads, one at a time; they must
 *    not call back into cloudsync.
 *  - Secrets (keys, tokens, signatures) never appear in error messages, log
 *    lines or results.
 */
#ifndef CLOUDSYNC_H
#define CLOUDSYNC_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#if defined(CLOUDSYNC_STATIC)
#define CLOUDSYNC_EXTERN(type) extern type
#elif defined(CLOUDSYNC_BUILDING)
#define CLOUDSYNC_EXTERN(type) extern __declspec(dllexport) type
#else
#define CLOUDSYNC_EXTERN(type) extern __declspec(dllimport) type
#endif
#elif defined(__GNUC__)
#define CLOUDSYNC_EXTERN(type) extern __attribute__((visibility("default"))) type
#else
#define CLOUDSYNC_EXTERN(type) extern type
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Versions
 * ------------------------------------------------------------------------ */

/** The ABI major version this header describes. */
#define CLOUDSYNC_ABI_VERSION 1

/** The library version, e.g. "1.0.0". Static storage; do not free. */
CLOUDSYNC_EXTERN(const char*) cloudsync_version(void);
/** The loaded library's major * 1000000 + minor * 1000 + patch (1.2.3 is 1002003). The C
 * header has no version macro of its own: a host that needs at least 1.2 checks
 * cloudsync_version_number() >= 1002000 (C++ also has CLOUDSYNC_VERSION_NUMBER, the
 * headers' version, in <cloudsync/version.hpp>). */
CLOUDSYNC_EXTERN(int) cloudsync_version_number(void);
/** The ABI major version of the loaded library; equals CLOUDSYNC_ABI_VERSION when compatible. */
CLOUDSYNC_EXTERN(int) cloudsync_abi_version(void);

/* ---------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------ */

/** Return codes. Append-only. */
typedef enum cloudsync_status {
  CLOUDSYNC_OK = 0,
  CLOUDSYNC_ENOTFOUND = -1,     /**< object, folder, integration or file does not exist */
  CLOUDSYNC_EEXISTS = -2,       /**< create-only write over an existing object; name taken */
  CLOUDSYNC_EPRECONDITION = -3, /**< an expected version (If-Match) did not hold */
  CLOUDSYNC_EPERM = -4,         /**< not allowed (includes a read-only integration) */
  CLOUDSYNC_EAUTH = -5,         /**< credentials missing, wrong, expired or revoked */
  CLOUDSYNC_EINVAL = -6,        /**< bad input: malformed JSON, hostile path, bad URL */
  CLOUDSYNC_ELIMIT = -7,        /**< a limit: file count, file size, quota, max_delete */
  CLOUDSYNC_ECONFLICT = -8,     /**< both sides changed; names collide; project busy */
  CLOUDSYNC_EINTEGRITY = -9,    /**< size or checksum mismatch after a transfer */
  CLOUDSYNC_ETHROTTLED = -10,   /**< rate limited by the provider */
  CLOUDSYNC_ETIMEOUT = -11,     /**< connect or stall timeout */
  CLOUDSYNC_ECANCELLED = -12,   /**< cancelled by a callback or a cancel token */
  CLOUDSYNC_ENETWORK = -13,     /**< connection, DNS, TLS or truncated transfer */
  CLOUDSYNC_EUNSUPPORTED = -14, /**< not supported by this backend or build */
  CLOUDSYNC_EINTERNAL = -15,    /**< a bug or an unexpected local failure */
  CLOUDSYNC_EBADRESPONSE = -16  /**< the server's answer cannot be understood (malformed, a field missing) */
} cloudsync_status;

/** Details of the last failure on the calling thread. */
typedef struct cloudsync_error {
  int code;                  /**< a cloudsync_status; CLOUDSYNC_OK when there was none */
  const char* code_name;     /**< "not_found", "unauthenticated", ...; "ok" when none */
  const char* message;       /**< UTF-8, never NULL ("" when none) */
  int http_status;           /**< HTTP status of the failed remote call, or 0 */
  const char* provider_code; /**< e.g. "NoSuchKey", "AuthorizationFailure", "invalid_grant"; "" when none */
  const char* request_id;    /**< the provider's request id, for support; "" when none */
} cloudsync_error;

/**
 * The last failure recorded on this thread. Never NULL. The struct and its
 * strings belong to the library and stay valid until the next cloudsync call
 * on this thread. Functions do not reset it on success: check return codes,
 * not this.
 */
CLOUDSYNC_EXTERN(const cloudsync_error*) cloudsync_last_error(void);
/**
 * For a CLOUDSYNC_EPERM the store returned: the action it refused, that is
 * the permission an admin has to grant ("list", "read", "write" or
 * "delete"); "" otherwise. It belongs to the last failure on this thread and
 * lives as long as cloudsync_last_error()'s strings. (A function rather than
 * a member of cloudsync_error, whose layout is fixed.)
 */
CLOUDSYNC_EXTERN(const char*) cloudsync_last_error_missing_action(void);
/** Resets this thread's last error to CLOUDSYNC_OK. */
CLOUDSYNC_EXTERN(void) cloudsync_clear_error(void);

/** Releases a string returned by the library. NULL is ignored. */
CLOUDSYNC_EXTERN(void) cloudsync_free(void* ptr);

/* ---------------------------------------------------------------------------
 * Logging
 * ------------------------------------------------------------------------ */

/** Log levels. */
#define CLOUDSYNC_LOG_ERROR 1
#define CLOUDSYNC_LOG_WARN 2
#define CLOUDSYNC_LOG_INFO 3
#define CLOUDSYNC_LOG_DEBUG 4
#define CLOUDSYNC_LOG_TRACE 5

/** Receives one log line (UTF-8, scrubbed of secrets). Called from any thread. */
typedef void (*cloudsync_log_fn)(int level, const char* message, void* user);

/**
 * Routes library log lines up to `max_level` to `fn` (process-wide). A NULL
 * `fn` turns logging off. The library never writes to stdout or stderr.
 */
CLOUDSYNC_EXTERN(int) cloudsync_set_log_handler(int max_level, cloudsync_log_fn fn, void* user);

/**
 * Appends the host's product tokens (e.g. "notebook-server/2.3") to the
 * User-Agent of every request from now on: "cloudsync/<version> <product>".
 * Process-wide; NULL or "" removes them. CLOUDSYNC_EINVAL for characters
 * outside printable ASCII or more than 256 bytes (the previous value stays).
 */
CLOUDSYNC_EXTERN(int) cloudsync_set_user_agent_product(const char* product);

/* ---------------------------------------------------------------------------
 * Progress and cancellation
 * ------------------------------------------------------------------------ */

#define CLOUDSYNC_PHASE_PLANNING 0
#define CLOUDSYNC_PHASE_TRANSFERRING 1
#define CLOUDSYNC_PHASE_FILE_DONE 2
#define CLOUDSYNC_PHASE_DELETING 3
#define CLOUDSYNC_PHASE_FINISHED 4

/** A progress snapshot. Fields may be appended; check struct_size before reading new ones. */
typedef struct cloudsync_progress {
  size_t struct_size;   /**< sizeof(cloudsync_progress) as the library knows it */
  int phase;            /**< CLOUDSYNC_PHASE_* */
  const char* path;     /**< the file this event is about, or "" */
  uint64_t bytes_done;  /**< bytes moved so far in this operation */
  uint64_t bytes_total; /**< bytes the operation will move */
  uint64_t files_done;
  uint64_t files_total;
} cloudsync_progress;

/**
 * Called with progress from worker threads, one call at a time, a few times a
 * second and once per finished file. Return 0 to continue, anything else to
 * cancel the operation (it then fails with CLOUDSYNC_ECANCELLED or reports the
 * unfinished actions as cancelled). `progress` is valid only during the call.
 */
typedef int (*cloudsync_progress_fn)(const cloudsync_progress* progress, void* user);

/** A cancellation token another thread can trigger while an operation runs. */
typedef struct cloudsync_cancel cloudsync_cancel;
CLOUDSYNC_EXTERN(int) cloudsync_cancel_new(cloudsync_cancel** out);
/** Requests cancellation; safe from any thread, and more than once. */
CLOUDSYNC_EXTERN(void) cloudsync_cancel_trigger(cloudsync_cancel* cancel);
CLOUDSYNC_EXTERN(void) cloudsync_cancel_free(cloudsync_cancel* cancel);

/* ---------------------------------------------------------------------------
 * Workspaces: a project folder and its storage integrations
 * ------------------------------------------------------------------------ */

typedef struct cloudsync_workspace cloudsync_workspace;

/**
 * Opens (creating if needed) the project workspace rooted at `root`.
 *
 * options_json (may be NULL):
 *   {
 *     "max_files": 100,                  files from integrations per project
 *     "max_file_size": 10000000000,      bytes per file
 *     "transfers": 8,                    files transferred in parallel
 *     "state_dir": "/path",              engine state; default <root>/.cloudsync
 *     "catalog_dir": "/path",            use the shared catalog kept in this folder (see
 *                                        cloudsync_catalog_open) instead of a catalog of the
 *                                        project's own; excludes "state_dir"
 *     "project": "default",              the project's name in the catalog (registered with
 *                                        `root` on first open)
 *     "credentials": {                   secrets per integration name or id, never stored
 *       "<integration name>": { "<backend option>": "<value>", ... }
 *     }
 *   }
 * With "catalog_dir", the workspace sees the integrations its project is
 * allowed to use, and the limits and transfers above apply to every
 * operation it runs through that catalog.
 */
CLOUDSYNC_EXTERN(int) cloudsync_workspace_open(const char* root, const char* options_json, cloudsync_workspace** out);
CLOUDSYNC_EXTERN(void) cloudsync_workspace_close(cloudsync_workspace* ws);

/**
 * Sets (replaces) the secrets used to open one integration's backend, e.g.
 * {"secret_access_key": "..."}; they are kept in memory only.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_workspace_set_credentials(cloudsync_workspace* ws, const char* integration, const char* options_json);

/**
 * Registers an integration. Its files will live in
 * external-files/{type}/{sanitized name}/ below the root.
 *
 * spec_json:
 *   {
 *     "name": "Hex's Testing Bucket",    required, unique
 *     "url": "s3://bucket/prefix",       required: file:///abs, mem://, s3://, az://, gdrive://
 *     "type": "s3",                      optional folder type (default from the URL)
 *     "writeback": false,                allow export / push
 *     "selected_folders": ["images"],    folders sync covers (default: all)
 *     "options": {"region": "eu-west-1"} non-secret backend options
 *   }
 * *out_json (may be NULL): the integration, as in cloudsync_integration_list.
 * Fails with CLOUDSYNC_EEXISTS for a taken name, CLOUDSYNC_ECONFLICT when the
 * folder would be another integration's, CLOUDSYNC_EINVAL for a secret in "options".
 */
CLOUDSYNC_EXTERN(int) cloudsync_integration_add(cloudsync_workspace* ws, const char* spec_json, char** out_json);

/** Forgets an integration (and with delete_files != 0 also deletes its folder). */
CLOUDSYNC_EXTERN(int) cloudsync_integration_remove(cloudsync_workspace* ws, const char* name, int delete_files);

/**
 * *out_json: {"integrations": [<integration>, ...]}, each as described at
 * cloudsync_catalog_integration_create (the integrations this project may use).
 */
CLOUDSYNC_EXTERN(int) cloudsync_integration_list(cloudsync_workspace* ws, char** out_json);

/**
 * Files the engine tracks for an integration.
 * *out_json: {"files": [{"path", "origin" ("import"|"export"), "size", "remote_etag", "sha256"}, ...]}
 */
CLOUDSYNC_EXTERN(int) cloudsync_tracked_files(cloudsync_workspace* ws, const char* integration, char** out_json);

/*
 * Operation results
 * -----------------
 * The operations below return through *result_json:
 *   {
 *     "integration": "...", "operation": "import" | "export" | "restore" | "sync",
 *     "plan": {
 *       "source": "...", "destination": "...", "delete_extraneous": false,
 *       "mirror": false,   (true: planned without a baseline, the source wins everywhere)
 *       "summary": {"add", "update", "delete", "conflict", "skip", "unchanged", "bytes_to_transfer"},
 *       "actions": [{"kind": "add"|"update"|"delete"|"conflict"|"skip", "path", "reason", "size",
 *                    "source": {"key","size","mtime","etag","version","id","md5","sha256","crc32c"},
 *                    "destination": {...}}, ...],
 *       "warnings": ["..."],
 *       "unreadable": [{"key": "locked/", "error": "..."}]   (entries the source listing could
 *                     not read: nothing is deleted in that run, and each is a failed outcome)
 *     },
 *     "report": {
 *       "dry_run": false,
 *       "summary": {"done", "dry_run", "failed", "conflict", "skipped", "unchanged"},
 *       "bytes_transferred": 0, "seconds": 0.1, "deletes_skipped_reason": "...",
 *       "outcomes": [{"action", "path", "outcome": "done"|"dry_run"|"failed"|"conflict"|"skipped",
 *                     "message", "error", "bytes"}, ...]
 *     }
 *   }
 * A dry run plans and reports through exactly the same path and changes nothing.
 * Return value: CLOUDSYNC_OK when every action succeeded (conflicts and skips
 * are reported outcomes, not failures); the code of the first failed action
 * when some failed -- *result_json is filled in both cases. When the operation
 * could not run at all (bad request, limit exceeded, listing failed), the error
 * is returned and *result_json is NULL.
 * `progress`, `user` and `cancel` may be NULL.
 */

/**
 * Imports selected files. Limits (file count, file size) are checked before
 * anything is transferred.
 * request_json: {"selectors": ["data/", "a.csv", "*.json", "reports/2024-??.csv"], "dry_run": false}
 *   A selector is a key, a folder (trailing '/' or a name with files below it;
 *   folder boundaries respected) or a glob ('*' and '?' within one folder level,
 *   "**" across levels).
 */
CLOUDSYNC_EXTERN(int)
cloudsync_import(cloudsync_workspace* ws, const char* integration, const char* request_json,
                 cloudsync_progress_fn progress, void* user, cloudsync_cancel* cancel, char** result_json);

/**
 * Exports new and changed files of the integration folder (writeback). A file
 * changed remotely since it was imported is a conflict, never overwritten.
 * CLOUDSYNC_EPERM on a read-only integration.
 * request_json (may be NULL): {"paths": ["only/this.csv"], "dry_run": false}
 */
CLOUDSYNC_EXTERN(int)
cloudsync_export(cloudsync_workspace* ws, const char* integration, const char* request_json,
                 cloudsync_progress_fn progress, void* user, cloudsync_cancel* cancel, char** result_json);

/**
 * Brings back every tracked file of one integration, or of all of them when
 * `integration` is NULL or "", downloading only what is missing or changed.
 * request_json (may be NULL): {"dry_run": false}
 * *result_json: {"results": [<operation result>, ...]}
 */
CLOUDSYNC_EXTERN(int)
cloudsync_restore(cloudsync_workspace* ws, const char* integration, const char* request_json,
                  cloudsync_progress_fn progress, void* user, cloudsync_cancel* cancel, char** result_json);

/**
 * Synchronises selected remote folders with the project.
 * request_json (may be NULL):
 *   {"direction": "pull" | "push", "folders": ["images"], "delete_extraneous": false,
 *    "dry_run": false, "max_delete": 100}
 * Deletions run after all transfers, only when none failed, never beyond max_delete.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_sync(cloudsync_workspace* ws, const char* integration, const char* request_json,
               cloudsync_progress_fn progress, void* user, cloudsync_cancel* cancel, char** result_json);

/* ---------------------------------------------------------------------------
 * Storage URLs: listing, and tree sync between any two backends
 * ------------------------------------------------------------------------ */

/**
 * Lists a storage URL in one call (opening and closing a backend each time;
 * hosts that list more than once, or list large stores, use a storage handle
 * and cloudsync_storage_list_begin below).
 * options_json (may be NULL): {"recursive": true, "prefix": "", "options": {<backend options>}}
 * *out_json: a listing document (see "Listings" below):
 *   {"url": "...", "entries": [<entry>, ...],
 *    "objects": [<entry>, ...], "folders": ["dir/", ...]}
 * "objects" (the entries that are not rolled-up folders) and "folders" (the
 * rolled-up folders' keys) are the version 1.0 form, kept for existing hosts.
 */
CLOUDSYNC_EXTERN(int) cloudsync_list(const char* url, const char* options_json, char** out_json);

/**
 * A computed plan. cloudsync_plan_sync makes one between two URLs (applied by
 * cloudsync_plan_apply); cloudsync_connection_diff makes one for a catalog
 * connection (applied only by cloudsync_connection_sync). Both are read with
 * cloudsync_plan_json and released with cloudsync_plan_free.
 */
typedef struct cloudsync_plan cloudsync_plan;

/**
 * Plans making `destination_url` look like `source_url`.
 * options_json (may be NULL):
 *   {"delete_extraneous": false, "folders": [], "checksum": false,
 *    "source_options": {<backend options>}, "destination_options": {<backend options>}}
 */
CLOUDSYNC_EXTERN(int)
cloudsync_plan_sync(const char* source_url, const char* destination_url, const char* options_json,
                    cloudsync_plan** out);

/** The plan as JSON (the "plan" schema above). */
CLOUDSYNC_EXTERN(int) cloudsync_plan_json(const cloudsync_plan* plan, char** out_json);

/**
 * Applies a plan made by cloudsync_plan_sync (a connection's plan is
 * CLOUDSYNC_EINVAL here). options_json (may be NULL):
 *   {"dry_run": false, "transfers": 8, "max_delete": 100,
 *    "small_file_transfers": 32,   small files (under 1 MiB) in flight at most (default: 4 x transfers),
 *                                  halved while the store answers "slow down"
 *    "download_streams": 8}        ranged reads of one large object (64 MiB and up) into a local folder
 * *report_json: the "report" schema above. Return value as for the operations.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_plan_apply(cloudsync_plan* plan, const char* options_json, cloudsync_progress_fn progress, void* user,
                     cloudsync_cancel* cancel, char** report_json);

CLOUDSYNC_EXTERN(void) cloudsync_plan_free(cloudsync_plan* plan);

/**
 * Plans and applies in one pass, for trees of any size: each transfer starts
 * as soon as it is decided, and neither the plan nor the outcomes are held
 * (memory: the two listings, compactly, and a few actions per transfer in
 * flight). Deletions run last, only after a clean run. max_delete is checked
 * when the deletions are known, after the transfers ran: more deletions than
 * that delete nothing and fail with CLOUDSYNC_ELIMIT (plan first, with
 * cloudsync_plan_sync, for a guard that changes nothing at all).
 * options_json (may be NULL): the keys of cloudsync_plan_sync and of
 * cloudsync_plan_apply together.
 * *summary_json (may be NULL): the "report" schema, whose "outcomes" are only
 * the failures and conflicts (the first 1000; "outcomes_omitted" counts the
 * rest), with "bytes_planned" and "warnings" added. Return value as for the
 * operations: the first failure's code.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_sync_urls(const char* source_url, const char* destination_url, const char* options_json,
                    cloudsync_progress_fn progress, void* user, cloudsync_cancel* cancel, char** summary_json);

/* ---------------------------------------------------------------------------
 * Catalogs: an organisation's integrations, projects and connections
 * ------------------------------------------------------------------------ */

/*
 * A catalog keeps storage integrations (registered once, shared by the
 * projects they allow), projects, and each project's connections to
 * integrations, in an embedded database in a state folder. Several processes
 * may open the same catalog; operations on one connection run one at a time.
 *
 * Secrets never enter the database: those given to
 * cloudsync_catalog_integration_create or _update go to <state>/secrets.json
 * (mode 0600), and a value "env:NAME" is stored as that reference and read
 * from the environment each time the backend is opened. No result, error
 * message or log line carries a secret.
 *
 * An integration (*out_json of _create, _get, _update; items of _list):
 *   {
 *     "id": "1f0c...", "name": "Sales Data",
 *     "platform": "AWS" | "Azure" | "GCP" | "GoogleDrive" | "Local" | "Memory",
 *     "type": "s3", "url": "s3://bucket/prefix",
 *     "folder": "external-files/s3/sales_data",   where projects keep its files
 *     "writeback": false,
 *     "selected_folders": ["images"],             folders connections cover by default
 *     "allowed_projects": ["p1"],                 projects (ids or names) that may use it; []: all
 *     "allowed_paths": ["exports"],               remote prefixes it may reach; []: everything
 *     "options": {"region": "eu-west-1"},         non-secret backend options
 *     "status": "UNCHECKED" | "CHECKING" | "CONNECTED" | "DISCONNECTED",
 *     "status_reason": "" | "MISSING_PERMISSION" | "INVALID_CREDENTIALS" | "EXPIRED_CREDENTIALS" |
 *                      "NOT_FOUND" | "UNREACHABLE" | "THROTTLED" | "CLOCK_SKEW" | "ERROR",
 *     "missing_action": "" | "list" | "read" | "write" | "delete",
 *     "status_message": "...",
 *     "created_at": "2024-05-01T12:00:00.000Z", "updated_at": "...", "last_checked": "..." | null
 *   }
 * A change of URL, writeback, options, allowed paths or secrets resets the
 * status to UNCHECKED.
 *
 * An integration filter (filter_json of _list, _count, cloudsync_catalog_check_all;
 * NULL or "{}" matches everything; each field present narrows the match):
 *   {"id": "...", "name": "..." (exact, case-insensitive), "platform": "AWS",
 *    "status": "CONNECTED", "writeback": true, "project": "<project id or name that may use it>"}
 *
 * Paging (_list functions): `skip` rows are skipped, then at most `first` are
 * returned (0: all of them), in creation order.
 */

typedef struct cloudsync_catalog cloudsync_catalog;

/**
 * Opens (creating and migrating as needed) the catalog in `state_dir`
 * (created with mode 0700 when missing).
 *
 * options_json (may be NULL):
 *   {
 *     "database": "",                    "": SQLite in state_dir; a libpq conninfo or postgresql:// URI:
 *                                        that PostgreSQL database, shared by several servers
 *     "busy_timeout_ms": 10000,          how long a writer waits for another process
 *     "transfers": 8,                    files transferred in parallel by a synchronisation
 *     "max_files": 100,                  files from integrations per project
 *     "max_file_size": 10000000000,      bytes per file
 *     "credentials": {                   secrets per integration name or id, kept in
 *       "<integration name or id>": {    memory only, merged over the stored ones
 *         "<backend option>": "<value>", ...
 *       }
 *     }
 *   }
 */
CLOUDSYNC_EXTERN(int) cloudsync_catalog_open(const char* state_dir, const char* options_json, cloudsync_catalog** out);
CLOUDSYNC_EXTERN(void) cloudsync_catalog_close(cloudsync_catalog* cat);

/**
 * Sets (replaces) the in-memory secrets used to open one integration's
 * backend (by name or id), e.g. {"secret_access_key": "..."}; never stored.
 * An empty object or NULL forgets them.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_set_credentials(cloudsync_catalog* cat, const char* integration, const char* options_json);

/**
 * Registers an integration.
 * spec_json:
 *   {
 *     "name": "Sales Data",              required, unique (case-insensitive)
 *     "url": "s3://bucket/prefix",       required: file:///abs, mem://, s3://, az://, gdrive://
 *     "type": "s3",                      folder type (default from the URL)
 *     "writeback": false,                allow export / push
 *     "selected_folders": ["images"],    folders connections cover by default
 *     "allowed_projects": ["p1"],        projects (ids or names) that may use it; default all
 *     "allowed_paths": ["exports"],      remote prefixes it may reach; default everything
 *     "options": {"region": "eu-west-1"} non-secret backend options
 *   }
 * secrets_json (may be NULL): {"secret_access_key": "..." | "env:NAME", ...}
 * *out_json (may be NULL): the integration.
 * CLOUDSYNC_EEXISTS for a taken name; CLOUDSYNC_EINVAL for a secret among
 * "options", an option the URL's provider does not take, or a bad URL.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_integration_create(cloudsync_catalog* cat, const char* spec_json, const char* secrets_json,
                                     char** out_json);

/** One integration by id or name (CLOUDSYNC_ENOTFOUND when neither matches). */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_integration_get(cloudsync_catalog* cat, const char* id_or_name, char** out_json);

/**
 * The names of the secrets stored for an integration, never their values.
 * *out_json: {"secret_names": ["secret_access_key", ...]}
 */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_integration_secret_names(cloudsync_catalog* cat, const char* id_or_name, char** out_json);

/**
 * Changes an integration; only the fields present change (null: unchanged).
 * update_json:
 *   {"name", "url", "writeback", "options": {...} (replaces the options),
 *    "secrets": {...} (replaces the stored secrets; {} forgets them),
 *    "selected_folders": [...], "allowed_projects": [...], "allowed_paths": [...]}
 * *out_json (may be NULL): the integration after the change.
 * CLOUDSYNC_ECONFLICT for a rename that would move the folder of existing connections.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_integration_update(cloudsync_catalog* cat, const char* id_or_name, const char* update_json,
                                     char** out_json);

/**
 * Deletes an integration, its secrets and its connections' manifests (no file
 * is deleted). CLOUDSYNC_ECONFLICT while it has connections, unless force != 0.
 */
CLOUDSYNC_EXTERN(int) cloudsync_catalog_integration_delete(cloudsync_catalog* cat, const char* id_or_name, int force);

/** *out_json: {"integrations": [<integration>, ...]}: a page of those the filter matches. */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_integration_list(cloudsync_catalog* cat, const char* filter_json, uint64_t first, uint64_t skip,
                                   char** out_json);

/** How many integrations the filter matches. */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_integration_count(cloudsync_catalog* cat, const char* filter_json, uint64_t* out_count);

/*
 * Status checks
 * -------------
 * A check lists the integration's allowed paths (or selected folders, or its
 * root), reads one object and, with writeback, writes and deletes a probe
 * object; the outcome becomes the integration's status. A check that ran
 * returns CLOUDSYNC_OK whatever it found -- read "status". Its JSON:
 *   {
 *     "status": "CONNECTED" | "DISCONNECTED" | ...,
 *     "reason": "NONE" | "MISSING_PERMISSION" | "INVALID_CREDENTIALS" | "EXPIRED_CREDENTIALS" |
 *               "NOT_FOUND" | "UNREACHABLE" | "THROTTLED" | "CLOCK_SKEW" | "ERROR",
 *     "missing_action": "list" | "read" | "write" | "delete" | null,
 *     "provider_code": "AccessDenied", "http_status": 403,
 *     "message": "...", "checked_at": "2024-05-01T12:00:00.000Z", "duration_ms": 120,
 *     "passed": ["list", "read"]
 *   }
 */

/** Checks one integration. *out_json (may be NULL): the check. */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_check(cloudsync_catalog* cat, const char* id_or_name, cloudsync_cancel* cancel, char** out_json);

/**
 * Checks every integration the filter matches, `concurrency` at a time (0: 8).
 * *out_json (may be NULL): {"checks": [{"integration_id": "...", <the check's members>}, ...]}.
 * An integration whose check could not run (another process is checking it)
 * is reported with status "CHECKING" and reason "ERROR".
 */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_check_all(cloudsync_catalog* cat, const char* filter_json, uint32_t concurrency,
                            cloudsync_cancel* cancel, char** out_json);

/*
 * Projects
 * --------
 * A project: {"id", "name", "root" (the folder its external-files/ live under), "created_at"}.
 */

/**
 * Registers a project (or returns it when one with this name has this root;
 * CLOUDSYNC_EEXISTS when it has another root). *out_json (may be NULL): the project.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_project_add(cloudsync_catalog* cat, const char* name, const char* root, char** out_json);

/** *out_json: {"projects": [<project>, ...]} */
CLOUDSYNC_EXTERN(int) cloudsync_catalog_project_list(cloudsync_catalog* cat, char** out_json);

/** Forgets a project (by id or name); no file is deleted. */
CLOUDSYNC_EXTERN(int) cloudsync_catalog_project_remove(cloudsync_catalog* cat, const char* id_or_name);

/*
 * Connections
 * -----------
 * A connection ties a project to an integration; the project's copy lives in
 * <project root>/<folder>. Its JSON:
 *   {
 *     "id": "...", "project_id": "...", "integration_id": "...",
 *     "folder": "external-files/s3/sales_data",
 *     "selected_folders": ["images"], "include": ["*.csv"], "exclude": ["*.tmp"],
 *     "created_at": "...", "last_checked": "..." | null   (last synchronisation, not dry runs)
 *     "number_of_assets": 12,                             (files its manifest tracks)
 *     "is_checking": false                                (an operation runs on it right now)
 *   }
 */

/**
 * Connects a project to an integration.
 * spec_json:
 *   {
 *     "project": "p1",                   required: project id or name
 *     "integration": "Sales Data",       required: integration id or name
 *     "selected_folders": ["images"],    remote folders covered, on path boundaries
 *                                        (default: the integration's selected folders,
 *                                        or everything it allows)
 *     "include": ["*.csv", "*.json"],    globs on the remote key ('*' and '?' within a
 *     "exclude": ["*.tmp"]               segment, '**' across): a key is covered when it
 *                                        matches an include (or there are none) and no exclude
 *   }
 * *out_json (may be NULL): the connection. CLOUDSYNC_EPERM when the
 * integration does not allow the project or a folder lies outside its allowed
 * paths; CLOUDSYNC_EEXISTS when the project is already connected to it.
 */
CLOUDSYNC_EXTERN(int) cloudsync_catalog_connection_add(cloudsync_catalog* cat, const char* spec_json, char** out_json);

/** One connection by id. */
CLOUDSYNC_EXTERN(int) cloudsync_catalog_connection_get(cloudsync_catalog* cat, const char* id, char** out_json);

/**
 * A page of connections. filter_json (may be NULL):
 *   {"project": "<id or name>", "integration": "<id or name>"}
 * *out_json: {"connections": [<connection>, ...]}
 */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_connection_list(cloudsync_catalog* cat, const char* filter_json, uint64_t first, uint64_t skip,
                                  char** out_json);

/** How many connections the filter (as for _list) matches. */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_connection_count(cloudsync_catalog* cat, const char* filter_json, uint64_t* out_count);

/** Forgets a connection and its manifest; no file is deleted. */
CLOUDSYNC_EXTERN(int) cloudsync_catalog_connection_remove(cloudsync_catalog* cat, const char* id);

/** Files the connection tracks; *out_json as for cloudsync_tracked_files. */
CLOUDSYNC_EXTERN(int) cloudsync_catalog_connection_files(cloudsync_catalog* cat, const char* id, char** out_json);

/**
 * Computes what synchronising the connection (remote -> project) would do
 * now: one action per file with its reason. Changes nothing.
 * request_json (may be NULL): {"delete_extraneous_files": false}
 * *out_plan: read it with cloudsync_plan_json (the "plan" schema above), hand
 * it to cloudsync_connection_sync to apply exactly it, free it with
 * cloudsync_plan_free.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_connection_diff(cloudsync_catalog* cat, const char* id, const char* request_json, cloudsync_cancel* cancel,
                          cloudsync_plan** out_plan);

/**
 * Synchronises the connection (remote -> project): adds and updates first,
 * then, with delete_extraneous_files, deletions under max_delete, never after
 * a failed or incomplete listing.
 * request_json (may be NULL):
 *   {"delete_extraneous_files": false, "dry_run": false, "max_delete": 100}
 * A dry run plans and reports through the same path and changes nothing (not
 * even "last_checked").
 * expected_plan (may be NULL): a plan from cloudsync_connection_diff on this
 * connection; the synchronisation applies exactly it, and fails with
 * CLOUDSYNC_ECONFLICT (changing nothing) when the remote or the project
 * changed since it was computed. A plan of another connection, or from
 * cloudsync_plan_sync, is CLOUDSYNC_EINVAL.
 * *result_json: an operation result (schema above); return value as for the
 * operations.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_connection_sync(cloudsync_catalog* cat, const char* id, const char* request_json,
                          const cloudsync_plan* expected_plan, cloudsync_progress_fn progress, void* user,
                          cloudsync_cancel* cancel, char** result_json);

/* ---------------------------------------------------------------------------
 * Storage handles: one backend opened once, objects read, written, listed
 * ------------------------------------------------------------------------ */

/*
 * Listings
 * --------
 * Listing entries and documents have one JSON form, shared with the command
 * line tool's `ls --json`; its JSON Schema is capi/schema/listing.schema.json
 * (installed as share/cloudsync/listing.schema.json). An entry:
 *   {"key": "dir/a.txt",                 relative to the handle's URL; may be any
 *                                        bytes the store holds (invalid UTF-8 is
 *                                        written as U+FFFD)
 *    "kind": "file" | "directory" | "document",   (document: a Google Doc, readable
 *                                        only by export, never overwritten)
 *    "size": 12,                         absent for a folder a one-level listing rolled up
 *    "mtime": "2024-05-01T12:00:00.123456789Z",   the file's own time, when the store keeps one
 *    "last_modified": "...",             when the store last wrote the object
 *    "etag", "version", "id", "md5", "sha256", "crc32c", "content_type"}
 * Members other than "key" and "kind" are absent when unknown; later versions
 * may add members.
 */

/**
 * An open backend: one URL, its options and credentials, its connections
 * (kept alive between calls) and its tokens (fetched once, refreshed when they
 * expire). A handle may be used from several threads at once; close it only
 * when no call on it runs and no iterator of it is open.
 */
typedef struct cloudsync_storage cloudsync_storage;

/**
 * Opens `url` (file:///abs, a plain path, mem://name, s3://bucket/prefix,
 * az://container/prefix, gdrive://folder-id/path); keys of the calls below are
 * relative to it. options_json (may be NULL): the backend's options, string
 * values only, e.g. {"region": "eu-west-1", "secret_access_key": "..."}: the
 * keys cloudsync_list takes as "options". Secrets given here stay in memory.
 * Opening checks the URL and options; it does not contact the store.
 */
CLOUDSYNC_EXTERN(int) cloudsync_storage_open(const char* url, const char* options_json, cloudsync_storage** out);
/** Closes a storage handle (NULL is ignored). */
CLOUDSYNC_EXTERN(void) cloudsync_storage_close(cloudsync_storage* storage);

/**
 * Metadata of one object. *entry_json: its listing entry.
 * CLOUDSYNC_ENOTFOUND when there is none. `cancel` may be NULL.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_storage_head(cloudsync_storage* storage, const char* key, cloudsync_cancel* cancel, char** entry_json);

/** A listing in progress: it fetches one page from the store at a time. */
typedef struct cloudsync_list_iter cloudsync_list_iter;

/**
 * Starts listing the keys that begin with `prefix` (NULL or "": everything;
 * "data/" lists inside folder data, "data" also matches "data2/x").
 * options_json (may be NULL):
 *   {"recursive": true,   false: one level, deeper keys rolled up into "dir/" entries
 *    "page_size": 0}      keys per request (0: the store's default, 1000 on S3)
 * Nothing is fetched until the first cloudsync_list_next. `cancel` (may be
 * NULL) stops the listing between and during requests; it must outlive the
 * iterator. The iterator keeps the storage handle's backend alive.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_storage_list_begin(cloudsync_storage* storage, const char* prefix, const char* options_json,
                             cloudsync_cancel* cancel, cloudsync_list_iter** out);

/**
 * The next entry: CLOUDSYNC_OK with *entry_json set (free it with
 * cloudsync_free), or CLOUDSYNC_OK with *entry_json == NULL at the end.
 * Entries come page by page, each page sorted by key; the order across pages
 * is the store's. An error (the request failed, the listing was cancelled, an
 * entry could not be read -- reported after every readable entry, so that a
 * partial listing is never taken for a whole one) is returned once; the
 * iterator then stays at its end.
 */
CLOUDSYNC_EXTERN(int) cloudsync_list_next(cloudsync_list_iter* iter, char** entry_json);
/** Releases an iterator (NULL is ignored); it may be ended before its end. */
CLOUDSYNC_EXTERN(void) cloudsync_list_end(cloudsync_list_iter* iter);

/**
 * Receives the bytes of a download, in order. Return 0 to go on, anything else
 * to stop the download (it then fails with CLOUDSYNC_ECANCELLED).
 */
typedef int (*cloudsync_write_fn)(const void* data, size_t size, void* user);
/**
 * Produces the bytes of an upload: copies up to `capacity` bytes to `buffer`
 * and stores how many in *size_read; 0 bytes means the end. Return 0 on
 * success, anything else to stop the upload (it fails with CLOUDSYNC_ECANCELLED).
 */
typedef int (*cloudsync_read_fn)(void* buffer, size_t capacity, size_t* size_read, void* user);

/*
 * Object transfers
 * ----------------
 * Progress (`progress`, `user`, may be NULL) reports one file: phase
 * CLOUDSYNC_PHASE_TRANSFERRING with bytes_done / bytes_total, then
 * CLOUDSYNC_PHASE_FILE_DONE and CLOUDSYNC_PHASE_FINISHED. Returning nonzero
 * from it, or triggering `cancel` (may be NULL), stops the transfer with
 * CLOUDSYNC_ECANCELLED. *entry_json (may be NULL): the object's listing entry
 * (for a get, the object as read; for a put, as written).
 */

/**
 * Downloads `key` to the file `local_path`: through a hidden temporary in the
 * same folder, hashed while it streams, resumed after a dropped connection,
 * verified against the size and the hashes the store vouches for, then renamed
 * into place, so `local_path` never holds a partial file. Missing folders on
 * the way are created.
 * options_json (may be NULL): {"overwrite": true}  (false: CLOUDSYNC_ECONFLICT
 * when the file exists)
 */
CLOUDSYNC_EXTERN(int)
cloudsync_storage_get_file(cloudsync_storage* storage, const char* key, const char* local_path,
                           const char* options_json, cloudsync_progress_fn progress, void* user,
                           cloudsync_cancel* cancel, char** entry_json);

/**
 * Streams `key` (or a range of it) to `write`. The object is read as it was
 * when the call began (pinned to its etag: a concurrent overwrite fails the
 * call with CLOUDSYNC_ECONFLICT). A download cut short is not resumed (the
 * bytes already reached the caller); cloudsync_storage_get_file is.
 * options_json (may be NULL): {"offset": 0, "length": <to the end>}
 */
CLOUDSYNC_EXTERN(int)
cloudsync_storage_get(cloudsync_storage* storage, const char* key, const char* options_json, cloudsync_write_fn write,
                      void* write_user, cloudsync_progress_fn progress, void* user, cloudsync_cancel* cancel,
                      char** entry_json);

/**
 * Uploads the file `local_path` to `key`: streamed (in parallel parts above
 * the store's multipart threshold), hashed for the store to verify, and
 * atomic: readers see the old or the new object, never a part. A file changed
 * while it was read fails with CLOUDSYNC_ECONFLICT.
 * options_json (may be NULL):
 *   {"create_only": false}   true: CLOUDSYNC_ECONFLICT when the key exists
 *                            (atomic where the store has conditional writes)
 */
CLOUDSYNC_EXTERN(int)
cloudsync_storage_put_file(cloudsync_storage* storage, const char* key, const char* local_path,
                           const char* options_json, cloudsync_progress_fn progress, void* user,
                           cloudsync_cancel* cancel, char** entry_json);

/**
 * Uploads what `read` produces to `key`. `size` is the number of bytes `read`
 * will produce, or -1 when unknown; a source that produces another number
 * fails with CLOUDSYNC_EINTEGRITY. The bytes are spooled to a private
 * temporary file first (in the system's temporary folder), so that the upload
 * can be hashed, retried and sent in parts like cloudsync_storage_put_file;
 * `read` is called to the end before anything is sent. options_json as for
 * cloudsync_storage_put_file.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_storage_put(cloudsync_storage* storage, const char* key, const char* options_json, cloudsync_read_fn read,
                      void* read_user, int64_t size, cloudsync_progress_fn progress, void* user,
                      cloudsync_cancel* cancel, char** entry_json);

/** Deletes `key`; an absent key counts as deleted. `cancel` may be NULL. */
CLOUDSYNC_EXTERN(int) cloudsync_storage_delete(cloudsync_storage* storage, const char* key, cloudsync_cancel* cancel);

/* ---------------------------------------------------------------------------
 * The kernel session: writeback while a project is open
 * ------------------------------------------------------------------------ */

/**
 * One project's writeback session, for as long as its kernel runs: started
 * when the kernel starts, flushed and stopped before it stops.
 */
typedef struct cloudsync_session cloudsync_session;

/**
 * Receives one watch event as a JSON object (UTF-8; valid only during the call):
 *   {"event": "exported" | "conflict" | "refused" | "failed" | "status",
 *    "at": "2024-05-01T12:34:56.5Z",
 *    "integration": "Sales",               display name (absent for the watcher's own status)
 *    "path": "reports/q1.csv",             relative to the integration's folder
 *    "remote_key": "exports/reports/q1.csv",
 *    "bytes": 1234, "sha256": "...",
 *    "conflict_copy": "...",               with "conflict_policy": "keep_both": the copy's key
 *    "error": {"code", "message", "http_status", "provider_code"},   failed, refused, conflict
 *    "retry_at": "...",                    failed: when it is tried again
 *    "parked": true,                       stays queued, not retried until the file changes again
 *    "mode": "stopped" | "inotify" | "polling", "message": "..."}    status
 * Empty fields are left out; never a secret. Called on the session's threads
 * (the first and last status events on the threads calling
 * cloudsync_session_start and _stop), one event at a time: return quickly and do not call back into
 * cloudsync (in particular not cloudsync_session_flush or _stop).
 */
typedef void (*cloudsync_watch_event_fn)(const char* event_json, void* user);

/**
 * Starts the kernel session of the workspace's project: restores the tracked
 * files (only what is missing or changed is downloaded, the project's limits
 * checked before any transfer), then watches external-files/{type}/{name}/ of
 * every integration and exports what is written there once it is complete,
 * through a durable queue in the catalog (nothing lost or sent twice across a
 * kill), never over a remote change.
 *
 * options_json (may be NULL):
 *   {
 *     "restore": true,               restore the tracked files first
 *     "quiet_window_ms": 300,        quiet time after a close or rename before a file is exported
 *     "open_file_quiet_ms": 10000,   for a file never seen closed (held open, or found by a scan)
 *     "ignore": ["*.swp", ...],      name patterns never exported: replaces the defaults
 *                                    ('*' and '?' within a name; a trailing '/' names a folder)
 *     "extra_ignore": ["*.tmp"],     patterns added to the defaults (or to "ignore")
 *     "conflict_policy": "report",   "report": leave the remote alone; "keep_both": also upload
 *                                    the local file as name.conflict-<host>-<UTC time>.ext
 *     "host_name": "",               the host in conflict copies; "": the machine's
 *     "force_polling": false,        scan instead of inotify (network filesystems)
 *     "poll_interval_ms": 2000,
 *     "retry_initial_ms": 1000,      failed exports retried after this, doubling up to
 *     "retry_max_ms": 60000,
 *     "batch_size": 256              files exported in one pass of one integration's queue
 *   }
 * `fn` (may be NULL) receives the events, with `user`. `cancel` (may be NULL)
 * stops the restore; it must outlive the start call only. The workspace must
 * outlive the session. Restore failures of single integrations do not fail
 * the start (see cloudsync_session_restored); CLOUDSYNC_ECONFLICT when a
 * session already watches the project.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_session_start(cloudsync_workspace* ws, const char* options_json, cloudsync_watch_event_fn fn, void* user,
                        cloudsync_cancel* cancel, cloudsync_session** out);

/** What the start restored. *out_json: [<operation result>, ...], one per integration. */
CLOUDSYNC_EXTERN(int) cloudsync_session_restored(cloudsync_session* session, char** out_json);

/**
 * Exports everything written so far (files still settling are taken as
 * complete, failed exports are tried again at once), waiting up to
 * `timeout_ms`. Returns CLOUDSYNC_OK even when not everything went out:
 * *out_json says what is left:
 *   {"complete": true,                nothing left that could still go out
 *    "pending": [{"integration", "path",
 *                 "state": "waiting" | "in_flight" | "failed" | "conflict" | "refused",
 *                 "attempts", "queued_at", "retry_at", "error_code", "error_message"}, ...]}
 */
CLOUDSYNC_EXTERN(int) cloudsync_session_flush(cloudsync_session* session, uint32_t timeout_ms, char** out_json);

/**
 * The watcher's state. *out_json:
 *   {"mode": "inotify" | "polling" | "stopped", "mode_reason", "watched_folders",
 *    "files_settling", "pending",
 *    "integrations": [{"integration", "folder", "writeback", "reachable", "waiting", "in_flight",
 *                      "failed", "conflicts", "refused", "exported", "last_export", "last_error"}]}
 */
CLOUDSYNC_EXTERN(int) cloudsync_session_status(cloudsync_session* session, char** out_json);

/**
 * The export queue, in the order files go out. *out_json: an array of entries
 * as in cloudsync_session_flush's "pending".
 */
CLOUDSYNC_EXTERN(int) cloudsync_session_queue(cloudsync_session* session, char** out_json);

/**
 * Stops watching and exporting. An export in flight is abandoned and stays
 * queued for the next session. Idempotent; NULL is ignored.
 */
CLOUDSYNC_EXTERN(void) cloudsync_session_stop(cloudsync_session* session);

/** Stops the session (if still running) and releases it. NULL is ignored. */
CLOUDSYNC_EXTERN(void) cloudsync_session_free(cloudsync_session* session);

/* ------------------------------------------------------------------------ */
/* Record export (Hydra's scheduled "Data Export")                          */
/* ------------------------------------------------------------------------ */

/*
 * An export job writes the records of one or more tables ("models") to an
 * integration as JSON Lines, every 1 to 168 hours: the first run everything,
 * later runs only the records updated since. Layout under the job's prefix:
 *   <YYYYMMDDHHMM>/<model>/<id of the first record>-<id of the last record>.json[.gz]
 *   <YYYYMMDDHHMM>/_run.json        the window the folder belongs to (written first)
 *   <YYYYMMDDHHMM>/_manifest.json   every file with rows, bytes, SHA-256 (written last)
 * The folder is the UTC minute the run's window opened; a window that failed
 * is attempted again with the same folder and bounds, and writes the same
 * objects. Records are read in (updated_at, id) order from the model's
 * watermark up to (window opened - visibility lag); the watermark moves only
 * after the manifest is written. See cloudsync/records.hpp.
 *
 * A job (spec_json of _create; *out_json of _create, _get, _update; items of _list):
 *   {
 *     "name": "nightly",                   required, unique
 *     "integration": "Sales",              name or id; it needs writeback
 *     "prefix": "exports",                 folder in the integration ("" : its root)
 *     "frequency_hours": 24,               1 to 168
 *     "first_run_delay_s": 120,            the first run is this long after creation (spec only)
 *     "models": [{"name": "orders",        the model's folder
 *                 "source": {"kind": "sqlite" | "postgresql" | "registered",
 *                            "database": "app.db" | "<libpq conninfo>" | "<registered name>",
 *                            "table": "orders", "id_column": "id", "updated_column": "updated_at",
 *                            "updated_format": "text" | "unix_seconds" | "unix_millis",   (SQLite)
 *                            "deletes_table": "", "deletes_id_column": "id",
 *                            "deletes_updated_column": "deleted_at"}}],
 *     "options": {"visibility_lag_s": 60, "max_file_rows": 100000, "max_file_bytes": 67108864,
 *                 "gzip": false, "ids_as_strings": false, "page_records": 10000},
 *     output only: "id", "integration_id", "created_at", "first_run_at", "next_run_at",
 *                  "status": "ACTIVE" | "RUNNING" | "FAILED" | "DISABLED"
 *   }
 * A PostgreSQL conninfo's password is kept as a secret (never in the
 * catalog's database or in any JSON).
 *
 * A run (*out_json of _run; items of _run_due and _history):
 *   {"id", "job_id", "attempt", "folder": "202612061000", "window_opened", "upper_bound",
 *    "state": "running" | "succeeded" | "failed", "started_at", "finished_at", "duration_ms",
 *    "rows", "tombstones", "files", "bytes",
 *    "models": [{"model", "rows", "tombstones", "files", "bytes"}],
 *    "error": {"code", "message", ...} (failed runs), "manifest_key"}
 */

/**
 * Registers a job. CLOUDSYNC_EINVAL for a frequency outside 1..168 hours, no
 * models or a bad source; CLOUDSYNC_ENOTFOUND for an unknown integration;
 * CLOUDSYNC_EPERM when the integration has no writeback; CLOUDSYNC_EEXISTS
 * for a taken name.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_export_job_create(cloudsync_catalog* cat, const char* spec_json, char** out_json);
/** A job by id or name. */
CLOUDSYNC_EXTERN(int) cloudsync_catalog_export_job_get(cloudsync_catalog* cat, const char* id_or_name, char** out_json);
/** Jobs in creation order (paging as for integrations). *out_json: [<job>, ...] */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_export_job_list(cloudsync_catalog* cat, uint64_t first, uint64_t skip, char** out_json);
/**
 * Changes a job. update_json: {"name", "frequency_hours", "models" (replaces them; a
 * new model starts with everything), "options" (the fields given), "enabled"}.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_export_job_update(cloudsync_catalog* cat, const char* id_or_name, const char* update_json,
                                    char** out_json);
/** Forgets a job, its watermarks and its history; no object is deleted. */
CLOUDSYNC_EXTERN(int) cloudsync_catalog_export_job_delete(cloudsync_catalog* cat, const char* id_or_name);

/**
 * Runs one job now, whatever its schedule (its unfinished window if it has
 * one). options_json (may be NULL): {"now": RFC 3339 (default: the clock),
 * "owner": "<who runs, kept with the lease>", "lease_s": 300}.
 * *out_json: the run, also when it failed (the call then returns its error).
 * CLOUDSYNC_ECONFLICT while another process holds the job's lease.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_export_job_run(cloudsync_catalog* cat, const char* id_or_name, const char* options_json,
                                 cloudsync_cancel* cancel, char** out_json);
/**
 * Runs every job due at options' "now" (for hosts that schedule with cron or
 * their own job system), skipping those another process holds.
 * *out_json: [<run>, ...], failed runs included (the call still returns OK).
 */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_export_run_due(cloudsync_catalog* cat, const char* options_json, cloudsync_cancel* cancel,
                                 char** out_json);
/**
 * The export history, newest first. filter_json (may be NULL): {"job": "<id or
 * name>", "state": "running" | "succeeded" | "failed", "since": RFC 3339, "until": RFC 3339}.
 * *out_json: [<run>, ...]
 */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_export_history(cloudsync_catalog* cat, const char* filter_json, uint64_t first, uint64_t skip,
                                 char** out_json);
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_export_history_count(cloudsync_catalog* cat, const char* filter_json, uint64_t* out_count);

/** One page of a host's record source, filled with cloudsync_record_page_add. */
typedef struct cloudsync_record_page cloudsync_record_page;

/**
 * Reads one page of a host's record source. request_json:
 *   {"after": {"updated_at": "<as the source gave it>", "id": <id>} | null,
 *    "upper": "<RFC 3339>", "max_records": 10000, "ids_as_strings": false}
 * The callback adds the records after "after" (exclusive) with updated_at up
 * to "upper" (inclusive), in (updated_at, id) order, at most max_records of
 * them, then returns CLOUDSYNC_OK; fewer than max_records ends the window.
 * Any other return (or cloudsync_record_page_fail) fails the run, which is
 * attempted again later. Called on the thread running the export.
 */
typedef int (*cloudsync_record_read_fn)(const char* request_json, cloudsync_record_page* page, void* user);

/**
 * Adds one record to a page: its updated_at (any text the source can compare
 * again as "after"), its id as JSON (42 or "a-17") and the record as one JSON
 * object. CLOUDSYNC_EINVAL for a malformed record or a full page.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_record_page_add(cloudsync_record_page* page, const char* updated_at, const char* id_json,
                          const char* record_json);
/** Fails the page with a code (a cloudsync_status) and a message (no secrets). */
CLOUDSYNC_EXTERN(int) cloudsync_record_page_fail(cloudsync_record_page* page, int code, const char* message);

/**
 * Makes a host's source available to jobs as {"kind": "registered",
 * "database": "<name>"} for as long as the catalog handle is open.
 * read_deletions (may be NULL) is its delete feed: records whose JSON is
 * unused, written as {"id", "_deleted": true, "_updated_at"} lines.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_catalog_record_source_register(cloudsync_catalog* cat, const char* name,
                                         cloudsync_record_read_fn read_records, cloudsync_record_read_fn read_deletions,
                                         void* user);

/** A thread running the due export jobs of a catalog. */
typedef struct cloudsync_export_scheduler cloudsync_export_scheduler;

/** Receives each finished run as JSON (valid during the call), on the scheduler's thread. */
typedef void (*cloudsync_export_run_fn)(const char* run_json, void* user);

/**
 * Starts a scheduler: the first run of a job shortly after it was created,
 * then every frequency_hours after the first; runs never overlap, and on a
 * shared (PostgreSQL) catalog each due job runs on one process at a time.
 * options_json (may be NULL): {"poll_s": 30, "owner": "", "lease_s": 300}.
 * The catalog must outlive the scheduler.
 */
CLOUDSYNC_EXTERN(int)
cloudsync_export_scheduler_start(cloudsync_catalog* cat, const char* options_json, cloudsync_export_run_fn on_run,
                                 void* user, cloudsync_export_scheduler** out);
/** Stops it: a running export is cancelled and its window left for the next run. Idempotent. */
CLOUDSYNC_EXTERN(void) cloudsync_export_scheduler_stop(cloudsync_export_scheduler* scheduler);
/** Stops (if running) and releases it. NULL is ignored. */
CLOUDSYNC_EXTERN(void) cloudsync_export_scheduler_free(cloudsync_export_scheduler* scheduler);

#ifdef __cplusplus
}
#endif

#endif /* CLOUDSYNC_H */
