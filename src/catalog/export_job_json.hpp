// The JSON forms of a record export job's parts, shared by the catalog store
// (which keeps models, options, lower bounds and per-model statistics as JSON
// columns) and the public JSON (export_job_to_json, export_run_to_json). A
// model's source never carries a password: it is stripped before it gets here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog_store.hpp"
#include "core/json.hpp"

namespace cloudsync {

std::string_view source_kind_name(SourceSpec::Kind kind);  ///< "sqlite", "postgresql", "registered"

void write_models_json(JsonWriter& w, const std::vector<ModelSpec>& models);
void write_options_json(JsonWriter& w, const RecordExportOptions& options);
void write_watermarks_json(JsonWriter& w, const std::vector<ModelWatermark>& watermarks);
void write_model_stats_json(JsonWriter& w, const std::vector<ModelRunStats>& stats);

/// Whole documents, for the store's columns.
std::string models_json(const std::vector<ModelSpec>& models);
std::string options_json(const RecordExportOptions& options);
std::string watermarks_json(const std::vector<ModelWatermark>& watermarks);
std::string model_stats_json(const std::vector<ModelRunStats>& stats);

Result<std::vector<ModelSpec>> parse_models_json(std::string_view text);
Result<RecordExportOptions> parse_options_json(std::string_view text);
/// The models as write_models_json writes them (inside a larger document, e.g.
/// a C ABI request): "name", "source" and its "kind" required, a source field
/// left out keeps SourceSpec's default, an unknown key is refused.
Result<std::vector<ModelSpec>> read_models_json(const rapidjson::Value& array, std::string_view what);
/// Options as write_options_json writes them; fields left out keep `base`'s.
Result<RecordExportOptions> read_options_json(const rapidjson::Value& obj, std::string_view what,
                                              RecordExportOptions base = {});
Result<std::vector<ModelWatermark>> parse_watermarks_json(std::string_view text);
/// An array of watermarks as write_watermarks_json writes it (inside a larger document).
Result<std::vector<ModelWatermark>> read_watermarks_json(const rapidjson::Value& array, std::string_view what);
Result<std::vector<ModelRunStats>> parse_model_stats_json(std::string_view text);

}  // namespace cloudsync
