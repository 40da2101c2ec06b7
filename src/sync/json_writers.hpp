// Writers for the JSON forms of sync values, reused by the engine's reports.
#pragma once

#include "cloudsync/sync.hpp"
#include "core/json.hpp"

namespace cloudsync {

void write_object_meta(JsonWriter& w, const ObjectMeta& meta);
void write_plan(JsonWriter& w, const Plan& plan);
void write_report(JsonWriter& w, const SyncReport& report);

}  // namespace cloudsync
