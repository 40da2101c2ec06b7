// Google Drive (API v3) as a StorageBackend, rooted at one folder.
//
// Drive is ID-based; keys are paths below the root folder, mapped to IDs by
// walking folders (folder IDs are cached briefly and dropped on changes made
// here). One backend covers the whole tree under its folder.
//
// What Drive is, and how it shows through:
//  - Same-name duplicates are legal in a Drive folder. They are listed, each
//    under the same key, so the planner reports the collision; reads, writes
//    and deletes of an ambiguous key fail with Conflict instead of choosing.
//  - A file and a folder may share a name on Drive, which no local filesystem
//    can mirror; the backend tolerates such pairs, and Capabilities says
//    `hierarchical` so that the engine never creates one.
//  - Google Docs, Sheets, Slides and Drawings are listed as
//    ObjectKind::Document under their name plus an export extension
//    ("Budget" -> "Budget.xlsx"), downloaded with files.export (falling back
//    to the file's exportLinks when Google refuses an export over its 10 MB
//    limit), and never overwritten or deleted through this backend.
//  - Names holding '/' appear with U+FF0F FULLWIDTH SOLIDUS instead.
//  - Shortcuts are skipped, or followed (read-only) with `follow_shortcuts`;
//    folder loops through shortcuts are detected and skipped.
//  - Writes keep the file's ID (an update PATCHes the existing file);
//    mtimes live in modifiedTime (milliseconds); md5Checksum is the hash.
//    Create-only and conditional updates compare, then write: Drive has no
//    precondition headers, so they are not atomic against other clients
//    (Capabilities says so). Within one process, put() calls on one key and
//    folder creations are serialised; a multipart upload compares again
//    just before its last byte commits it.
//  - Deletes move files to the trash unless `use_trash` is off; folders are
//    left in place.
//  - Copies between two backends of one account are made by Drive
//    (files.copy, no byte through this process) when both use the same
//    endpoint and token source (one provider, or the same fixed
//    access_token); two refresh tokens or keys are not assumed to be one
//    account, and copy by streaming. A copy onto an existing file is a new
//    file (new ID) that replaces it: copied under a temporary name, renamed,
//    the old file trashed. Google Docs are exported, so they stream.
//  - Every call sends supportsAllDrives=true; listings add
//    includeItemsFromAllDrives=true, and corpora=drive&driveId=... when the
//    root folder lives in a shared drive (detected on first use).
//  - Rate limits (429, 403 rateLimitExceeded / userRateLimitExceeded) are
//    retried with backoff behind a token-bucket pacer; quota errors
//    (storageQuotaExceeded, quotaExceeded, the daily upload cap, ...),
//    cannotDownloadAbusiveFile and insufficientPermissions fail at once with
//    a message that says what to do.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "cloudsync/backend.hpp"
#include "cloudsync/export.hpp"

namespace cloudsync {

struct GDriveOptions {
  /// The root folder's ID (Hex's "Subdirectory ID"); "root" is My Drive.
  std::string folder_id;
  /// Path below the folder the backend is scoped to ("a/b": files under
  /// a/b appear relative to it). Empty: the whole tree under the folder.
  std::string prefix;
  /// Drive API base URL; empty: https://www.googleapis.com. Requests go to
  /// <endpoint>/drive/v3/... and <endpoint>/upload/drive/v3/....
  std::string endpoint;

