#include "auth/azure/shared_key.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "auth/azure/header_order.hpp"
#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"
#include "http/http_date.hpp"

namespace cloudsync::auth {

namespace {

// The first version whose string-to-sign signs Content-Length 0 as empty and
// includes every standard header below (older versions sign differently).
constexpr std::string_view kMinVersion = "2015-02-21";

// Standard headers in string-to-sign order, after the verb. Content-Length and
// Date are special-cased; they keep their slots here.
constexpr std::string_view kStandardHeaders[] = {
    "Content-Encoding",  "Content-Language", "Content-Length", "Content-MD5",         "Content-Type", "Date",
    "If-Modified-Since", "If-Match",         "If-None-Match",  "If-Unmodified-Since", "Range",
};

bool is_account_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

// The decoded key, or nullopt unless `text` is non-empty standard base64 (the
// URL-safe alphabet that base64_decode also accepts never appears in keys).
std::optional<std::string> decode_key(std::string_view text) {
  std::string_view body = text;
  while (!body.empty() && body.back() == '=') body.remove_suffix(1);
  bool standard = std::all_of(body.begin(), body.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  });
  if (!standard) return std::nullopt;
  Result<std::string> key = base64_decode(text);
  if (!key.ok() || key->empty()) return std::nullopt;
  return std::move(key).value();
}

bool is_version_date(std::string_view v) {
  if (v.size() != 10 || v[4] != '-' || v[7] != '-') return false;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i != 4 && i != 7 && (v[i] < '0' || v[i] > '9')) return false;
  }
  return true;
}

// A header value as it goes into the string-to-sign, or an error for values
// that would let one header spill into the next line.
Result<std::string_view> signable_value(std::string_view name, std::string_view value) {
  if (value.find_first_of("\r\n") != std::string_view::npos) {
    return make_error(ErrorCode::InvalidArgument, "header {} contains a line break", name);
  }
  return trim(value);
}

Result<std::string> canonicalized_headers(const http::Headers& headers) {
  std::map<std::string, std::vector<std::string_view>> by_name;
  for (const http::Headers::Entry& e : headers.entries()) {
    std::string name = ascii_lower(trim(e.name));
    if (name.rfind("x-ms-", 0) != 0) continue;
    CLOUDSYNC_ASSIGN_OR_RETURN(std::string_view value, signable_value(e.name, e.value));
    by_name[name].push_back(value);
  }
  std::vector<const std::pair<const std::string, std::vector<std::string_view>>*> sorted;
  sorted.reserve(by_name.size());
  for (const auto& entry : by_name) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* x, const auto* y) { return compare_azure_header_names(x->first, y->first) < 0; });
  std::string out;
  for (const auto* entry : sorted) {
    out += entry->first;
    out += ':';
    for (size_t k = 0; k < entry->second.size(); ++k) {
      if (k > 0) out += ',';
      out += entry->second[k];
    }
    out += '\n';
  }
  return out;
}

Result<std::string> canonicalized_resource(std::string_view account, const http::Url& url) {
  std::string out = "/";
  out += account;
  out += url.path;
  CLOUDSYNC_ASSIGN_OR_RETURN(auto params, http::parse_query(url.query));
  std::map<std::string, std::vector<std::string>> by_name;  // ordinal order of names
  for (auto& [name, value] : params) by_name[ascii_lower(name)].push_back(std::move(value));
  for (auto& [name, values] : by_name) {
    std::sort(values.begin(), values.end());
    out += '\n';
    out += name;
    out += ':';
    for (size_t k = 0; k < values.size(); ++k) {
      if (k > 0) out += ',';
      out += values[k];
    }
  }
  return out;
}

}  // namespace

Result<AzureSharedKeySigner> AzureSharedKeySigner::create(std::string account, std::string_view base64_key) {
  // Register first: whatever happens next, the key must not surface anywhere.
  register_secret(base64_key);
  if (account.empty()) return make_error(ErrorCode::InvalidArgument, "the Azure storage account name is empty");
  if (!std::all_of(account.begin(), account.end(), is_account_char)) {
    return make_error(ErrorCode::InvalidArgument,
                      "the Azure storage account name may only contain letters, digits, '-', '_' and '.'");
  }
  if (base64_key.empty()) return make_error(ErrorCode::InvalidArgument, "the Azure storage account key is empty");
  std::optional<std::string> key = decode_key(base64_key);
  if (!key) {
    return make_error(ErrorCode::InvalidArgument,
                      "the Azure storage account key is not valid base64 (copy it whole from the portal's Access keys "
                      "page)");
  }
  return AzureSharedKeySigner(std::move(account), std::move(*key));
}

std::string AzureSharedKeySigner::signature(std::string_view text) const {
  return base64_encode(hmac_sha256(key_, text));
}

Result<std::string> AzureSharedKeySigner::string_to_sign(const http::Request& request) const {
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Url url, http::parse_url(request.url));
  const http::Headers& headers = request.headers;
  std::string out;
  for (char c : request.method) out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  out += '\n';
  for (std::string_view name : kStandardHeaders) {
    std::optional<std::string_view> raw = headers.get(name);
    std::string from_body_size;
    if (name == "Content-Length" && !raw && request.body_size) {
      from_body_size = std::to_string(*request.body_size);
      raw = from_body_size;
    }
    if (name == "Date" && headers.get("x-ms-date")) raw.reset();
    std::string_view value;
    if (raw) {
      CLOUDSYNC_ASSIGN_OR_RETURN(value, signable_value(name, *raw));
    }
    if (name == "Content-Length" && value == "0") value = {};
    out += value;
    out += '\n';
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string x_ms, canonicalized_headers(headers));
  out += x_ms;
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string resource, canonicalized_resource(account_, url));
  out += resource;
  return out;
}

Status AzureSharedKeySigner::sign(http::Request& request, TimePoint now) const {
  std::optional<std::string_view> version = request.headers.get("x-ms-version");
  if (!version) return make_error(ErrorCode::InvalidArgument, "an Azure request must carry x-ms-version to be signed");
  std::string_view v = trim(*version);
  if (!is_version_date(v)) {
    return make_error(ErrorCode::InvalidArgument, "x-ms-version '{}' is not a YYYY-MM-DD date", v);
  }
  if (v < kMinVersion) {
    return make_error(ErrorCode::InvalidArgument, "x-ms-version {} is older than {}, the oldest this signer supports",
                      v, kMinVersion);
  }
  request.headers.set("x-ms-date", format_http_date(now));
  request.headers.remove("Authorization");
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string text, string_to_sign(request));
  request.headers.set("Authorization", "SharedKey " + account_ + ":" + signature(text));
  return Status::OK();
}

}  // namespace cloudsync::auth
