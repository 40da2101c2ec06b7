// Declarative option tables. Each provider lists the string options
// open_backend() takes next to its factory, one OptionSpec per option (name,
// help, secret or not, default, and the field of its options struct that the
// option sets); apply_options() fills the struct from a table. The kind of an
// option follows from its field's type, so a table cannot call a size a flag:
//   std::string          String
//   bool                 Bool
//   std::optional<bool>  AutoBool ("auto" leaves it unset)
//   uint32_t             Integer (within [min, max])
//   uint64_t             Size (bytes)
//   milliseconds         Milliseconds (within [min, max])
//   EnumTarget           Enum (one of `choices`, then the provider's setter)
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "cloudsync/backend.hpp"
#include "cloudsync/backend_options.hpp"
#include "core/error.hpp"
#include "core/redact.hpp"

namespace cloudsync::backends {

/// An Enum option's setter: called with a value already checked against the
/// option's choices.
template <class Options>
struct EnumTarget {
  Status (*set)(Options& options, std::string_view choice);
};

template <class Options>
using OptionTarget =
    std::variant<std::string Options::*, bool Options::*, std::optional<bool> Options::*, uint32_t Options::*,
                 uint64_t Options::*, std::chrono::milliseconds Options::*, EnumTarget<Options>>;

template <class Options>
struct OptionSpec {
  std::string_view name;
  OptionTarget<Options> target;
  std::string_view help;
  bool secret = false;
  /// The default as the option would be written; empty: the value of the
  /// field in a default-constructed Options (nothing for an empty string or
  /// an unset AutoBool). Set it where the field's zero means "resolved".
  std::string_view default_text = {};
  std::span<const std::string_view> choices = {};  ///< Enum only
  uint64_t min = 0;                                ///< Integer and Milliseconds
  uint64_t max = std::numeric_limits<uint32_t>::max();
};

// --- The parts that do not depend on the options struct (option_spec.cpp) ---

/// true/false, 1/0, yes/no.
Result<bool> parse_bool_option(std::string_view name, std::string_view value);
/// "auto" is nullopt, else a Bool.
Result<std::optional<bool>> parse_auto_bool_option(std::string_view name, std::string_view value);
/// A whole number within [min, max].
Result<uint64_t> parse_number_option(std::string_view name, std::string_view value, uint64_t min, uint64_t max);
/// A byte size (cloudsync/size.hpp), the error naming the option.
Result<uint64_t> parse_size_option(std::string_view name, std::string_view value);
/// OK when `value` is one of `choices`.
Status check_choice(std::string_view name, std::string_view value, std::span<const std::string_view> choices);
/// "unknown option 'regoin' for s3 URLs; did you mean 'region'?" (the value
/// is never quoted: the unknown name may be a mistyped secret's).
Status unknown_option(std::string_view name, std::string_view scheme, std::span<const std::string_view> known);
/// The closest of `known` to a mistyped `name`, if any is close: a small edit
/// distance ("regoin" -> "region"), or a name made of the same words
/// ("key" -> "account_key", "secret_key" -> "secret_access_key").
std::optional<std::string_view> closest_option_name(std::string_view name, std::span<const std::string_view> known);
/// A size as parse_size() reads it back: "8MiB", "256KiB", "1000".
std::string format_size(uint64_t bytes);

// --- The parts that do ---

template <class Options>
BackendOptionKind option_kind(const OptionSpec<Options>& spec) {
  return std::visit(
      [](const auto& target) {
        using T = std::decay_t<decltype(target)>;
        if constexpr (std::is_same_v<T, std::string Options::*>) return BackendOptionKind::String;
        if constexpr (std::is_same_v<T, bool Options::*>) return BackendOptionKind::Bool;
        if constexpr (std::is_same_v<T, std::optional<bool> Options::*>) return BackendOptionKind::AutoBool;
        if constexpr (std::is_same_v<T, uint32_t Options::*>) return BackendOptionKind::Integer;
        if constexpr (std::is_same_v<T, uint64_t Options::*>) return BackendOptionKind::Size;
        if constexpr (std::is_same_v<T, std::chrono::milliseconds Options::*>) return BackendOptionKind::Milliseconds;
        if constexpr (std::is_same_v<T, EnumTarget<Options>>) return BackendOptionKind::Enum;
      },
      spec.target);
}

/// Sets one option's field from its string value.
template <class Options>
Status apply_option(const OptionSpec<Options>& spec, std::string_view value, Options& out) {
  return std::visit(
      [&](const auto& target) -> Status {
        using T = std::decay_t<decltype(target)>;
        if constexpr (std::is_same_v<T, std::string Options::*>) {
          out.*target = std::string(value);
        } else if constexpr (std::is_same_v<T, bool Options::*>) {
          CLOUDSYNC_ASSIGN_OR_RETURN(out.*target, parse_bool_option(spec.name, value));
        } else if constexpr (std::is_same_v<T, std::optional<bool> Options::*>) {
          CLOUDSYNC_ASSIGN_OR_RETURN(out.*target, parse_auto_bool_option(spec.name, value));
        } else if constexpr (std::is_same_v<T, uint32_t Options::*>) {
          CLOUDSYNC_ASSIGN_OR_RETURN(uint64_t n, parse_number_option(spec.name, value, spec.min, spec.max));
          out.*target = static_cast<uint32_t>(n);
        } else if constexpr (std::is_same_v<T, uint64_t Options::*>) {
          CLOUDSYNC_ASSIGN_OR_RETURN(out.*target, parse_size_option(spec.name, value));
        } else if constexpr (std::is_same_v<T, std::chrono::milliseconds Options::*>) {
          CLOUDSYNC_ASSIGN_OR_RETURN(uint64_t n, parse_number_option(spec.name, value, spec.min, spec.max));
          out.*target = std::chrono::milliseconds(static_cast<int64_t>(n));
        } else {
          static_assert(std::is_same_v<T, EnumTarget<Options>>);
          CLOUDSYNC_RETURN_IF_ERROR(check_choice(spec.name, value, spec.choices));
          return target.set(out, value);
        }
        return Status::OK();
      },
      spec.target);
}

template <class Options>
std::vector<std::string_view> option_names(std::span<const OptionSpec<Options>> table) {
  std::vector<std::string_view> names;
  for (const OptionSpec<Options>& spec : table) names.push_back(spec.name);
  return names;
}

/// Fills `out` from `options` through `table`: InvalidArgument for an unknown
/// name (with the closest known one) and for a value the option's kind does
/// not take. The values of secret options are registered for redaction.
template <class Options>
Status apply_options(std::span<const OptionSpec<std::type_identity_t<Options>>> table, std::string_view scheme,
                     const BackendOptions& options, Options& out) {
  for (const auto& [name, value] : options) {
    const OptionSpec<Options>* spec = nullptr;
    for (const OptionSpec<Options>& candidate : table) {
      if (candidate.name == name) spec = &candidate;
    }
    if (spec == nullptr) return unknown_option(name, scheme, option_names<Options>(table));
    if (spec->secret) register_secret(value);
    CLOUDSYNC_RETURN_IF_ERROR(apply_option(*spec, value, out));
  }
  return Status::OK();
}

/// The public description of a table (cloudsync/backend_options.hpp); called
/// as describe_options<S3Options>(kS3Options).
template <class Options>
std::vector<BackendOption> describe_options(std::span<const OptionSpec<Options>> table) {
  const Options defaults{};
  std::vector<BackendOption> described;
  for (const OptionSpec<Options>& spec : table) {
    BackendOption option;
    option.name = std::string(spec.name);
    option.kind = option_kind(spec);
    option.secret = spec.secret;
    option.help = std::string(spec.help);
    for (std::string_view choice : spec.choices) option.choices.emplace_back(choice);
    if (option.kind == BackendOptionKind::Integer || option.kind == BackendOptionKind::Milliseconds) {
      option.min = spec.min;
      option.max = spec.max;
    }
    if (!spec.default_text.empty()) {
      option.default_value = std::string(spec.default_text);
    } else {
      option.default_value = std::visit(
          [&](const auto& target) -> std::string {
            using T = std::decay_t<decltype(target)>;
            if constexpr (std::is_same_v<T, std::string Options::*>) return defaults.*target;
            if constexpr (std::is_same_v<T, bool Options::*>) return defaults.*target ? "true" : "false";
            if constexpr (std::is_same_v<T, std::optional<bool> Options::*>) {
              const std::optional<bool>& v = defaults.*target;
              return !v ? "auto" : *v ? "true" : "false";
            }
            if constexpr (std::is_same_v<T, uint32_t Options::*>) return std::to_string(defaults.*target);
            if constexpr (std::is_same_v<T, uint64_t Options::*>) return format_size(defaults.*target);
            if constexpr (std::is_same_v<T, std::chrono::milliseconds Options::*>) {
              return std::to_string((defaults.*target).count());
            }
            return std::string();  // an Enum's default is always written in its table
          },
          spec.target);
    }
    described.push_back(std::move(option));
  }
  return described;
}

}  // namespace cloudsync::backends
