#include "engine/workspace_state.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <array>
#include <thread>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "core/url.hpp"

namespace cloudsync {

namespace fs = std::filesystem;

namespace {
constexpr int kStateVersion = 1;
}

// Exact names, one list (core/redact.cpp) for refusing, skipping and masking:
// a guess by substring ("token") refused token_uri, which is no secret.
bool is_secret_option(std::string_view key) { return is_credential_option(key); }

Result<std::vector<Integration>> load_integrations(const fs::path& file) {
  std::vector<Integration> out;
  std::error_code ec;
  if (!fs::exists(file, ec)) return out;
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string text, read_small_file(file));
  std::string what = "workspace state " + file.string();
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, parse_json(text, what));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto version, json_int(doc, "version", what));
  if (version.value_or(0) != kStateVersion) {
    return make_error(ErrorCode::Unsupported, "{} has version {}, this library reads version {}", what,
                      version.value_or(0), kStateVersion);
  }
  auto list = doc.FindMember("integrations");
  if (list == doc.MemberEnd() || !list->value.IsArray()) {
    return make_error(ErrorCode::InvalidArgument, "{}: \"integrations\" must be an array", what);
  }
  for (const auto& v : list->value.GetArray()) {
    Integration integ;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto id, json_string(v, "id", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto name, json_string(v, "name", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto url, json_string(v, "url", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto type, json_string(v, "type", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto folder, json_string(v, "folder", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto writeback, json_bool(v, "writeback", what));
    if (!id || !name || !url || !type || !folder) {
      return make_error(ErrorCode::InvalidArgument, "{}: an integration lacks id, name, url, type or folder", what);
    }
    integ.id = *id;
    integ.spec.name = *name;
    // A state file written before URLs were checked may hold credentials in
    // one: they are dropped here, so they are never shown and the next save
    // leaves them out (credentials come from the environment or the host).
    integ.spec.url = without_credentials(*url);
    if (integ.spec.url != *url) {
      log(LogLevel::Warn, "{}: the URL of integration '{}' carried credentials; they were dropped and are no longer "
          "used (give them through the environment or the credentials callback)", what, *name);
    }
    integ.spec.type = *type;
    integ.folder = *folder;
    integ.spec.writeback = writeback.value_or(false);
    CLOUDSYNC_ASSIGN_OR_RETURN(integ.spec.selected_folders, json_string_array(v, "selected_folders", what));
    auto opts = v.FindMember("options");
    if (opts != v.MemberEnd() && opts->value.IsObject()) {
      for (const auto& m : opts->value.GetObject()) {
        if (!m.value.IsString()) return make_error(ErrorCode::InvalidArgument, "{}: option values must be strings", what);
        if (is_secret_option(m.name.GetString())) continue;  // from an older state file: never used, never shown
        integ.spec.options[m.name.GetString()] = m.value.GetString();
      }
    }
    out.push_back(std::move(integ));
  }
  return out;
}

void write_integration(JsonWriter& w, const Integration& i) {
  w.StartObject();
  w.Key("id");
  json_write_string(w, i.id);
  w.Key("name");
  json_write_string(w, i.spec.name);
  w.Key("type");
  json_write_string(w, i.spec.type);
  w.Key("url");
  json_write_string(w, i.spec.url);
  w.Key("folder");
  json_write_string(w, i.folder);
  w.Key("writeback");
  w.Bool(i.spec.writeback);
  w.Key("selected_folders");
  w.StartArray();
  for (const auto& f : i.spec.selected_folders) json_write_string(w, f);
  w.EndArray();
  w.Key("options");
  w.StartObject();
  for (const auto& [k, v] : i.spec.options) {
    if (is_secret_option(k)) continue;  // defence in depth: add_integration refuses them already
    json_write_key(w, k);
    json_write_string(w, v);
  }
  w.EndObject();
  w.EndObject();
}

Status save_integrations(const fs::path& file, const std::vector<Integration>& integrations) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("version");
  w.Int(kStateVersion);
  w.Key("integrations");
  w.StartArray();
  for (const Integration& i : integrations) write_integration(w, i);
  w.EndArray();
  w.EndObject();
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  return write_file_atomically(file, std::string_view(buf.GetString(), buf.GetSize()));
}

Result<WorkspaceLock> WorkspaceLock::acquire(const fs::path& file, std::chrono::milliseconds wait) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  UniqueFd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666));
  if (!fd) return errno_error(errno, "open lock file", file);
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    if (errno == EWOULDBLOCK) {
      return make_error(ErrorCode::Conflict, "another cloudsync operation is running on this project (lock '{}')",
                        file.string());
    }
    return errno_error(errno, "lock", file);
  }
  return WorkspaceLock(std::move(fd));
}

}  // namespace cloudsync
