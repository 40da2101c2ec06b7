// Scrubs credentials out of any text before it reaches a log line, an error
// message or a listing. Applied centrally (Status construction, the logger, the
// C ABI's last error), so a call site cannot forget it.
#pragma once

#include <string>
#include <string_view>

namespace cloudsync {

/// Replaces secrets in `text` with "***":
///  - every value registered with register_secret();
///  - values of credential-bearing query parameters and JSON/form fields
///    (X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token, sig,
///    access_token, refresh_token, client_secret, assertion, private_key, ...);
///  - Authorization and token header values (Bearer, SharedKey, AWS4-HMAC-SHA256);
///  - the values of every provider's secret options ("sas=...",
///    "connection_string=...": is_secret_backend_option());
///  - the user and password of URLs ("s3://KEY:SECRET@bucket" -> "s3://***@bucket").
std::string redact(std::string_view text);

/// A URL as it may be shown: credentials before '@' and the whole query string
/// (a SAS, a presigned signature) replaced by "***".
std::string redact_url(std::string_view url);

/// Remembers a secret value (a secret key, account key, client secret, refresh
/// or access token) so that redact() removes it wherever it appears. Values
/// shorter than 6 characters are ignored (too likely to match ordinary text).
void register_secret(std::string_view secret);

}  // namespace cloudsync
