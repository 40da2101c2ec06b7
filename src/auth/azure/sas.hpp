// Azure Storage shared access signatures (SAS): tokens users hand us, and the
// service and account SAS this library can generate from an account key
// (tests, and handing out scoped links).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cloudsync/status.hpp"
#include "cloudsync/types.hpp"

namespace cloudsync::auth {

class AzureSharedKeySigner;

/// The signed version (sv) of every SAS generated here. The string-to-sign
/// layout depends on it, so it is pinned with the field lists in sas.cpp.
inline constexpr std::string_view kAzureSasVersion = "2022-11-02";

/// A user-supplied SAS token. Its signature (sig) is registered as a secret.
struct AzureSasToken {
  std::string query;                     ///< the token as sent: encoded, without a leading '?'
  std::string version;                   ///< sv
  std::string permissions;               ///< sp; empty when a stored access policy (si) supplies them
  std::string resource;                  ///< sr of a service SAS ("b", "c", "bs", "bv", "d"); empty for an account SAS
  std::string services;                  ///< ss of an account SAS ("b" for blob)
  std::string resource_types;            ///< srt of an account SAS ("s", "c", "o")
  std::string identifier;                ///< si, a stored access policy
  std::optional<TimePoint> starts;       ///< st
  std::optional<TimePoint> expires;      ///< se; absent when the stored access policy supplies it
  std::optional<TimePoint> key_expires;  ///< ske, the user delegation key's expiry

  bool is_account_sas() const noexcept { return !services.empty(); }
  bool is_user_delegation() const noexcept { return key_expires.has_value(); }
  /// Whether sp lists `permission` (one letter: r a c w d l ...).
  bool grants(char permission) const noexcept { return permissions.find(permission) != std::string::npos; }
};

/// Parses a SAS token ("sv=...&sig=...", a leading '?' is dropped). sv and sig
/// are required; st, se and ske are parsed as ISO 8601 UTC times (date only,
/// minutes or seconds precision, optional fraction). InvalidArgument naming the
/// faulty parameter, never echoing the signature.
Result<AzureSasToken> parse_sas_token(std::string_view text);

/// A SAS URL split into the resource URL and its token.
struct AzureSasUrl {
  std::string resource_url;  ///< scheme://host[:port]/path, without the query
  AzureSasToken token;
};
/// Parses "https://account.blob.core.windows.net/container?sv=...&sig=...".
Result<AzureSasUrl> parse_sas_url(std::string_view url);

/// Why `token` cannot serve an operation that needs every letter of
/// `permissions` at `now`: Unauthenticated when se (or ske) has passed or st
/// is still ahead, PermissionDenied when sp lacks a letter. OK when nothing
/// visible in the token is wrong (the service can still refuse it: a revoked
/// policy or key, an IP range, a scope that does not cover the resource).
Status check_sas_token(const AzureSasToken& token, std::string_view permissions, TimePoint now);

/// `url` with the token appended to its query.
std::string append_sas_token(std::string_view url, const AzureSasToken& token);

/// A generated SAS: the query token and the string that was signed.
struct GeneratedSas {
  std::string string_to_sign;
  std::string token;  ///< encoded, without '?': append it to the resource URL
};

/// A blob or container service SAS (sr=b / sr=c) signed with the account key.
struct BlobSasOptions {
  std::string container;
  std::string blob;         ///< decoded blob name; empty for a container SAS
  std::string permissions;  ///< sp, letters in the service's documented order (e.g. "racwdl")
  std::optional<TimePoint> starts;
  std::optional<TimePoint> expires;  ///< required unless `identifier` names a policy
  std::string identifier;            ///< si
  std::string ip_range;              ///< sip, "a.b.c.d" or "a.b.c.d-e.f.g.h"
  std::string protocol;              ///< spr: "https" or "https,http"; empty: both
  std::string encryption_scope;      ///< ses
  std::string cache_control, content_disposition, content_encoding, content_language, content_type;  ///< rscc..rsct
};
Result<GeneratedSas> generate_blob_sas(const AzureSharedKeySigner& key, const BlobSasOptions& options);

/// An account SAS signed with the account key.
struct AccountSasOptions {
  std::string services = "b";  ///< ss
  std::string resource_types;  ///< srt, e.g. "sco"
  std::string permissions;     ///< sp, e.g. "rwdlacup"
  std::optional<TimePoint> starts;
  TimePoint expires;
  std::string ip_range;
  std::string protocol;
  std::string encryption_scope;
};
Result<GeneratedSas> generate_account_sas(const AzureSharedKeySigner& key, const AccountSasOptions& options);

}  // namespace cloudsync::auth
