#include "auth/aws/sigv4.hpp"

#include <algorithm>
#include <array>
#include <mutex>
#include <utility>
#include <vector>

#include <openssl/crypto.h>

#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"
#include "core/url.hpp"

namespace cloudsync::auth {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";

bool iless(std::string_view a, std::string_view b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return ascii_lower(x) < ascii_lower(y); });
}

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

bool is_upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// Never signed; see the header for why each is excluded.
constexpr std::array<std::string_view, 11> kUnsignedHeaders{
    "authorization",    "user-agent", "x-amzn-trace-id",   "expect",  "connection", "keep-alive", "proxy-authorization",
    "proxy-connection", "te",         "transfer-encoding", "upgrade",
};

bool is_signable(std::string_view name, SigV4Mode mode) {
  if (name.empty()) return false;
  if (mode == SigV4Mode::S3 && iequals(name, "content-length")) return false;
  return std::none_of(kUnsignedHeaders.begin(), kUnsignedHeaders.end(),
                      [&](std::string_view skip) { return iequals(name, skip); });
}

// Header values: trimmed, inner whitespace runs (including the line breaks of
// folded multi-line values) collapsed to one space.
void append_header_value(std::string& out, std::string_view value) {
  bool first = true;
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && is_ascii_space(value[i])) ++i;
    size_t word = i;
    while (i < value.size() && !is_ascii_space(value[i])) ++i;
    if (i == word) break;
    if (!first) out.push_back(' ');
    out.append(value.substr(word, i - word));
    first = false;
  }
}

void append_lower(std::string& out, std::string_view name) {
  size_t start = out.size();
  out.append(name);
  for (size_t i = start; i < out.size(); ++i) out[i] = ascii_lower(out[i]);
}

struct CanonicalHeaders {
  std::string block;         // "name:value\n" lines
  std::string signed_names;  // "a;b;c"
};

// The Host the transport sends comes from the URL; an explicit Host header
// that differs would be signed for one host and sent to another.
Status check_host_header(const http::Headers& headers, std::string_view authority) {
  for (const http::Headers::Entry& e : headers.entries()) {
    if (iequals(e.name, "host") && !iequals(trim(e.value), authority)) {
      return make_error(ErrorCode::InvalidArgument, "Host header '{}' does not match the URL authority '{}'", e.value,
                        authority);
    }
  }
  return Status::OK();
}

// `host` is signed from `authority`; Host entries in `headers` must have been
// checked with check_host_header().
CanonicalHeaders canonical_headers(const http::Headers& headers, std::string_view authority, SigV4Mode mode) {
  struct Ref {
    std::string_view name;
    std::string_view value;
  };
  std::vector<Ref> refs;
  refs.reserve(headers.entries().size() + 1);
  refs.push_back(Ref{"host", authority});
  for (const http::Headers::Entry& e : headers.entries()) {
    if (!iequals(e.name, "host") && is_signable(e.name, mode)) refs.push_back(Ref{e.name, e.value});
  }
  // Stable: the values of a repeated header are joined in the order sent.
  std::stable_sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) { return iless(a.name, b.name); });

  CanonicalHeaders out;
  size_t size = 0;
  for (const Ref& r : refs) size += r.name.size() + r.value.size() + 2;
  out.block.reserve(size);
  out.signed_names.reserve(size / 2);
  for (size_t i = 0; i < refs.size(); ++i) {
    if (i > 0 && iequals(refs[i].name, refs[i - 1].name)) {
      out.block.push_back(',');
    } else {
      if (i > 0) {
        out.block.push_back('\n');
        out.signed_names.push_back(';');
      }
      append_lower(out.block, refs[i].name);
      append_lower(out.signed_names, refs[i].name);
      out.block.push_back(':');
    }
    append_header_value(out.block, refs[i].value);
  }
  out.block.push_back('\n');
  return out;
}

// RFC 3986 remove_dot_segments plus empty-segment collapsing, as the generic
// SigV4 rules ask; a trailing '/' (or a final "." / "..") is kept as a '/'.
std::string normalized_path(std::string_view path) {
  std::vector<std::string_view> segments;
  bool ends_with_dir = false;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    std::string_view seg = path.substr(0, slash);
    if (seg.empty() || seg == ".") {
      ends_with_dir = true;
    } else if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
      ends_with_dir = true;
    } else {
      segments.push_back(seg);
      ends_with_dir = false;
    }
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  std::string out = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(segments[i]);
  }
  if (ends_with_dir && !segments.empty()) out.push_back('/');
  return out;
}

