// A project's state as cloudsync 1 kept it (<state>/workspace.json and
// <state>/manifests/<id>.json), migrated into the catalog on first open.
#pragma once

#include <filesystem>
#include <string>

#include "catalog/catalog_store.hpp"

namespace cloudsync {

/// When `state_dir` holds a v1 workspace.json, moves its integrations (with
/// one connection each to the project) and their manifests into the catalog
/// in one transaction, then removes the v1 files (an older version may have
/// stored credentials in them). Refuses,
/// touching nothing, a state whose ids or folders this library did not make.
/// Returns whether there was anything to migrate.
Result<bool> migrate_v1_state(CatalogStore& store, const std::filesystem::path& state_dir,
                              const std::string& project_name, const std::filesystem::path& root);

}  // namespace cloudsync
