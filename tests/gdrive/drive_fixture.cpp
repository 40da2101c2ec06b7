#include "gdrive/drive_fixture.hpp"

#include <cstdlib>
#include <set>

#include <fmt/format.h>

#include "auth/oauth/token_provider.hpp"
#include "core/hash.hpp"
#include "core/json.hpp"
#include "core/url.hpp"

namespace cloudsync::test {

namespace {

// Loopback tests must not wander through a proxy of the developer's environment.
void drop_proxy_environment() {
  for (const char* name :
       {"http_proxy", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "no_proxy", "NO_PROXY"}) {
    ::unsetenv(name);
  }
}

std::unique_ptr<PeerServer> start_peer(PeerSpec spec) {
  drop_proxy_environment();
  spec.launcher_exits = true;
  spec.ready_timeout = std::chrono::seconds(240);  // the first run of a build tree installs the npm packages
  return std::make_unique<PeerServer>(std::move(spec));
}

std::string json_of(std::initializer_list<std::pair<std::string_view, std::string_view>> fields,
                    const std::vector<std::string>& parents = {}) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  for (const auto& [k, v] : fields) {
    json_write_key(w, k);
    json_write_string(w, v);
  }
  if (!parents.empty()) {
    json_write_key(w, "parents");
    w.StartArray();
    for (const std::string& p : parents) json_write_string(w, p);
    w.EndArray();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string string_field(const rapidjson::Value& v, const char* key) {
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsString()) return {};
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

RawFile raw_file(const rapidjson::Value& v) {
  RawFile f;
  f.id = string_field(v, "id");
  f.name = string_field(v, "name");
  f.mime_type = string_field(v, "mimeType");
  f.version = string_field(v, "version");
  auto trashed = v.FindMember("trashed");
  f.trashed = trashed != v.MemberEnd() && trashed->value.IsBool() && trashed->value.GetBool();
  return f;
}

std::string id_of(const Result<http::Response>& r) {
  REQUIRE_OK(r);
  INFO(r->body);
  REQUIRE(r->status == 200);
  auto doc = parse_json(r->body, "Drive answer");
  REQUIRE_OK(doc);
  std::string id = string_field(*doc, "id");
  REQUIRE_FALSE(id.empty());
  return id;
}

}  // namespace

PeerServer& drive_server() {
  static std::mutex mutex;
  static std::unique_ptr<PeerServer> server;
  std::lock_guard lock(mutex);
  if (!server) {
    PeerSpec spec;
    spec.name = "drive";
    spec.command = {"{peers}/start-drive-mock.sh", "{port}", "{dir}", CLOUDSYNC_TEST_NPM_DIR};
    spec.env = {{"DRIVE_MOCK_EXPORT_LIMIT", std::to_string(kStandInExportLimit)}};
    server = start_peer(std::move(spec));
  }
  return *server;
}

namespace {

// A service-account key file (the signing vectors' key) naming `token_uri`.
std::string service_account_json(const std::string& token_uri) {
  auto vectors = parse_json(
      read_file(std::filesystem::path(CLOUDSYNC_TEST_VECTORS_DIR) / "generated-signing-vectors.json"), "vectors");
  REQUIRE_OK(vectors);
  std::string pem = (*vectors)["google"]["serviceAccountJwt"]["privateKeyPkcs8Pem"].GetString();
  return json_of({{"type", "service_account"},
                  {"project_id", "example-project"},
                  {"private_key_id", "kid-1"},
                  {"private_key", pem},
                  {"client_email", "test-sa@example-project.iam.gserviceaccount.com"},
                  {"token_uri", token_uri}});
}

struct TokenPeer {
  TempDir keys;
  std::unique_ptr<PeerServer> server;
};

TokenPeer& token_peer() {
  static std::mutex mutex;
  static TokenPeer peer;
  std::lock_guard lock(mutex);
  if (!peer.server) {
    write_file(peer.keys / "server-copy.json", service_account_json("http://unused/token"));
    PeerSpec spec;
    spec.name = "oauth";
    spec.command = {"{peers}/start-oauth.sh", "{port}", "{dir}", CLOUDSYNC_TEST_NPM_DIR};
    spec.env = {{"OAUTH_UNIQUE_TOKENS", "1"}, {"OAUTH_SA_KEY_FILE", (peer.keys / "server-copy.json").string()}};
    peer.server = start_peer(std::move(spec));
    write_file(peer.keys / "key.json", service_account_json(peer.server->url() + "/token"));
  }
  return peer;
}

}  // namespace

PeerServer& token_server() { return *token_peer().server; }

std::filesystem::path service_account_key_file() { return token_peer().keys / "key.json"; }

std::string token_uri() { return token_server().url() + "/token"; }

int64_t token_requests(const std::string& grant_type) {
  auto transport = http::make_curl_transport(fast_options());
  Result<http::Response> r = http_get(*transport, token_server().url() + "/__stats__");
  REQUIRE_OK(r);
  REQUIRE(r->status == 200);
  auto doc = parse_json(r->body, "oauth stats");
  REQUIRE_OK(doc);
  const rapidjson::Value& requests = (*doc)["token_requests"];
  return requests.HasMember(grant_type.c_str()) ? requests[grant_type.c_str()].GetInt64() : 0;
}

DriveAdmin::DriveAdmin(std::string base_url)
    : base_(std::move(base_url)), transport_(http::make_curl_transport(fast_options())) {}

Result<http::Response> DriveAdmin::call(const std::string& method, const std::string& path_and_query,
                                        const std::string& body, const std::string& content_type) {
  MemorySource source(body);
  http::Request request;
  request.method = method;
  request.url = base_ + path_and_query;
  request.headers.set("Authorization", "Bearer another-valid-token");
  if (!content_type.empty()) request.headers.set("Content-Type", content_type);
  if (method != "GET" && method != "DELETE") {
    request.body = &source;
    request.body_size = body.size();
  }
  return transport_->send(request, nullptr, {});
}

std::string DriveAdmin::create_folder(const std::string& name, const std::string& parent) {
  return id_of(call("POST", "/drive/v3/files?supportsAllDrives=true&fields=id",
                    json_of({{"name", name}, {"mimeType", "application/vnd.google-apps.folder"}}, {parent}),
                    "application/json"));
}

std::string DriveAdmin::create_file(const std::string& name, const std::string& parent, const std::string& content,
                                    const std::string& mime) {
  std::string metadata = json_of({{"name", name}}, {parent});
  std::string body = "--b0undary\r\nContent-Type: application/json\r\n\r\n" + metadata +
                     "\r\n--b0undary\r\nContent-Type: " + mime + "\r\n\r\n" + content + "\r\n--b0undary--\r\n";
  return id_of(call("POST", "/upload/drive/v3/files?uploadType=multipart&supportsAllDrives=true&fields=id", body,
                    "multipart/related; boundary=b0undary"));
}

std::string DriveAdmin::create_document(const std::string& name, const std::string& parent,
                                        const std::string& google_mime, const std::string& text) {
  std::string metadata = json_of({{"name", name}, {"mimeType", google_mime}}, {parent});
  std::string body = "--b0undary\r\nContent-Type: application/json\r\n\r\n" + metadata +
                     "\r\n--b0undary\r\nContent-Type: text/plain\r\n\r\n" + text + "\r\n--b0undary--\r\n";
  return id_of(call("POST", "/upload/drive/v3/files?uploadType=multipart&supportsAllDrives=true&fields=id", body,
                    "multipart/related; boundary=b0undary"));
}

std::string DriveAdmin::create_shortcut(const std::string& name, const std::string& parent, const std::string& target) {
  std::string metadata = json_of({{"name", name}, {"mimeType", "application/vnd.google-apps.shortcut"}}, {parent});
  metadata.pop_back();
  metadata += ",\"shortcutDetails\":{\"targetId\":\"" + target + "\"}}";
  return id_of(call("POST", "/drive/v3/files?supportsAllDrives=true&fields=id", metadata, "application/json"));
}

std::string DriveAdmin::create_shared_drive(const std::string& name) {
  return id_of(call("POST", "/debug/shared-drive", json_of({{"name", name}}), "application/json"));
}

void DriveAdmin::flag_abusive(const std::string& id) {
  auto r = call("POST", "/debug/flag-abusive", json_of({{"id", id}}), "application/json");
  REQUIRE_OK(r);
  REQUIRE(r->status == 200);
}

void DriveAdmin::deny_trash(const std::string& id) {
  auto r = call("POST", "/debug/deny-trash", json_of({{"id", id}}), "application/json");
  REQUIRE_OK(r);
  REQUIRE(r->status == 200);
}

void DriveAdmin::flag_incomplete_search(const std::string& folder_id) {
  auto r = call("POST", "/debug/incomplete-search", json_of({{"id", folder_id}}), "application/json");
  REQUIRE_OK(r);
  REQUIRE(r->status == 200);
}

void DriveAdmin::repeat_page_tokens(const std::string& folder_id, int cycle) {
  auto r = call("POST", "/debug/repeat-page-token",
                R"({"id":")" + folder_id + R"(","cycle":)" + std::to_string(cycle) + "}", "application/json");
  REQUIRE_OK(r);
  REQUIRE(r->status == 200);
}

void DriveAdmin::nested_answers(int depth, int count, int status) {
  auto r = call("POST", "/debug/nested-answer",
                fmt::format(R"({{"depth":{},"count":{},"status":{}}})", depth, count, status), "application/json");
  REQUIRE_OK(r);
  REQUIRE(r->status == 200);
}

void DriveAdmin::remove(const std::string& id) {
  auto r = call("DELETE", "/drive/v3/files/" + id + "?supportsAllDrives=true", "", "");
  REQUIRE_OK(r);
  REQUIRE(r->status == 204);
}

void DriveAdmin::short_chunks(int count, int keep) {
  auto r =
      call("POST", "/debug/short-chunks",
           R"({"count":)" + std::to_string(count) + R"(,"keep":)" + std::to_string(keep) + "}", "application/json");
  REQUIRE_OK(r);
  REQUIRE(r->status == 200);
}

int DriveAdmin::short_chunks_left() {
  auto r = call("GET", "/debug/short-chunks", "", "");
  REQUIRE_OK(r);
  auto doc = parse_json(r->body, "short chunks");
  REQUIRE_OK(doc);
  return (*doc)["count"].GetInt();
}

void DriveAdmin::expire_tokens() {
  auto r = call("POST", "/debug/expire-tokens", "{}", "application/json");
  REQUIRE_OK(r);
  REQUIRE(r->status == 200);
}

std::set<std::string> DriveAdmin::seen_tokens() {
  auto r = call("GET", "/debug/seen-tokens", "", "");
  REQUIRE_OK(r);
  REQUIRE(r->status == 200);
  auto doc = parse_json(r->body, "seen tokens");
  REQUIRE_OK(doc);
  std::set<std::string> tokens;
  for (const auto& token : (*doc)["tokens"].GetArray()) tokens.insert(token.GetString());
  return tokens;
}

std::optional<RawFile> DriveAdmin::get(const std::string& id) {
  auto r =
      call("GET", "/drive/v3/files/" + id + "?supportsAllDrives=true&fields=id,name,mimeType,trashed,version", "", "");
  REQUIRE_OK(r);
  if (r->status == 404) return std::nullopt;
  INFO(r->body);
  REQUIRE(r->status == 200);
  auto doc = parse_json(r->body, "files.get");
  REQUIRE_OK(doc);
  return raw_file(*doc);
}

std::string DriveAdmin::content(const std::string& id) {
  auto r = call("GET", "/drive/v3/files/" + id + "?supportsAllDrives=true&alt=media", "", "");
  REQUIRE_OK(r);
  INFO(r->body);
  REQUIRE(r->status == 200);
  return r->body;
}

std::vector<RawFile> DriveAdmin::children(const std::string& parent) {
  std::string q = percent_encode("'" + parent + "' in parents");
  auto r = call("GET",
                "/drive/v3/files?supportsAllDrives=true&includeItemsFromAllDrives=true&pageSize=1000&q=" + q +
                    "&fields=" + percent_encode("files(id,name,mimeType,trashed,version)"),
                "", "");
  REQUIRE_OK(r);
  INFO(r->body);
  REQUIRE(r->status == 200);
  auto doc = parse_json(r->body, "files.list");
  REQUIRE_OK(doc);
  std::vector<RawFile> out;
  for (const auto& f : (*doc)["files"].GetArray()) out.push_back(raw_file(f));
  return out;
}

RawFile DriveAdmin::child(const std::string& parent, const std::string& name) {
  std::vector<RawFile> found;
  for (RawFile& f : children(parent)) {
    if (f.name == name && !f.trashed) found.push_back(std::move(f));
  }
  INFO("children named '" << name << "'");
  REQUIRE(found.size() == 1);
  return found.front();
}

std::string fresh_folder() {
  static DriveAdmin admin;
  return admin.create_folder("test-" + random_hex(6), "root");
}

GDriveOptions drive_options(const std::string& folder_id, const std::string& endpoint) {
  GDriveOptions o;
  o.folder_id = folder_id;
  o.endpoint = endpoint;
  o.access_token = "valid-token";
  o.pacer_min_sleep = std::chrono::milliseconds(0);
  o.chunk_size = 256 * 1024;
  return o;
}

std::shared_ptr<StorageBackend> open_drive(GDriveOptions options) {
  auto backend = make_gdrive_backend(std::move(options));
  REQUIRE_OK(backend);
  return *backend;
}

std::shared_ptr<StorageBackend> open_drive_with(const std::string& folder_id,
                                                std::shared_ptr<http::Transport> transport, const std::string& endpoint,
                                                const std::string& token) {
  gdrive::DriveClientConfig config;
  config.endpoint = endpoint;
  config.transport = std::move(transport);
  config.tokens = std::make_shared<auth::StaticTokenProvider>(auth::AccessToken{token, TimePoint::max(), {}});
  config.pacer_min_sleep = std::chrono::milliseconds(0);
  gdrive::BackendSettings settings;
  settings.folder_id = folder_id;
  auto formats = gdrive::ExportFormats::parse("docx,xlsx,pptx,pdf");
  REQUIRE_OK(formats);
  settings.export_formats = *formats;
  settings.chunk_size = 256 * 1024;
  settings.upload_cutoff = 256 * 1024;
  auto backend = gdrive::make_drive_backend(std::move(settings), std::make_shared<gdrive::DriveClient>(config));
  REQUIRE_OK(backend);
  return *backend;
}

DriveProject::DriveProject(BackendOptions credentials) {
  WorkspaceOptions o;
  o.credentials = [credentials](const Integration&) { return credentials; };
  auto w = Workspace::open(dir / "project", o);
  REQUIRE_OK(w);
  ws = std::move(*w);
  IntegrationSpec spec;
  spec.name = name;
  spec.url = "gdrive://" + root;
  spec.writeback = true;
  spec.options = {{"endpoint", drive_server().url()}, {"pacer_min_sleep_ms", "0"}};
  auto integ = ws->add_integration(spec);
  REQUIRE_OK(integ);
  CHECK(integ->folder == "external-files/googledrive/team_drive");
  folder = dir / "project" / integ->folder;
}

void DriveProject::put_remote(const std::string& key, const std::string& data) {
  REQUIRE_OK(drive->write_all(P(key), data, {}, {}));
}

std::string DriveProject::remote_text(const std::string& key) {
  auto r = drive->read_all(P(key), {});
  REQUIRE_OK(r);
  return *r;
}

ObjectMeta DriveProject::remote_head(const std::string& key) {
  auto r = drive->head(P(key), {});
  REQUIRE_OK(r);
  return *r;
}

OperationResult DriveProject::import(std::vector<std::string> selectors, bool dry_run) {
  auto r = ws->import_files(name, ImportRequest{std::move(selectors), dry_run});
  REQUIRE_OK(r);
  return *r;
}

OperationResult DriveProject::export_all() {
  auto r = ws->export_files(name, {});
  REQUIRE_OK(r);
  return *r;
}

OperationResult DriveProject::sync(const SyncRequest& request) {
  auto r = ws->sync(name, request);
  REQUIRE_OK(r);
  return *r;
}

}  // namespace cloudsync::test
