#include "backends/gdrive/gdrive_client.hpp"

#include <algorithm>

#include "auth/oauth/bearer_authorizer.hpp"
#include "backends/gdrive/gdrive_multipart_body.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/url.hpp"

namespace cloudsync::gdrive {

namespace {

// Collects an export in memory, refusing more than `cap` bytes.
class CappedStringSink final : public ByteSink {
 public:
  CappedStringSink(size_t cap, std::string what) : cap_(cap), what_(std::move(what)) {}
  Status write(std::string_view data) override {
    if (out.size() + data.size() > cap_) {
      return make_error(ErrorCode::LimitExceeded, "{}: the export is larger than {} bytes", what_, cap_);
    }
    out.append(data);
    return Status::OK();
  }
  std::string out;

 private:
  size_t cap_;
  std::string what_;
};

std::string build_url(const std::string& base, const QueryParams& params) {
  std::string url = base;
  char sep = '?';
  for (const auto& [name, value] : params) {
    url += sep;
    url += percent_encode(name);
    url += '=';
    url += percent_encode(value);
    sep = '&';
  }
  return url;
}

std::string fields_param() { return std::string(kFileFields); }

http::Headers quota_headers(const DriveClientConfig& config) {
  http::Headers headers;
  if (!config.quota_project.empty()) headers.set("x-goog-user-project", config.quota_project);
  return headers;
}

}  // namespace

DriveClient::DriveClient(DriveClientConfig config)
    : config_(std::move(config)),
      pacer_(config_.pacer_min_sleep, config_.pacer_burst),
      http_(http::Client::Settings{config_.transport, config_.retry,
                                   std::make_shared<auth::BearerAuthorizer>(config_.tokens, quota_headers(config_)),
                                   nullptr, [this](const OpContext& ctx) { return pacer_.acquire(ctx); }}) {
  while (!config_.endpoint.empty() && config_.endpoint.back() == '/') config_.endpoint.pop_back();
  if (auto url = http::parse_url(config_.endpoint); url.ok()) endpoint_host_ = url->authority();
}

std::string DriveClient::files_url(std::string_view suffix, QueryParams params) const {
  params.emplace_back("supportsAllDrives", "true");
  return build_url(config_.endpoint + "/drive/v3/files" + std::string(suffix), params);
}

std::string DriveClient::upload_url(std::string_view suffix, QueryParams params) const {
  params.emplace_back("supportsAllDrives", "true");
  return build_url(config_.endpoint + "/upload/drive/v3/files" + std::string(suffix), params);
}

bool DriveClient::same_host(const std::string& url) const {
  auto parsed = http::parse_url(url);
  return parsed.ok() && !endpoint_host_.empty() && parsed->authority() == endpoint_host_;
}

Result<http::Response> DriveClient::send(const Call& call, const OpContext& ctx) {
  DriveAnswerReader reader(call.kind, config_.errors, pacer_);
  if (!call.json_body) return http_.send(call, reader, ctx);
  http::Call with_json = call;
  MemorySource json_source(*call.json_body);
  with_json.body = &json_source;
  with_json.body_size = call.json_body->size();
  with_json.headers.set("Content-Type", "application/json; charset=UTF-8");
  return http_.send(with_json, reader, ctx);
}

Result<http::RangedAnswer> DriveClient::ranged_get(const Call& call, const http::RangeRequest& range,
                                                   const OpContext& ctx) {
  DriveAnswerReader reader(call.kind, config_.errors, pacer_);
  return http_.ranged_get(call, range, reader, ctx);
}

Result<DriveFile> DriveClient::get_file(const std::string& id, const OpContext& ctx) {
  Call call;
  call.url = files_url("/" + percent_encode(id), {{"fields", fields_param()}});
  call.what = fmt::format("Drive files.get {}", id);
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Response response, send(call, ctx));
  return parse_drive_file(response.body, call.what);
}

Result<FileListPage> DriveClient::list_files(const std::string& query, const std::string& page_token,
                                             uint32_t page_size, const std::string& drive_id, const OpContext& ctx) {
  QueryParams params{{"q", query},
                     {"fields", "nextPageToken,incompleteSearch,files(" + fields_param() + ")"},
                     {"pageSize", std::to_string(page_size)},
                     {"includeItemsFromAllDrives", "true"}};
  if (drive_id.empty()) {
    params.emplace_back("corpora", "user");
  } else {
    params.emplace_back("corpora", "drive");
    params.emplace_back("driveId", drive_id);
  }
  if (!page_token.empty()) params.emplace_back("pageToken", page_token);
  Call call;
  call.url = files_url("", std::move(params));
  call.what = "Drive files.list";
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Response response, send(call, ctx));
  auto doc = parse_json(response.body, "files.list answer");
  if (!doc.ok())
    return make_error(ErrorCode::BadResponse, "Drive answered files.list malformed: {}", doc.status().message());
  if (!doc->IsObject()) return make_error(ErrorCode::BadResponse, "files.list answered with no JSON object");
  FileListPage page;
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<std::string> next, json_string(*doc, "nextPageToken", "files.list"));
  page.next_page_token = next.value_or("");
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<bool> incomplete, json_bool(*doc, "incompleteSearch", "files.list"));
  page.incomplete_search = incomplete.value_or(false);
  if (auto files = doc->FindMember("files"); files != doc->MemberEnd() && files->value.IsArray()) {
    for (const auto& item : files->value.GetArray()) {
      CLOUDSYNC_ASSIGN_OR_RETURN(DriveFile f, parse_drive_file(item, "files.list"));
      page.files.push_back(std::move(f));
    }
  }
  return page;
}

