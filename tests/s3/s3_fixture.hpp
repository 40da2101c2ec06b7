// Shared pieces of the S3 tests: moto with SigV4 enforced (tests/peers/
// start-moto.sh ... strict), started once per test process; fresh buckets;
// backends on them; raw requests for what the backend API cannot express
// (keys that are not Paths, listing multipart uploads); and the fault proxy
// in front of moto.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/s3/s3_backend.hpp"
#include "cloudsync/backends/s3.hpp"
#include "cloudsync/workspace.hpp"
#include "http/http.hpp"
#include "support/command.hpp"
#include "support/http_support.hpp"
#include "support/peer_server.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

/// moto for this process (small listing pages: MOTO_S3_DEFAULT_MAX_KEYS=5;
/// tiny multipart parts allowed: S3_UPLOAD_PART_MIN_SIZE=100).
struct Moto {
  PeerServer& server;
  std::string endpoint;
  std::string access_key_id;
  std::string secret_access_key;
};
Moto& moto();

/// Part sizes the tests use on moto (S3's 5 MiB minimum is lifted there).
inline constexpr uint64_t kTestMinPart = 64 * 1024;

/// Options for `bucket` on moto as an AWS-like store (CRC32C checksums,
/// conditional writes): explicit endpoint and keys, no environment, parts
/// down to kTestMinPart. `endpoint` overrides moto's (the fault proxy).
S3Options moto_options(const std::string& bucket, const std::string& endpoint = {});

/// Creates a bucket with a fresh name on moto and returns the name.
std::string create_bucket(const std::string& stem = "cs");

/// The bucket backend itself (internal class), after `tweak` edits the
/// resolved configuration (a moved clock, say).
std::shared_ptr<s3::S3Backend> bucket_backend(const S3Options& options,
                                              const std::function<void(s3::S3Config&)>& tweak = {});

/// bucket_backend() resolved against `env` (not the process's) with `hooks`,
/// sending through `transport` when given (a RecordingTransport).
std::shared_ptr<s3::S3Backend> bucket_backend_in(const S3Options& options, const s3::Environment& env,
                                                 const s3::S3ResolveHooks& hooks,
                                                 const std::function<void(s3::S3Config&)>& tweak = {},
                                                 std::shared_ptr<http::Transport> transport = {});

/// One request through a backend's client (for keys that are not Paths and
/// for API calls the backend does not make).
Result<http::Response> raw_request(s3::S3Backend& backend, const std::string& method, const std::string& key,
                                   std::vector<std::pair<std::string, std::string>> query = {},
                                   const std::string& body = {}, const http::Headers& headers = {});

/// Writes objects with boto3 (keys our client's URL handling would not send
/// verbatim: curl removes "./" and "../" segments from URL paths). Each
/// object's body is its key.
void boto3_put(const std::string& bucket, const std::vector<std::string>& keys);

/// Credentials of an IAM principal made on moto.
struct MotoPrincipal {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  ///< sessions only
};
/// Creates IAM users and assumed-role sessions on moto (tests/peers/moto_iam.py;
/// `spec` is its JSON spec) and returns their credentials by name.
std::map<std::string, MotoPrincipal> moto_principals(const std::string& spec);

/// Unfinished multipart uploads in the bucket (ListMultipartUploads).
size_t pending_uploads(s3::S3Backend& backend);

/// All keys of a bucket, straight from ListObjectsV2 (recursive).
std::vector<std::string> all_keys(StorageBackend& backend);

/// The fault proxy (tests/support) in front of moto for this test process
/// (started on first use), its rule cleared.
FaultProxy& fault_proxy();

/// The non-secret options a project stores for an S3 integration on moto
/// (`endpoint` replaces moto's): multipart above 256 KiB in 64 KiB parts,
/// no environment. The secret access key goes separately, as a credential.
BackendOptions moto_integration_options(const std::string& endpoint = {});

/// A project with one S3 integration ("Team Bucket" -> s3://<fresh bucket>/prefix)
/// opened through open_backend() from stored non-secret options, the secret
/// coming from WorkspaceOptions::credentials. Multipart above 256 KiB in
/// 64 KiB parts. `endpoint` replaces moto's (the fault proxy); `extra` adds
/// or overrides stored options.
struct S3Project {
  explicit S3Project(const std::string& endpoint = {}, const BackendOptions& extra = {});

  ObjectMeta put_remote(const std::string& key, const std::string& data, std::optional<TimePoint> mtime = {});
  std::string remote_text(const std::string& key);
  /// An import that must succeed without failed transfers.
  OperationResult import(std::vector<std::string> selectors);
  OperationResult export_all();
  OperationResult sync(const SyncRequest& request);

  TempDir dir;
  std::string bucket;
  std::string name = "Team Bucket";
  std::unique_ptr<Workspace> ws;
  std::filesystem::path folder;            ///< the integration's folder in the project
  std::shared_ptr<StorageBackend> remote;  ///< the same place, seen directly (bucket/prefix)
  std::shared_ptr<s3::S3Backend> raw;      ///< the whole bucket, straight to moto
};

/// No temporaries in the project and no unfinished uploads in the bucket.
void check_nothing_partial(S3Project& project);

}  // namespace cloudsync::test