  // Credentials: one kind of explicit credentials, or, with none,
  // Application Default Credentials as google-auth finds them: the file named
  // by GOOGLE_APPLICATION_CREDENTIALS, then gcloud's
  // application_default_credentials.json ($CLOUDSDK_CONFIG, else
  // ~/.config/gcloud), then the GCE metadata server (GCE_METADATA_HOST
  // replaces metadata.google.internal; not being on Google Cloud costs at most
  // `metadata_timeout`). A credentials file (found so, or `credentials_file`)
  // may be of type service_account, authorized_user (what `gcloud auth
  // application-default login` writes; its quota_project_id, or
  // GOOGLE_CLOUD_QUOTA_PROJECT, is sent as x-goog-user-project),
  // external_account (workload identity federation with a file- or
  // URL-sourced subject token, and service-account impersonation) or
  // impersonated_service_account. Every secret is registered for redaction.
  /// A ready access token (hosts that manage tokens themselves; tests).
  std::string access_token;
  /// OAuth2 user authorisation: the app's client and the user's refresh token.
  std::string client_id;
  std::string client_secret;
  std::string refresh_token;
  /// A service account: the key file's JSON text, or the file's path.
  std::string service_account_key;
  std::string service_account_file;
  /// Path of a Google credentials file of any supported type (above).
  std::string credentials_file;
  /// Without explicit credentials, look for Application Default Credentials;
  /// false: explicit credentials are required.
  bool use_environment = true;
  /// Without explicit credentials or a credentials file, ask the GCE metadata
  /// server last; false: never (a host that knows it is not on Google Cloud).
  bool metadata_server = true;
  /// How long the metadata server may take to show it is there.
  std::chrono::milliseconds metadata_timeout{1000};
  /// Scope of service-account, metadata-server and federated tokens:
  /// "drive" (default), "drive.readonly", "drive.file" or a full scope URL.
  /// (A user's refresh token carries the scopes granted at sign-in.)
  std::string scope;
  /// Service-account domain-wide delegation: the user to act as.
  std::string subject;
  /// Token endpoint replacing Google's (and a key file's token_uri) for the
  /// service-account and refresh-token flows.
  std::string token_uri;

  /// Preferred export formats for Google-native files, in order: for each
  /// kind the first it supports is used. Known: docx, xlsx, pptx, pdf, csv,
  /// tsv, txt, odt, ods, odp, rtf, epub, svg, png, jpg. "none" hides them.
  std::string export_formats = "docx,xlsx,pptx,pdf";
  /// Deletes move files to the trash; false deletes them permanently.
  bool use_trash = true;
  /// Follow shortcuts (read-only) instead of skipping them.
  bool follow_shortcuts = false;
  /// Download files Google flagged as malware/spam (acknowledgeAbuse=true).
  bool acknowledge_abuse = false;
  /// Treat 403 userRateLimitExceeded "User rate limit exceeded." on an upload
  /// as the daily upload cap (~750 GB a day): stop instead of retrying.
  bool stop_on_upload_limit = true;

  /// Files at least this large are uploaded with a resumable session.
  uint64_t upload_cutoff = 8ull << 20;
  /// Resumable chunk size (and multipart part size); a multiple of 256 KiB.
  uint64_t chunk_size = 8ull << 20;
  /// files.list pageSize (1..1000).
  uint32_t page_size = 1000;
  /// Pacer: at most one call per `pacer_min_sleep` on average, in bursts of
  /// up to `pacer_burst` (rclone's defaults). 0 ms turns pacing off.
  std::chrono::milliseconds pacer_min_sleep{100};
  uint32_t pacer_burst = 100;
  /// Attempts per request, the first included.
  uint32_t max_attempts = 10;

  // HTTP, for Drive and for every token request alike (token endpoint, STS,
  // IAM, a subject-token URL); the metadata server is always asked directly.
  std::string ca_bundle;  ///< PEM file; empty: the system store
  std::string proxy;      ///< empty: the *_proxy environment variables
  /// Verify servers' TLS certificates (and an HTTPS proxy's); false only for
  /// test servers with self-signed certificates.
  bool verify_tls = true;
};

/// Opens the tree under options.folder_id (scoped to options.prefix). Fails
/// with InvalidArgument for unusable options and Unauthenticated when no
/// credentials can be found (the message names each place looked at). Nothing
/// is sent to Drive before the first call (only the metadata server may be
/// asked whether it is there, when the chain gets that far); the root
/// folder is checked then (NotFound when it does not exist or is not shared
/// with the credentials).
///
/// open_backend("gdrive://<folder id>/sub/path", options) takes the string
/// options that find_backend_provider("gdrive") lists
/// (cloudsync/backend_options.hpp; `cloudsync providers gdrive`), with their
/// kinds, defaults and which are secret. Unknown options are an error.
CLOUDSYNC_API Result<std::shared_ptr<StorageBackend>> make_gdrive_backend(GDriveOptions options);

}  // namespace cloudsync
