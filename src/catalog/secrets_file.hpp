// Where an integration's secrets live: a JSON file of its own, mode 0600, next
// to the catalog but never in it (<state>/secrets.json). A value "env:NAME" is
// kept as that reference and resolved when a backend is opened.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cloudsync/catalog.hpp"

namespace cloudsync {

class SecretsFile {
 public:
  explicit SecretsFile(std::filesystem::path file) : file_(std::move(file)) {}

  /// The stored secrets of an integration, references unresolved (empty when none).
  Result<SecretOptions> get(const std::string& integration_id) const;
  /// Replaces an integration's secrets (none: forgets them).
  Status put(const std::string& integration_id, const SecretOptions& secrets);
  Status remove(const std::string& integration_id) { return put(integration_id, {}); }
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
};

/// Resolves "env:NAME" values from the environment. InvalidArgument naming
/// the option and the variable (never a value) when the variable is unset.
Result<SecretOptions> resolve_secret_references(const SecretOptions& secrets);

}  // namespace cloudsync