Status append_canonical_uri(std::string& out, std::string_view path, SigV4Mode mode, bool normalize) {
  if (path.empty()) path = "/";
  if (mode == SigV4Mode::Generic) {
    out.append(normalize ? percent_encode(normalized_path(path), "/") : percent_encode(path, "/"));
    return Status::OK();
  }
  // S3 re-derives the canonical URI by encoding the key it decoded from the
  // path, so only the exact output of uri_encode_s3_key() signs correctly.
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (is_unreserved(c) || c == '/') continue;
    if (c == '%' && i + 2 < path.size() && is_upper_hex(path[i + 1]) && is_upper_hex(path[i + 2])) {
      i += 2;
      continue;
    }
    return make_error(ErrorCode::InvalidArgument,
                      "S3 request path '{}' is not encoded with uri_encode_s3_key (byte {} at offset {})", path,
                      static_cast<int>(static_cast<unsigned char>(c)), i);
  }
  out.append(path);
  return Status::OK();
}

using DecodedQuery = std::vector<std::pair<std::string, std::string>>;
using QueryParam = std::pair<std::string, std::string>;  // encoded name, encoded value

// Parameters (decoded, as parse_query gives them) re-encoded with the strict
// encoder, sorted by encoded name then value; "name=" for an empty value.
// `extra` are decoded (name, value) pairs the signer adds (presigning).
std::string canonical_query(const DecodedQuery& decoded,
                            const std::vector<std::pair<std::string_view, std::string>>& extra) {
  if (decoded.empty() && extra.empty()) return std::string();
  std::vector<QueryParam> params;
  params.reserve(decoded.size() + extra.size());
  size_t size = 0;
  auto add = [&](std::string_view name, std::string_view value) {
    params.emplace_back(percent_encode(name), percent_encode(value));
    size += params.back().first.size() + params.back().second.size() + 2;
  };
  for (const auto& [name, value] : decoded) add(name, value);
  for (const auto& [name, value] : extra) add(name, value);
  std::sort(params.begin(), params.end());
  std::string out;
  out.reserve(size);
  for (const QueryParam& p : params) {
    if (!out.empty()) out.push_back('&');
    out.append(p.first);
    out.push_back('=');
    out.append(p.second);
  }
  return out;
}

std::string assemble_canonical_request(std::string_view method, std::string_view uri_and_query,
                                       const CanonicalHeaders& headers, std::string_view payload_hash) {
  std::string out;
  out.reserve(method.size() + uri_and_query.size() + headers.block.size() + headers.signed_names.size() +
              payload_hash.size() + 4);
  out.append(method).push_back('\n');
  out.append(uri_and_query).push_back('\n');
  out.append(headers.block).push_back('\n');
  out.append(headers.signed_names).push_back('\n');
  out.append(payload_hash);
  return out;
}

// Names the signer puts into presigned URLs; a URL that already has one is
// already presigned (or would be ambiguous) and is refused.
constexpr std::array<std::string_view, 7> kPresignParams{
    "X-Amz-Algorithm",     "X-Amz-Credential", "X-Amz-Date",           "X-Amz-Expires",
    "X-Amz-SignedHeaders", "X-Amz-Signature",  "X-Amz-Security-Token",
};

}  // namespace

std::string uri_encode_s3_key(std::string_view key) { return percent_encode(key, "/"); }

std::string derive_sigv4_signing_key(std::string_view secret_access_key, std::string_view date, std::string_view region,
                                     std::string_view service) {
  std::string seed;
  seed.reserve(4 + secret_access_key.size());
  seed.append("AWS4").append(secret_access_key);
  std::string k = hmac_sha256(seed, date);
  OPENSSL_cleanse(seed.data(), seed.size());
  k = hmac_sha256(k, region);
  k = hmac_sha256(k, service);
  return hmac_sha256(k, kTerminator);
}

