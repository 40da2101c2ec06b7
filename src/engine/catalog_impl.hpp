// The catalog's internals, shared by the Catalog (integrations, connections,
// checks) and the Workspace (Hex's flow on one project).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "catalog/catalog_endpoint_facts.hpp"
#include "catalog/catalog_store.hpp"
#include "catalog/file_lock.hpp"
#include "catalog/secrets_file.hpp"
#include "cloudsync/catalog.hpp"
#include "engine/operations.hpp"

namespace cloudsync {

using CredentialsCallback = std::function<SecretOptions(const Integration&)>;

struct Catalog::Impl {
  CatalogOptions options;
  std::unique_ptr<CatalogStore> store;
  SecretsFile secrets;

  // Backends are reused while an integration's settings stay the same; a
  // change (URL, options, secrets) opens a new one on the next operation.
  std::mutex backends_mutex;
  std::map<std::string, std::pair<std::string, std::shared_ptr<StorageBackend>>> backends;

  // Record sources the host registered (Catalog::register_record_source), by name.
  using RecordSourceFactory = std::function<Result<std::unique_ptr<RecordSource>>(const SourceSpec&)>;
  mutable std::mutex record_sources_mutex;
  std::map<std::string, RecordSourceFactory> record_sources;

  // What the backends it opens learn about their endpoints, kept in the
  // catalog's database (backends may outlive it: detached when it closes).
  std::shared_ptr<CatalogEndpointFacts> endpoint_facts;

  Impl(CatalogOptions o, std::unique_ptr<CatalogStore> s)
      : options(std::move(o)),
        store(std::move(s)),
        secrets(options.state_dir / "secrets.json"),
        endpoint_facts(std::make_shared<CatalogEndpointFacts>(store.get())) {}
  ~Impl() { endpoint_facts->detach(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  std::filesystem::path lock_file(std::string_view kind, const std::string& id) const {
    return options.state_dir / "locks" / (std::string(kind) + "-" + id + ".lock");
  }

  Result<Integration> require_integration(std::string_view id_or_name) const;
  Result<Project> require_project(std::string_view id_or_name) const;
  /// A check whose holder died is CHECKING no longer (its previous status returns).
  void recover_abandoned_checks() const;
  Connection with_live_state(Connection connection) const;

  /// Opens the integration's backend with its stored secrets, the catalog's
  /// credentials callback and then `extra` merged over its options.
  Result<std::shared_ptr<StorageBackend>> open_remote(const Integration& integration, const CredentialsCallback& extra);

  /// The project's connection to the integration, made if there is none (Hex's flow).
  Result<Connection> ensure_connection(const Project& project, const Integration& integration);

  /// Runs `operation` on the project's connection to the integration, under
  /// the connection's lock (Conflict when another operation holds it). The
  /// connection is created on first use, except by a dry run.
  using Operation = std::function<Result<OperationResult>(OperationTarget&)>;
  Result<OperationResult> operate(const Project& project, const Integration& integration, bool dry_run,
                                  const CredentialsCallback& extra, const Operation& operation);
};

}  // namespace cloudsync
