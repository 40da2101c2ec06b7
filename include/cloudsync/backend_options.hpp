// The string options open_backend() takes, per URL scheme: what a host's
// integration form, the CLI's help and the README show, and what decides
// whether an option's value is a credential (never stored, never shown).
//
// Each provider declares its options in one table next to its factory
// (src/backends/<provider>/<provider>_factory.cpp); this header is the
// read-only view of those tables. Nothing here opens a backend.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/backend.hpp"
#include "cloudsync/export.hpp"
#include "cloudsync/status.hpp"

namespace cloudsync {

/// How an option's value is read.
enum class BackendOptionKind {
  String,        ///< any text
  Bool,          ///< true/false, 1/0 or yes/no
  AutoBool,      ///< "auto" (the provider decides) or a Bool
  Integer,       ///< a whole number within [min, max]
  Size,          ///< bytes, or with a K/M/G/T or KiB/MiB/GiB/TiB suffix (binary multiples)
  Milliseconds,  ///< a whole number of milliseconds within [min, max]
  Enum,          ///< one of `choices`
};

/// "string", "bool", "auto|bool", "integer", "size", "milliseconds" or "enum".
CLOUDSYNC_API std::string_view backend_option_kind_name(BackendOptionKind kind);

/// One option of one provider.
struct BackendOption {
  std::string name;
  BackendOptionKind kind = BackendOptionKind::String;
  /// The value used when the option is not given, as the option would be
  /// written; empty when there is none or it is resolved (the help says how).
  std::string default_value;
  /// The value is a credential: never stored in a catalog or project, never
  /// printed, masked in every message (a host passes it at run time).
  bool secret = false;
  std::string help;
  std::vector<std::string> choices;  ///< Enum only
  uint64_t min = 0;                  ///< Integer and Milliseconds only
  uint64_t max = 0;                  ///< Integer and Milliseconds only
};

/// One URL scheme this build opens, and its options in table order.
struct BackendProvider {
  std::string scheme;    ///< "s3"
  std::string url_form;  ///< "s3://bucket/prefix"
  std::string title;     ///< "Amazon S3 and S3-compatible stores"
  std::vector<BackendOption> options;
};

/// Every provider this build knows, in a fixed order (file, mem, s3, az, gdrive).
CLOUDSYNC_API const std::vector<BackendProvider>& backend_providers();

/// The provider of `scheme` ("s3"), or nullptr when this build has none.
CLOUDSYNC_API const BackendProvider* find_backend_provider(std::string_view scheme);

/// True when `name` is a secret option of any provider. Exact names, and any
/// provider's: a secret meant for one provider is still a secret when it is
/// given under another's URL.
CLOUDSYNC_API bool is_secret_backend_option(std::string_view name);

/// Checks option names (not their values, which are checked when a backend
/// opens) against what the provider of `url` takes: InvalidArgument naming
/// the first unknown one, with a did-you-mean for a near miss ("unknown option
/// 'regoin' for s3 URLs; did you mean 'region'?"); OK for a scheme this build
/// does not know (a host's own backend factory). The value is never quoted.
CLOUDSYNC_API Status check_backend_option_names(std::string_view url, const BackendOptions& options);

/// The closest of `known` to a mistyped `name`, the did-you-mean of the
/// unknown-option errors: at most two edits ("regoin" -> "region"), or a name
/// made of the same words ("key" -> "account_key"). Tools use it for their own
/// words too (the CLI's command names).
CLOUDSYNC_API std::optional<std::string_view> closest_name(std::string_view name,
                                                           std::span<const std::string_view> known);

}  // namespace cloudsync
