// Writers for the JSON forms of sync values, reused by the engine's reports
// and the C ABI. Objects are written in the one listing-entry form
// (include/cloudsync/listing.hpp, capi/schema/listing.schema.json).
#pragma once

#include <string_view>

#include "cloudsync/sync.hpp"
#include "core/json.hpp"

namespace cloudsync {

/// An object as a listing entry (listing_json.cpp).
void write_object_meta(JsonWriter& w, const ObjectMeta& meta);
/// A folder a one-level listing rolled up, as a listing entry (listing_json.cpp).
void write_folder_entry(JsonWriter& w, std::string_view prefix);
void write_plan(JsonWriter& w, const Plan& plan);
void write_report(JsonWriter& w, const SyncReport& report);

}  // namespace cloudsync
