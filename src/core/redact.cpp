#include "core/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/ascii.hpp"

namespace cloudsync {
namespace {

constexpr std::string_view kMask = "***";

// Names whose value is a credential, matched case-insensitively when followed
// by '=' (query/form) or ':' (JSON/header), optionally quoted. The providers'
// secret options (their option tables, cloudsync/backend_options.hpp) are
// among them, so that "name=value" in any message is masked wherever it
// comes from; tests/unit/input_checks_test.cpp keeps the two in step.
// access_key_id is not: it names a key (like an account name) and may be
// stored; only its secret half may not.
constexpr std::array<std::string_view, 23> kSecretFields{
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "sig",
    "signature",
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "assertion",
    "private_key",
    "secret_access_key",
    "aws_secret_access_key",
    "accountkey",
    "account_key",
    "sharedaccesssignature",
    "password",
    "token",
    "upload_id",  // a Google resumable-upload session URI lets its holder write the upload
    "session_token",
    "sas",
    "connection_string",
    "service_account_key",
};

// Header-like prefixes whose whole remaining value (to end of line) is secret.
constexpr std::array<std::string_view, 4> kSecretSchemes{"bearer ", "sharedkey ", "aws4-hmac-sha256 ", "basic "};

struct SecretStore {
  std::shared_mutex mutex;
  std::vector<std::string> values;
};

SecretStore& secrets() {
  static SecretStore store;
  return store;
}

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }

bool iequals_at(std::string_view text, size_t pos, std::string_view word) {
  return pos + word.size() <= text.size() && iequals(text.substr(pos, word.size()), word);
}

bool ends_value(char c) {
  return c == '&' || c == '"' || c == '\'' || c == ',' || c == ';' || c == '<' || c == '>' || c == '\n' || c == '\r' ||
         c == ' ' || c == '\t' || c == '}' || c == ')';
}

// Masks "name=value" and "name": "value" for every secret field name.
std::string mask_fields(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    bool masked = false;
    if (!is_name_char(i > 0 ? in[i - 1] : ' ')) {
      auto field_at = [&](std::string_view field) -> bool {
        if (!iequals_at(in, i, field)) return false;
        size_t j = i + field.size();
        if (j < in.size() && is_name_char(in[j])) return false;  // longer name, e.g. "signatures"
        size_t k = j;
        if (k < in.size() && (in[k] == '"' || in[k] == '\'')) ++k;  // closing quote of a JSON key
        while (k < in.size() && in[k] == ' ') ++k;
        if (k >= in.size() || (in[k] != '=' && in[k] != ':')) return false;
        ++k;
        while (k < in.size() && in[k] == ' ') ++k;
        char quote = 0;
        if (k < in.size() && (in[k] == '"' || in[k] == '\'')) quote = in[k++];
        size_t v = k;
        if (quote) {
          while (v < in.size() && in[v] != quote) v += (in[v] == '\\' && v + 1 < in.size()) ? 2 : 1;
        } else {
          while (v < in.size() && !ends_value(in[v])) ++v;
        }
        if (v == k) return false;  // nothing to hide
        out.append(in.substr(i, k - i));
        out.append(kMask);
        i = v;
        return true;
      };
      masked = std::any_of(kSecretFields.begin(), kSecretFields.end(), field_at);
      if (!masked) {
        for (std::string_view scheme : kSecretSchemes) {
          if (!iequals_at(in, i, scheme)) continue;
          size_t k = i + scheme.size();
          size_t v = k;
          while (v < in.size() && in[v] != '\n' && in[v] != '\r' && in[v] != '"') ++v;
          if (v == k) continue;
          out.append(in.substr(i, k - i));
          out.append(kMask);
          i = v;
          masked = true;
          break;
        }
      }
    }
    if (!masked) out.push_back(in[i++]);
  }
  return out;
}

// "scheme://user:password@host" -> "scheme://***@host": whatever precedes '@'
// in a URL's authority is a credential (S3 keys, a proxy's password).
std::string mask_url_userinfo(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  for (size_t sep = in.find("://"); sep != std::string_view::npos; sep = in.find("://", sep + 3)) {
    size_t start = sep + 3;
    size_t end = start;
    while (end < in.size() && in[end] != '/' && in[end] != '?' && in[end] != '#' && !ends_value(in[end])) ++end;
    size_t at = in.substr(start, end - start).rfind('@');
    if (at == std::string_view::npos || at == 0) continue;
    out.append(in.substr(i, start - i));
    out.append(kMask);
    i = start + at;  // keeps the '@'
  }
  out.append(in.substr(i));
  return out;
}

}  // namespace

std::string redact_url(std::string_view url) {
  std::string out = mask_url_userinfo(url);
  size_t query = out.find('?');
  if (query != std::string::npos) out.replace(query + 1, std::string::npos, kMask);
  return out;
}

void register_secret(std::string_view secret) {
  if (secret.size() < 6) return;
  auto& store = secrets();
  std::unique_lock lock(store.mutex);
  if (std::find(store.values.begin(), store.values.end(), secret) == store.values.end()) {
    store.values.emplace_back(secret);
    // Longest first, so that a secret containing another is masked whole.
    std::sort(store.values.begin(), store.values.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  }
}

std::string redact(std::string_view text) {
  std::string out(text);
  {
    auto& store = secrets();
    std::shared_lock lock(store.mutex);
    for (const std::string& secret : store.values) {
      for (size_t pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos + kMask.size())) {
        out.replace(pos, secret.size(), kMask);
      }
    }
  }
  return mask_fields(mask_url_userinfo(out));
}

}  // namespace cloudsync
