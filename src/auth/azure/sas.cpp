#include "auth/azure/sas.hpp"

#include <array>
#include <map>
#include <utility>

#include "auth/azure/shared_key.hpp"
#include "core/error.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"
#include "core/url.hpp"
#include "http/http.hpp"

namespace cloudsync::auth {

namespace {

// SAS times are ISO 8601 UTC with date, minute or second precision
// ("2024-01-02", "2024-01-02T00:00Z", "2024-01-02T00:00:00Z", fractions allowed).
Result<TimePoint> parse_sas_time(std::string_view name, std::string_view text) {
  std::string full(text);
  if (full.size() == 10) {
    full += "T00:00:00Z";
  } else if (full.size() == 17 && full[13] == ':' && full[16] == 'Z') {
    full.insert(16, ":00");
  }
  Result<TimePoint> t = parse_rfc3339(full);
  if (!t.ok()) {
    return make_error(ErrorCode::InvalidArgument, "SAS token parameter {} is not a UTC time: '{}'", name, text);
  }
  return t;
}

std::string sas_time(TimePoint t) { return format_rfc3339(t, 0); }

std::string_view permission_name(char p) {
  switch (p) {
    case 'r': return "read";
    case 'a': return "add";
    case 'c': return "create";
    case 'w': return "write";
    case 'd': return "delete";
    case 'l': return "list";
    case 't': return "tags";
    case 'f': return "filter by tags";
    case 'x': return "delete version";
    case 'u': return "update";
    case 'p': return "process";
    default: return "?";
  }
}

// Appends "&name=value" (no '&' first) when value is not empty.
void add_param(std::string& token, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  if (!token.empty()) token += '&';
  token += name;
  token += '=';
  token += percent_encode(value);
}

std::string optional_time(const std::optional<TimePoint>& t) { return t ? sas_time(*t) : std::string(); }

// Joins fields with '\n' (the SAS string-to-sign layout: one line per field).
template <size_t N>
std::string lines(const std::array<std::string_view, N>& fields) {
  std::string out;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) out += '\n';
    out += fields[i];
  }
  return out;
}

}  // namespace

Result<AzureSasToken> parse_sas_token(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  if (!text.empty() && text.front() == '?') text.remove_prefix(1);
  if (text.find("://") != std::string_view::npos) {
    return make_error(ErrorCode::InvalidArgument, "expected a SAS token (the part after '?'), got a URL");
  }
  AzureSasToken token;
  token.query = std::string(text);
  std::map<std::string, std::string, std::less<>> params;
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view raw_name = part.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    if (raw_name == "sig") register_secret(raw_value);  // as it appears in URLs
    Result<std::string> value = percent_decode(raw_value);
    if (!value.ok()) {
      return make_error(ErrorCode::InvalidArgument, "SAS token parameter {} is not correctly percent-encoded",
                        raw_name);
    }
    if (raw_name == "sig") register_secret(*value);
    if (!params.emplace(std::string(raw_name), std::move(value).value()).second) {
      return make_error(ErrorCode::InvalidArgument, "SAS token has more than one {} parameter", raw_name);
    }
  }
  auto take = [&params](std::string_view name) {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  };
  token.version = take("sv");
  if (token.version.empty()) {
    return make_error(ErrorCode::InvalidArgument, "not a SAS token: the signed version (sv) is missing");
  }
  if (take("sig").empty()) {
    return make_error(ErrorCode::InvalidArgument, "not a SAS token: the signature (sig) is missing");
  }
  token.permissions = take("sp");
  token.resource = take("sr");
  token.services = take("ss");
  token.resource_types = take("srt");
  token.identifier = take("si");
  for (auto [name, field] : {std::pair<std::string_view, std::optional<TimePoint>*>{"st", &token.starts},
                             std::pair<std::string_view, std::optional<TimePoint>*>{"se", &token.expires},
                             std::pair<std::string_view, std::optional<TimePoint>*>{"ske", &token.key_expires}}) {
    std::string value = take(name);
    if (value.empty()) continue;
    CLOUDSYNC_ASSIGN_OR_RETURN(*field, parse_sas_time(name, value));
  }
  if (!token.expires && token.identifier.empty()) {
    return make_error(ErrorCode::InvalidArgument,
                      "SAS token has neither an expiry (se) nor a stored access policy (si)");
  }
  return token;
}

Result<AzureSasUrl> parse_sas_url(std::string_view url) {
  Result<http::Url> parsed = http::parse_url(url);
  if (!parsed.ok()) return make_error(ErrorCode::InvalidArgument, "the SAS URL is not an absolute http(s) URL");
  if (parsed->query.empty()) {
    return make_error(ErrorCode::InvalidArgument, "the SAS URL has no token (nothing after '?')");
  }
  AzureSasUrl out;
  CLOUDSYNC_ASSIGN_OR_RETURN(out.token, parse_sas_token(parsed->query));
  out.resource_url = parsed->scheme + "://" + parsed->authority() + parsed->path;
  return out;
}

