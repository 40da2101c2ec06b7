// Shared plumbing of the C ABI: the exception guard, the thread-local last
// error, string hand-off, request parsing and what the workspace and catalog
// entry points have in common (credentials, operation results, plans).
#pragma once

#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "cloudsync.h"
#include "cloudsync/backend.hpp"
#include "cloudsync/catalog.hpp"
#include "cloudsync/progress.hpp"
#include "cloudsync/status.hpp"
#include "cloudsync/sync.hpp"
#include "cloudsync/workspace.hpp"
#include "core/json.hpp"

struct cloudsync_cancel {
  cloudsync::CancelToken token;
};

/// An open backend. Iterators share it, so closing the handle first is safe.
struct cloudsync_storage {
  std::shared_ptr<cloudsync::StorageBackend> backend;
};

/// One handle type for both kinds of plan, so hosts inspect and free them the
/// same way. A tree-sync plan (cloudsync_plan_sync) holds the two ends it was
/// made between and is applied by cloudsync_plan_apply. A connection's plan
/// (cloudsync_connection_diff) holds no ends: only cloudsync_connection_sync
/// applies it, after checking that it still describes the connection.
struct cloudsync_plan {
  std::shared_ptr<cloudsync::StorageBackend> source;
  std::shared_ptr<cloudsync::StorageBackend> destination;
  cloudsync::Plan plan;
  std::string connection_id;  ///< set for a connection's plan
};

namespace cloudsync::capi {

/// Records `status` as this thread's last error and returns its C code.
int fail(const Status& status);
/// The C code of an ErrorCode (from the one error table).
int c_code(ErrorCode code);
/// The ErrorCode of a C code a host returned (Internal for OK or an unknown one).
ErrorCode error_code_of(int c_code);

/// Runs `body` (returning a Status), converting any exception into an error:
/// nothing unwinds into C.
template <class F>
int guarded(F&& body) noexcept {
  try {
    Status s = body();
    return s.ok() ? CLOUDSYNC_OK : fail(s);
  } catch (const std::bad_alloc&) {
    return fail(Status(ErrorCode::Internal, "out of memory"));
  } catch (const std::exception& e) {
    return fail(Status(ErrorCode::Internal, std::string("unexpected failure: ") + e.what()));
  } catch (...) {
    return fail(Status(ErrorCode::Internal, "unexpected failure"));
  }
}

/// A malloc'ed copy the caller frees with cloudsync_free.
char* to_c_string(const std::string& s);
/// Stores a result string through an optional out parameter.
inline void hand_out(char** out, const std::string& s) {
  if (out != nullptr) *out = to_c_string(s);
}

/// Requires a non-NULL argument.
Status require_arg(const void* p, const char* name);
/// Requires the catalog handle argument.
inline Status require_catalog(cloudsync_catalog* catalog) { return require_arg(catalog, "catalog"); }
/// A page of Kili's first/skip paging; `first` 0 asks for every row.
inline PageRequest page_of(uint64_t first, uint64_t skip) { return PageRequest{first == 0 ? UINT64_MAX : first, skip}; }
/// A key argument of the storage calls: non-NULL and a valid Path (no "..",
/// empty segment, leading '/' or control character).
Result<Path> key_arg(const char* key);

/// Parses an optional JSON object argument ("{}" when NULL or empty) and
/// checks that it has only the given keys.
Result<rapidjson::Document> parse_request(const char* json, std::string_view what,
                                          std::initializer_list<std::string_view> known);
/// A JSON object of string values as backend options.
Result<BackendOptions> options_member(const rapidjson::Value& obj, const char* key, std::string_view what);
/// A non-negative integer member.
Result<std::optional<uint64_t>> uint_member(const rapidjson::Value& obj, const char* key, std::string_view what);

/// A JSON object of string values (the whole document) as backend options;
/// NULL or blank is an empty set.
Result<BackendOptions> options_document(const char* json, std::string_view what);
/// A string-array member, nullopt when absent or null (an update leaves the field alone).
Result<std::optional<std::vector<std::string>>> optional_string_array(const rapidjson::Value& obj, const char* key,
                                                                      std::string_view what);
/// The spec fields of an integration ("name" and "url" required; the caller's
/// parse_request decides which of the others are allowed).
Result<IntegrationSpec> integration_spec_member(const rapidjson::Value& obj, std::string_view what);

/// Secrets a host hands over for integrations (by name or id), kept in memory
/// only and looked up each time a backend is opened. Shared by the workspace
/// and catalog handles; safe across threads.
class Credentials {
 public:
  /// Replaces the secrets of one integration (an empty set forgets them).
  void set(const std::string& integration, BackendOptions options);
  /// Those for the integration's name, with those for its id merged over them.
  BackendOptions lookup(const Integration& integration) const;
  /// Reads a "credentials": {"<integration>": {"<option>": "<value>"}} member.
  Status load_member(const rapidjson::Value& obj, std::string_view what);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, BackendOptions> by_key_;
};

}  // namespace cloudsync::capi

/// An open catalog (catalog_api.cpp); record export jobs run on it (records_api.cpp).
struct cloudsync_catalog {
  std::shared_ptr<cloudsync::Catalog> catalog;
  // Shared with the catalog's credentials callback, which may outlive a
  // failed open's handle.
  std::shared_ptr<cloudsync::capi::Credentials> credentials = std::make_shared<cloudsync::capi::Credentials>();
};

/// An open project (workspace_api.cpp); kernel sessions run on it (session_api.cpp).
struct cloudsync_workspace {
  std::unique_ptr<cloudsync::Workspace> ws;
  cloudsync::capi::Credentials credentials;  // memory only
};

namespace cloudsync::capi {

/// {"files": [{"path","origin","size","remote_etag","sha256"}, ...]}.
std::string tracked_files_json(const std::vector<TrackedFile>& files);

/// Adapts a C progress callback to a ProgressCallback (empty when fn is NULL).
ProgressCallback progress_adapter(cloudsync_progress_fn fn, void* user);

inline const CancelToken* token_of(cloudsync_cancel* cancel) { return cancel == nullptr ? nullptr : &cancel->token; }

/// The C-level outcome of operations that ran: OK, or the first failure's code
/// (conflicts and skips are reported outcomes, not failures).
Status outcome_of(const std::vector<const SyncReport*>& reports);

/// Runs an operation returning Result<OperationResult> and hands its JSON out:
/// filled whenever the operation ran, NULL when it could not run at all.
template <class Op>
int run_operation(char** result_json, Op&& op) noexcept {
  if (result_json != nullptr) *result_json = nullptr;
  return guarded([&]() -> Status {
    CLOUDSYNC_ASSIGN_OR_RETURN(OperationResult result, op());
    hand_out(result_json, operation_result_to_json(result));
    return outcome_of({&result.report});
  });
}

}  // namespace cloudsync::capi
