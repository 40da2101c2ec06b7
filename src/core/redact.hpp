// Scrubs credentials out of any text before it reaches a log line, an error
// message or a listing. Applied centrally (Status construction, the logger, the
// C ABI's last error), so a call site cannot forget it.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace cloudsync {

/// Replaces secrets in `text` with "***":
///  - every value registered with register_secret();
///  - values of credential-bearing query parameters and JSON/form fields
///    (X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token, sig,
///    access_token, refresh_token, client_secret, assertion, private_key, ...);
///  - Authorization and token header values (Bearer, SharedKey, AWS4-HMAC-SHA256);
///  - the values of every credential option (credential_options());
///  - the user and password of URLs ("s3://KEY:SECRET@bucket" -> "s3://***@bucket").
std::string redact(std::string_view text);

/// A URL as it may be shown: credentials before '@' and the whole query string
/// (a SAS, a presigned signature) replaced by "***".
std::string redact_url(std::string_view url);

/// A backend option whose value is a credential, and the URL scheme whose
/// provider takes it. These are never stored in a project and always masked.
struct CredentialOption {
  std::string_view scheme;
  std::string_view name;
};
/// Every provider's credential options (src/backends/registry.cpp takes them).
std::span<const CredentialOption> credential_options();
/// True when `name` is a credential option of any provider (exact name: a
/// secret meant for one provider is still a secret under another's URL).
bool is_credential_option(std::string_view name);

/// Remembers a secret value (a secret key, account key, client secret, refresh
/// or access token) so that redact() removes it wherever it appears. Values
/// shorter than 6 characters are ignored (too likely to match ordinary text).
void register_secret(std::string_view secret);

}  // namespace cloudsync