Status check_sas_token(const AzureSasToken& token, std::string_view permissions, TimePoint now) {
  if (token.expires && now >= *token.expires) {
    return make_error(ErrorCode::Unauthenticated, "the SAS token expired at {}; ask for a new one",
                      sas_time(*token.expires));
  }
  if (token.key_expires && now >= *token.key_expires) {
    return make_error(ErrorCode::Unauthenticated, "the user delegation key of the SAS token expired at {}",
                      sas_time(*token.key_expires));
  }
  if (token.starts && now < *token.starts) {
    return make_error(ErrorCode::Unauthenticated, "the SAS token is not valid before {}", sas_time(*token.starts));
  }
  if (token.is_account_sas() && token.services.find('b') == std::string::npos) {
    return make_error(ErrorCode::PermissionDenied, "the account SAS token does not cover the blob service (ss={})",
                      token.services);
  }
  if (token.permissions.empty() && !token.identifier.empty()) return Status::OK();  // the policy decides
  for (char p : permissions) {
    if (!token.grants(p)) {
      return make_error(ErrorCode::PermissionDenied, "the SAS token does not grant '{}' ({}); it grants '{}'", p,
                        permission_name(p), token.permissions);
    }
  }
  return Status::OK();
}

std::string append_sas_token(std::string_view url, const AzureSasToken& token) {
  std::string out(url);
  size_t q = out.find('?');
  if (q == std::string::npos) {
    out += '?';
  } else if (out.back() != '?' && out.back() != '&') {
    out += '&';
  }
  out += token.query;
  return out;
}

// Field lists for sv 2020-12-06 and later (kAzureSasVersion is 2022-11-02):
// learn.microsoft.com/rest/api/storageservices/create-service-sas and
// create-account-sas, "Version 2020-12-06 and later".
Result<GeneratedSas> generate_blob_sas(const AzureSharedKeySigner& key, const BlobSasOptions& o) {
  if (o.container.empty()) return make_error(ErrorCode::InvalidArgument, "a blob SAS needs a container");
  if (!o.expires && o.identifier.empty()) {
    return make_error(ErrorCode::InvalidArgument, "a blob SAS needs an expiry or a stored access policy");
  }
  if (o.permissions.empty() && o.identifier.empty()) {
    return make_error(ErrorCode::InvalidArgument, "a blob SAS needs permissions or a stored access policy");
  }
  std::string_view resource = o.blob.empty() ? "c" : "b";
  // The resource names the blob decoded; only the URL carries it encoded.
  std::string canonical = "/blob/" + key.account() + "/" + o.container;
  if (!o.blob.empty()) canonical += "/" + o.blob;
  std::string starts = optional_time(o.starts);
  std::string expires = optional_time(o.expires);
  GeneratedSas out;
  out.string_to_sign = lines(std::array<std::string_view, 16>{
      o.permissions, starts, expires, canonical, o.identifier, o.ip_range, o.protocol, kAzureSasVersion, resource,
      /*signedSnapshotTime*/ "", o.encryption_scope, o.cache_control, o.content_disposition, o.content_encoding,
      o.content_language, o.content_type});
  std::string sig = key.signature(out.string_to_sign);
  register_secret(sig);
  // Parameter order as the Azure SDKs write it (the service does not care).
  add_param(out.token, "sv", kAzureSasVersion);
  add_param(out.token, "spr", o.protocol);
  add_param(out.token, "st", starts);
  add_param(out.token, "se", expires);
  add_param(out.token, "sip", o.ip_range);
  add_param(out.token, "si", o.identifier);
  add_param(out.token, "ses", o.encryption_scope);
  add_param(out.token, "sr", resource);
  add_param(out.token, "sp", o.permissions);
  add_param(out.token, "rscc", o.cache_control);
  add_param(out.token, "rscd", o.content_disposition);
  add_param(out.token, "rsce", o.content_encoding);
  add_param(out.token, "rscl", o.content_language);
  add_param(out.token, "rsct", o.content_type);
  add_param(out.token, "sig", sig);
  return out;
}

Result<GeneratedSas> generate_account_sas(const AzureSharedKeySigner& key, const AccountSasOptions& o) {
  if (o.services.empty() || o.resource_types.empty() || o.permissions.empty()) {
    return make_error(ErrorCode::InvalidArgument, "an account SAS needs services, resource types and permissions");
  }
  std::string starts = optional_time(o.starts);
  std::string expires = sas_time(o.expires);
  GeneratedSas out;
  // The empty last field gives the trailing newline this version requires.
  out.string_to_sign = lines(std::array<std::string_view, 11>{key.account(), o.permissions, o.services,
                                                              o.resource_types, starts, expires, o.ip_range, o.protocol,
                                                              kAzureSasVersion, o.encryption_scope, ""});
  std::string sig = key.signature(out.string_to_sign);
  register_secret(sig);
  add_param(out.token, "sv", kAzureSasVersion);
  add_param(out.token, "ss", o.services);
  add_param(out.token, "srt", o.resource_types);
  add_param(out.token, "spr", o.protocol);
  add_param(out.token, "st", starts);
  add_param(out.token, "se", expires);
  add_param(out.token, "sip", o.ip_range);
  add_param(out.token, "ses", o.encryption_scope);
  add_param(out.token, "sp", o.permissions);
  add_param(out.token, "sig", sig);
  return out;
}

}  // namespace cloudsync::auth
