// Names and JSON forms of the catalog's public values (include/cloudsync/catalog.hpp).
#include <array>

#include "cloudsync/catalog.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "core/url.hpp"
#include "core/utf8.hpp"

namespace cloudsync {

namespace {

template <typename Enum, size_t N>
std::optional<Enum> parse_name(std::string_view name, const std::array<std::pair<Enum, std::string_view>, N>& table) {
  std::string folded = fold_case(name);
  for (const auto& [value, text] : table) {
    if (fold_case(text) == folded) return value;
  }
  return std::nullopt;
}

template <typename Enum, size_t N>
std::string_view name_of(Enum value, const std::array<std::pair<Enum, std::string_view>, N>& table) {
  for (const auto& [v, text] : table) {
    if (v == value) return text;
  }
  return "unknown";
}

constexpr std::array<std::pair<Platform, std::string_view>, 6> kPlatforms{{
    {Platform::AWS, "AWS"},
    {Platform::Azure, "Azure"},
    {Platform::GCP, "GCP"},
    {Platform::GoogleDrive, "GoogleDrive"},
    {Platform::Local, "Local"},
    {Platform::Memory, "Memory"},
}};

constexpr std::array<std::pair<IntegrationStatus, std::string_view>, 4> kStatuses{{
    {IntegrationStatus::Unchecked, "UNCHECKED"},
    {IntegrationStatus::Checking, "CHECKING"},
    {IntegrationStatus::Connected, "CONNECTED"},
    {IntegrationStatus::Disconnected, "DISCONNECTED"},
}};

constexpr std::array<std::pair<DisconnectReason, std::string_view>, 9> kReasons{{
    {DisconnectReason::None, "NONE"},
    {DisconnectReason::MissingPermission, "MISSING_PERMISSION"},
    {DisconnectReason::InvalidCredentials, "INVALID_CREDENTIALS"},
    {DisconnectReason::ExpiredCredentials, "EXPIRED_CREDENTIALS"},
    {DisconnectReason::NotFound, "NOT_FOUND"},
    {DisconnectReason::Unreachable, "UNREACHABLE"},
    {DisconnectReason::Throttled, "THROTTLED"},
    {DisconnectReason::ClockSkew, "CLOCK_SKEW"},
    {DisconnectReason::Error, "ERROR"},
}};

constexpr std::array<std::pair<ProbeAction, std::string_view>, 4> kActions{{
    {ProbeAction::List, "list"},
    {ProbeAction::Read, "read"},
    {ProbeAction::Write, "write"},
    {ProbeAction::Delete, "delete"},
}};

}  // namespace

std::string_view platform_name(Platform platform) { return name_of(platform, kPlatforms); }
std::optional<Platform> parse_platform(std::string_view name) {
  // Kili calls an S3-compatible store "CustomS3": it is AWS with an endpoint here.
  if (fold_case(name) == "customs3" || fold_case(name) == "s3") return Platform::AWS;
  if (fold_case(name) == "gdrive" || fold_case(name) == "google_drive" || fold_case(name) == "drive") {
    return Platform::GoogleDrive;
  }
  return parse_name(name, kPlatforms);
}

std::string_view integration_status_name(IntegrationStatus status) { return name_of(status, kStatuses); }
std::optional<IntegrationStatus> parse_integration_status(std::string_view name) { return parse_name(name, kStatuses); }
std::string_view disconnect_reason_name(DisconnectReason reason) { return name_of(reason, kReasons); }
std::string_view probe_action_name(ProbeAction action) { return name_of(action, kActions); }

Platform platform_of(std::string_view url, const BackendOptions& options) {
  // Without "scheme://" a URL is a local path ("/data/bucket"), as
  // parse_storage_url reads it.
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return Platform::Local;
  std::string scheme = fold_case(url.substr(0, sep));
  if (scheme == "az" || scheme == "azure") return Platform::Azure;
  if (scheme == "gdrive") return Platform::GoogleDrive;
  if (scheme == "gs" || scheme == "gcs") return Platform::GCP;
  if (scheme == "file") return Platform::Local;
  if (scheme == "mem" || scheme == "memory") return Platform::Memory;
  auto endpoint = options.find("endpoint");
  if (endpoint != options.end() && fold_case(endpoint->second).find("storage.googleapis.com") != std::string::npos) {
    return Platform::GCP;
  }
  return Platform::AWS;
}

std::string status_check_to_json(const StatusCheck& check) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("status");
  json_write_string(w, integration_status_name(check.status));
  w.Key("reason");
  json_write_string(w, disconnect_reason_name(check.reason));
  w.Key("missing_action");
  if (check.missing_action) {
    json_write_string(w, probe_action_name(*check.missing_action));
  } else {
    w.Null();
  }
  w.Key("provider_code");
  json_write_string(w, check.provider_code);
  w.Key("http_status");
  w.Int(check.http_status);
  w.Key("message");
  json_write_string(w, check.message);
  w.Key("checked_at");
  json_write_string(w, format_rfc3339(check.checked_at, 3));
  w.Key("duration_ms");
  w.Int64(check.duration.count());
  w.Key("passed");
  w.StartArray();
  for (ProbeAction a : check.passed) json_write_string(w, probe_action_name(a));
  w.EndArray();
  w.EndObject();
  return buf.GetString();
}

}  // namespace cloudsync