// One slot: a signer has a fixed region and service, and dates only move
// forward, so the key changes once a day (a second slot would only help the
// few requests that straddle midnight).
struct SigV4Signer::KeyCache {
  std::mutex mutex;
  std::string date;  // "YYYYMMDD" the key was derived for; empty before the first use
  std::string key;
  uint64_t derivations = 0;

  ~KeyCache() { OPENSSL_cleanse(key.data(), key.size()); }
};

SigV4Signer::SigV4Signer(AwsCredentials credentials, std::string region, std::string service, SigV4Mode mode,
                         bool normalize_path)
    : credentials_(std::move(credentials)),
      region_(std::move(region)),
      service_(std::move(service)),
      mode_(mode),
      normalize_path_(normalize_path && mode == SigV4Mode::Generic),
      cache_(std::make_unique<KeyCache>()) {
  register_secret(credentials_.secret_access_key);
  if (!credentials_.session_token.empty()) register_secret(credentials_.session_token);
}

SigV4Signer::~SigV4Signer() {
  OPENSSL_cleanse(credentials_.secret_access_key.data(), credentials_.secret_access_key.size());
  OPENSSL_cleanse(credentials_.session_token.data(), credentials_.session_token.size());
}
SigV4Signer::SigV4Signer(SigV4Signer&&) noexcept = default;
SigV4Signer& SigV4Signer::operator=(SigV4Signer&&) noexcept = default;

uint64_t SigV4Signer::signing_key_derivations() const noexcept {
  std::lock_guard lock(cache_->mutex);
  return cache_->derivations;
}

std::string SigV4Signer::credential_scope(std::string_view date) const {
  std::string scope;
  scope.reserve(date.size() + region_.size() + service_.size() + kTerminator.size() + 3);
  scope.append(date).append("/").append(region_).append("/").append(service_).append("/").append(kTerminator);
  return scope;
}

SigV4Signature SigV4Signer::finish(std::string canonical_request, std::string signed_headers, std::string_view amz_date,
                                   std::string_view scope) const {
  std::string_view date = amz_date.substr(0, 8);
  SigV4Signature out;
  out.string_to_sign.reserve(kAlgorithm.size() + amz_date.size() + scope.size() + 64 + 3);
  out.string_to_sign.append(kAlgorithm).append("\n").append(amz_date).append("\n").append(scope).append("\n");
  out.string_to_sign.append(sha256_hex(canonical_request));

  std::array<char, 32> key{};
  {
    std::lock_guard lock(cache_->mutex);
    if (cache_->date != date) {
      OPENSSL_cleanse(cache_->key.data(), cache_->key.size());
      cache_->key = derive_sigv4_signing_key(credentials_.secret_access_key, date, region_, service_);
      cache_->date.assign(date);
      ++cache_->derivations;
    }
    std::copy_n(cache_->key.begin(), key.size(), key.begin());
  }
  out.signature = to_hex(hmac_sha256(std::string_view(key.data(), key.size()), out.string_to_sign));
  OPENSSL_cleanse(key.data(), key.size());
  out.canonical_request = std::move(canonical_request);
  out.signed_headers = std::move(signed_headers);
  return out;
}

Status SigV4Signer::sign(http::Request& request, TimePoint now) const { return sign_detailed(request, now).status(); }

Result<SigV4Signature> SigV4Signer::sign_detailed(http::Request& request, TimePoint now,
                                                  std::string_view fallback_payload_hash) const {
  // Everything that can fail runs before the request is touched.
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Url url, http::parse_url(request.url));
  std::string uri_and_query;
  uri_and_query.reserve(url.path.size() + url.query.size() + 8);
  CLOUDSYNC_RETURN_IF_ERROR(append_canonical_uri(uri_and_query, url.path, mode_, normalize_path_));
  uri_and_query.push_back('\n');
  if (!url.query.empty()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(DecodedQuery decoded, http::parse_query(url.query));
    uri_and_query.append(canonical_query(decoded, {}));
  }
  std::string authority = url.authority();
  CLOUDSYNC_RETURN_IF_ERROR(check_host_header(request.headers, authority));

  std::string amz_date = format_iso8601_basic(now);
  request.headers.remove("Authorization");
  request.headers.set("X-Amz-Date", amz_date);
  if (!credentials_.session_token.empty()) request.headers.set("X-Amz-Security-Token", credentials_.session_token);

  CanonicalHeaders headers = canonical_headers(request.headers, authority, mode_);
  std::string_view payload_hash = request.headers.get("x-amz-content-sha256").value_or(fallback_payload_hash);
  std::string creq = assemble_canonical_request(request.method, uri_and_query, headers, trim(payload_hash));

  std::string scope = credential_scope(std::string_view(amz_date).substr(0, 8));
  SigV4Signature sig = finish(std::move(creq), std::move(headers.signed_names), amz_date, scope);

  std::string authorization;
  authorization.reserve(kAlgorithm.size() + credentials_.access_key_id.size() + scope.size() +
                        sig.signed_headers.size() + sig.signature.size() + 40);
  authorization.append(kAlgorithm)
      .append(" Credential=")
      .append(credentials_.access_key_id)
      .append("/")
      .append(scope)
      .append(", SignedHeaders=")
      .append(sig.signed_headers)
      .append(", Signature=")
      .append(sig.signature);
  request.headers.add("Authorization", authorization);
  return sig;
}

