#include "catalog/secrets_file.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <map>

#include "catalog/file_lock.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/redact.hpp"

namespace cloudsync {

namespace fs = std::filesystem;

namespace {

constexpr int kSecretsVersion = 1;
constexpr std::string_view kEnvPrefix = "env:";

using AllSecrets = std::map<std::string, SecretOptions>;

Result<AllSecrets> read_all(const fs::path& file) {
  AllSecrets all;
  std::error_code ec;
  if (!fs::exists(file, ec)) return all;
  struct ::stat st {};
  if (::lstat(file.c_str(), &st) != 0) return errno_error(errno, "stat", file);
  if (!S_ISREG(st.st_mode)) return make_error(ErrorCode::InvalidArgument, "{} is not a regular file", file.string());
  if ((st.st_mode & 077) != 0) {
    return make_error(ErrorCode::PermissionDenied,
                      "{} is readable by other users (mode {:o}); it holds secrets: chmod 600 it", file.string(),
                      st.st_mode & 0777);
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string text, read_small_file(file));
  // The document is never quoted in an error: parse_json names only the file.
  std::string what = "secrets file " + file.string();
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, parse_json(text, what));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto version, json_int(doc, "version", what));
  if (version.value_or(0) != kSecretsVersion) {
    return make_error(ErrorCode::Unsupported, "{} has version {}, this library reads version {}", what,
                      version.value_or(0), kSecretsVersion);
  }
  auto integrations = doc.FindMember("integrations");
  if (integrations == doc.MemberEnd() || !integrations->value.IsObject()) return all;
  for (const auto& i : integrations->value.GetObject()) {
    if (!i.value.IsObject()) return make_error(ErrorCode::InvalidArgument, "{}: malformed entry", what);
    SecretOptions& secrets = all[i.name.GetString()];
    for (const auto& s : i.value.GetObject()) {
      if (!s.value.IsString()) return make_error(ErrorCode::InvalidArgument, "{}: secret values must be strings", what);
      secrets[s.name.GetString()] = std::string(s.value.GetString(), s.value.GetStringLength());
      register_secret(secrets[s.name.GetString()]);
    }
  }
  return all;
}

Status write_all(const fs::path& file, const AllSecrets& all) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("version");
  w.Int(kSecretsVersion);
  w.Key("integrations");
  w.StartObject();
  for (const auto& [id, secrets] : all) {
    if (secrets.empty()) continue;
    json_write_key(w, id);
    w.StartObject();
    for (const auto& [k, v] : secrets) {
      json_write_key(w, k);
      json_write_string(w, v);
    }
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  return write_file_atomically(file, std::string_view(buf.GetString(), buf.GetSize()), 0600);
}

}  // namespace

Result<SecretOptions> SecretsFile::get(const std::string& integration_id) const {
  CLOUDSYNC_ASSIGN_OR_RETURN(AllSecrets all, read_all(file_));
  auto it = all.find(integration_id);
  return it == all.end() ? SecretOptions{} : it->second;
}

Status SecretsFile::put(const std::string& integration_id, const SecretOptions& secrets) {
  for (const auto& [k, v] : secrets) register_secret(v);
  // Read, change, replace under a lock: two processes updating different
  // integrations at once must not lose one another's change.
  fs::path lock_file = file_;
  lock_file += ".lock";
  CLOUDSYNC_ASSIGN_OR_RETURN(FileLock lock, FileLock::acquire(lock_file, "the secrets file", std::chrono::seconds(10)));
  CLOUDSYNC_ASSIGN_OR_RETURN(AllSecrets all, read_all(file_));
  if (secrets.empty()) {
    if (all.erase(integration_id) == 0) return Status::OK();
  } else {
    all[integration_id] = secrets;
  }
  return write_all(file_, all);
}

Result<SecretOptions> resolve_secret_references(const SecretOptions& secrets) {
  SecretOptions out;
  for (const auto& [k, v] : secrets) {
    if (!std::string_view(v).starts_with(kEnvPrefix)) {
      out[k] = v;
      continue;
    }
    std::string name = v.substr(kEnvPrefix.size());
    const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
    if (value == nullptr) {
      return make_error(ErrorCode::InvalidArgument,
                        "the secret '{}' is taken from the environment variable '{}', which is not set", k, name);
    }
    register_secret(value);
    out[k] = value;
  }
  return out;
}

}  // namespace cloudsync