Result<DriveFile> DriveClient::create_file(const std::string& metadata_json, const std::string& what,
                                           const OpContext& ctx) {
  Call call;
  call.method = "POST";
  call.url = files_url("", {{"fields", fields_param()}});
  call.json_body = metadata_json;
  call.idempotent = false;  // a repeated create makes a twin
  call.what = what;
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Response response, send(call, ctx));
  return parse_drive_file(response.body, what);
}

Result<DriveFile> DriveClient::update_metadata(const std::string& id, const std::string& metadata_json,
                                               const std::string& what, const OpContext& ctx) {
  Call call;
  call.method = "PATCH";
  call.url = files_url("/" + percent_encode(id), {{"fields", fields_param()}});
  call.json_body = metadata_json;
  call.what = what;
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Response response, send(call, ctx));
  return parse_drive_file(response.body, what);
}

Status DriveClient::delete_file(const std::string& id, const std::string& what, const OpContext& ctx) {
  Call call;
  call.method = "DELETE";
  call.url = files_url("/" + percent_encode(id), {});
  call.what = what;
  return send(call, ctx).status();
}

Result<DriveFile> DriveClient::copy_file(const std::string& id, const std::string& metadata_json,
                                         const std::string& what, const OpContext& ctx) {
  Call call;
  call.method = "POST";
  call.url = files_url("/" + percent_encode(id) + "/copy", {{"fields", fields_param()}});
  call.json_body = metadata_json;
  call.idempotent = false;
  call.what = what;
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Response response, send(call, ctx));
  return parse_drive_file(response.body, what);
}

Result<DriveFile> DriveClient::upload_multipart(const UploadTarget& target, ByteSource& data, uint64_t size,
                                                const std::string& what, const OpContext& ctx) {
  MultipartRelatedBody body(target.metadata_json, target.content_type, data, size);
  Call call;
  call.method = target.file_id.empty() ? "POST" : "PATCH";
  call.url = upload_url(target.file_id.empty() ? std::string() : "/" + percent_encode(target.file_id),
                        {{"uploadType", "multipart"}, {"fields", fields_param()}});
  call.headers.set("Content-Type", body.content_type());
  call.body = &body;
  call.body_size = body.size();
  // Replacing a file's content twice is harmless; creating it twice is a twin.
  call.idempotent = !target.file_id.empty();
  call.kind = CallKind::Upload;
  call.what = what;
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Response response, send(call, ctx));
  return parse_drive_file(response.body, what);
}

Result<std::string> DriveClient::start_resumable(const UploadTarget& target, std::optional<uint64_t> total,
                                                 const std::string& what, const OpContext& ctx) {
  Call call;
  call.method = target.file_id.empty() ? "POST" : "PATCH";
  call.url = upload_url(target.file_id.empty() ? std::string() : "/" + percent_encode(target.file_id),
                        {{"uploadType", "resumable"}, {"fields", fields_param()}});
  call.json_body = target.metadata_json;
  call.headers.set("X-Upload-Content-Type", target.content_type);
  if (total) call.headers.set("X-Upload-Content-Length", std::to_string(*total));
  call.kind = CallKind::Upload;  // starting a session twice only leaves an unused session
  call.what = what;
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Response response, send(call, ctx));
  std::optional<std::string_view> location = response.headers.get("Location");
  if (!location || location->empty()) {
    return make_error(ErrorCode::Internal, "{}: Drive started no upload session (no Location header)", what);
  }
  // The session URI lets anyone holding it upload into the file; redact()
  // masks its upload_id wherever it would be printed.
  return std::string(*location);
}

Result<http::RangedAnswer> DriveClient::download(const std::string& id, const http::RangeRequest& range, ByteSink& sink,
                                                 const std::string& what, const OpContext& ctx) {
  QueryParams params{{"alt", "media"}};
  if (config_.acknowledge_abuse) params.emplace_back("acknowledgeAbuse", "true");
  Call call;
  call.url = files_url("/" + percent_encode(id), std::move(params));
  call.sink = &sink;
  call.kind = CallKind::Download;
  call.what = what;
  return ranged_get(call, range, ctx);
}

Result<std::string> DriveClient::export_file(const std::string& id, const std::string& mime, size_t cap,
                                             const std::string& what, const OpContext& ctx) {
  CappedStringSink sink(cap, what);
  Call call;
  // files.export takes no supportsAllDrives parameter; built by hand.
  call.url = build_url(config_.endpoint + "/drive/v3/files/" + percent_encode(id) + "/export", {{"mimeType", mime}});
  call.sink = &sink;
  call.kind = CallKind::Export;
  call.what = what;
  CLOUDSYNC_RETURN_IF_ERROR(send(call, ctx));
  return std::move(sink.out);
}

Result<std::string> DriveClient::fetch_export_link(const std::string& url, size_t cap, const std::string& what,
                                                   const OpContext& ctx) {
  auto parsed = http::parse_url(url);
  if (!parsed.ok()) return make_error(ErrorCode::Internal, "{}: unusable export link", what);
  const std::string& host = parsed->host;
  bool google =
      parsed->scheme == "https" && (host == "docs.google.com" || host.ends_with(".google.com") ||
                                    host.ends_with(".googleapis.com") || host.ends_with(".googleusercontent.com"));
  if (!google && !same_host(url)) {
    return make_error(ErrorCode::PermissionDenied, "{}: the export link points to {}, which is not Google", what, host);
  }
  CappedStringSink sink(cap, what);
  Call call;
  call.url = url;
  call.sink = &sink;
  call.kind = CallKind::Export;
  call.what = what;
  CLOUDSYNC_RETURN_IF_ERROR(send(call, ctx));
  return std::move(sink.out);
}

}  // namespace cloudsync::gdrive
