#include "core/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

namespace cloudsync {
namespace {

constexpr std::string_view kMask = "***";

// Names whose value is a credential, matched case-insensitively when followed
// by '=' (query/form) or ':' (JSON/header), optionally quoted.
constexpr std::array<std::string_view, 19> kSecretFields{
    "x-amz-signature",  "x-amz-credential", "x-amz-security-token", "sig",           "signature",
    "access_token",     "refresh_token",    "id_token",             "client_secret", "assertion",
    "private_key",      "secret_access_key", "aws_secret_access_key", "accountkey",  "account_key",
    "sharedaccesssignature", "password",    "token",
    "upload_id",  // a Google resumable-upload session URI lets its holder write the upload
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

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

bool iequals_at(std::string_view text, size_t pos, std::string_view word) {
  if (pos + word.size() > text.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[pos + i])) != word[i]) return false;
  }
  return true;
}

bool ends_value(char c) {
  return c == '&' || c == '"' || c == '\'' || c == ',' || c == ';' || c == '<' || c == '>' || c == '\n' ||
         c == '\r' || c == ' ' || c == '\t' || c == '}' || c == ')';
}

// Masks "name=value" and "name": "value" for every secret field name.
std::string mask_fields(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    bool masked = false;
    if (!is_name_char(i > 0 ? in[i - 1] : ' ')) {
      for (std::string_view field : kSecretFields) {
        if (!iequals_at(in, i, field)) continue;
        size_t j = i + field.size();
        if (j < in.size() && is_name_char(in[j])) continue;  // longer name, e.g. "signatures"
        size_t k = j;
        if (k < in.size() && (in[k] == '"' || in[k] == '\'')) ++k;  // closing quote of a JSON key
        while (k < in.size() && in[k] == ' ') ++k;
        if (k >= in.size() || (in[k] != '=' && in[k] != ':')) continue;
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
        if (v == k) continue;  // nothing to hide
        out.append(in.substr(i, k - i));
        out.append(kMask);
        i = v;
        masked = true;
        break;
      }
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

}  // namespace

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
  return mask_fields(out);
}

}  // namespace cloudsync