Result<std::string> SigV4Signer::presign(std::string_view method, std::string_view url, std::chrono::seconds expires,
                                         TimePoint now) const {
  http::Request request;
  request.method = std::string(method);
  request.url = std::string(url);
  CLOUDSYNC_RETURN_IF_ERROR(presign_detailed(request, expires, now));
  return std::move(request.url);
}

Result<SigV4Signature> SigV4Signer::presign_detailed(http::Request& request, std::chrono::seconds expires,
                                                     TimePoint now,
                                                     std::optional<std::string_view> fallback_payload_hash) const {
  if (expires < std::chrono::seconds(1) || expires > kMaxPresignExpiry) {
    return make_error(ErrorCode::InvalidArgument, "presigned URL expiry must be 1 to {} seconds, not {}",
                      kMaxPresignExpiry.count(), expires.count());
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Url url, http::parse_url(request.url));
  CLOUDSYNC_ASSIGN_OR_RETURN(DecodedQuery decoded, http::parse_query(url.query));
  for (const auto& param : decoded) {
    if (std::find(kPresignParams.begin(), kPresignParams.end(), param.first) != kPresignParams.end()) {
      return make_error(ErrorCode::InvalidArgument, "URL already has the presigning parameter {}", param.first);
    }
  }
  std::string uri_and_query;
  CLOUDSYNC_RETURN_IF_ERROR(append_canonical_uri(uri_and_query, url.path, mode_, normalize_path_));
  uri_and_query.push_back('\n');
  std::string authority = url.authority();
  CLOUDSYNC_RETURN_IF_ERROR(check_host_header(request.headers, authority));
  CanonicalHeaders headers = canonical_headers(request.headers, authority, mode_);

  std::string amz_date = format_iso8601_basic(now);
  std::string scope = credential_scope(std::string_view(amz_date).substr(0, 8));
  std::vector<std::pair<std::string_view, std::string>> extra;
  extra.reserve(6);
  extra.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
  extra.emplace_back("X-Amz-Credential", credentials_.access_key_id + "/" + scope);
  extra.emplace_back("X-Amz-Date", amz_date);
  extra.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  extra.emplace_back("X-Amz-SignedHeaders", headers.signed_names);
  if (!credentials_.session_token.empty()) extra.emplace_back("X-Amz-Security-Token", credentials_.session_token);
  std::string query = canonical_query(decoded, extra);
  uri_and_query.append(query);

  std::string_view default_hash = mode_ == SigV4Mode::S3 ? kUnsignedPayload : kEmptyPayloadSha256;
  std::string_view payload_hash =
      request.headers.get("x-amz-content-sha256").value_or(fallback_payload_hash.value_or(default_hash));
  std::string creq = assemble_canonical_request(request.method, uri_and_query, headers, trim(payload_hash));
  SigV4Signature sig = finish(std::move(creq), std::move(headers.signed_names), amz_date, scope);

  // The canonical query doubles as the wire query: same parameters, strictly
  // encoded, so what the server canonicalises is exactly what was signed.
  url.query = std::move(query);
  url.query.append("&X-Amz-Signature=").append(sig.signature);
  request.url = url.to_string();
  return sig;
}

}  // namespace cloudsync::auth
