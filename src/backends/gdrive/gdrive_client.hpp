// The Drive v3 REST calls this backend makes, sent through the shared
// http::Client: authorised by a bearer token (one refresh on a 401), paced,
// retried with Drive's rules and mapped to a Status in gdrive_errors. Nothing
// here knows about paths: that is the backend's job.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/oauth/token_provider.hpp"
#include "backends/gdrive/gdrive_errors.hpp"
#include "backends/gdrive/gdrive_file.hpp"
#include "backends/gdrive/gdrive_pacer.hpp"
#include "http/client.hpp"

namespace cloudsync::gdrive {

struct DriveClientConfig {
  /// API base without a trailing slash, e.g. "https://www.googleapis.com".
  std::string endpoint;
  std::shared_ptr<http::Transport> transport;
  std::shared_ptr<auth::TokenProvider> tokens;
  /// Sent as x-goog-user-project on every call when set: the project a
  /// user's quota and billing go to (an ADC file's quota_project_id).
  std::string quota_project;
  http::RetryPolicy retry;
  std::chrono::milliseconds pacer_min_sleep{100};
  uint32_t pacer_burst = 100;
  DriveErrorPolicy errors;
  bool acknowledge_abuse = false;
};

using QueryParams = std::vector<std::pair<std::string, std::string>>;

/// One page of files.list.
struct FileListPage {
  std::vector<DriveFile> files;
  std::string next_page_token;
  bool incomplete_search = false;
};

/// What identifies a new file or the file being replaced.
struct UploadTarget {
  std::string file_id;        ///< update this file (PATCH); empty: create one
  std::string metadata_json;  ///< the File resource to create or change
  std::string content_type;   ///< of the media
};

class DriveClient {
 public:
  explicit DriveClient(DriveClientConfig config);

  const DriveClientConfig& config() const { return config_; }

  /// <endpoint>/drive/v3/files<suffix>?<params>&supportsAllDrives=true
  std::string files_url(std::string_view suffix, QueryParams params) const;
  /// <endpoint>/upload/drive/v3/files<suffix>?<params>&supportsAllDrives=true
  std::string upload_url(std::string_view suffix, QueryParams params) const;

  /// A request, sent through the shared http::Client (bearer token, one
  /// refresh on a 401, pacing, Drive's retry rules). 2xx answers (and
  /// statuses in `accept`) are returned; others become an error Status.
  struct Call : http::Call {
    std::optional<std::string> json_body;  ///< sent as application/json (in place of `body`)
    CallKind kind = CallKind::Metadata;
  };
  Result<http::Response> send(const Call& call, const OpContext& ctx);
  /// A checked ranged GET (see http::Client::ranged_get).
  Result<http::RangedAnswer> ranged_get(const Call& call, const http::RangeRequest& range, const OpContext& ctx);

  // files.get / list / create / update / delete
  Result<DriveFile> get_file(const std::string& id, const OpContext& ctx);
  /// files.list of `query`; `drive_id` non-empty lists that shared drive.
  Result<FileListPage> list_files(const std::string& query, const std::string& page_token, uint32_t page_size,
                                  const std::string& drive_id, const OpContext& ctx);
  /// files.create without content (folders). Not retried after a network error.
  Result<DriveFile> create_file(const std::string& metadata_json, const std::string& what, const OpContext& ctx);
  Result<DriveFile> update_metadata(const std::string& id, const std::string& metadata_json, const std::string& what,
                                    const OpContext& ctx);
  /// Permanent deletion; NotFound when the file is not there.
  Status delete_file(const std::string& id, const std::string& what, const OpContext& ctx);
  /// files.copy of `id`, the new file's resource changed by `metadata_json`
  /// (patch semantics). Not retried after a network error (a repeated copy
  /// makes a twin).
  Result<DriveFile> copy_file(const std::string& id, const std::string& metadata_json, const std::string& what,
                              const OpContext& ctx);

  /// uploadType=multipart: metadata and `size` bytes of media in one request.
  Result<DriveFile> upload_multipart(const UploadTarget& target, ByteSource& data, uint64_t size,
                                     const std::string& what, const OpContext& ctx);
  /// Starts a resumable session (uploadType=resumable); returns the session URI.
  Result<std::string> start_resumable(const UploadTarget& target, std::optional<uint64_t> total,
                                      const std::string& what, const OpContext& ctx);

  /// alt=media of `range` (checked: Content-Range, length), into `sink`.
  Result<http::RangedAnswer> download(const std::string& id, const http::RangeRequest& range, ByteSink& sink,
                                      const std::string& what, const OpContext& ctx);
  /// files.export into memory, at most `cap` bytes.
  Result<std::string> export_file(const std::string& id, const std::string& mime, size_t cap, const std::string& what,
                                  const OpContext& ctx);
  /// GET of one of a file's exportLinks (Google's fallback for large
  /// exports). Only links on the API's own host or Google's are followed, so
  /// the token never goes elsewhere.
  Result<std::string> fetch_export_link(const std::string& url, size_t cap, const std::string& what,
                                        const OpContext& ctx);

  /// Whether `url` is on the API endpoint's host (a session URI or link the
  /// API handed out), so that it may carry the token.
  bool same_host(const std::string& url) const;

 private:
  DriveClientConfig config_;
  Pacer pacer_;
  std::string endpoint_host_;
  http::Client http_;
};

}  // namespace cloudsync::gdrive
