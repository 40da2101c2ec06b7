// What the record export tests share: a catalog with a memory integration
// that has writeback, a memory table registered as the source "orders", and
// readers of what reached the bucket (objects, manifests, exported versions).
#pragma once

#include <zlib.h>

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "cloudsync/backends/memory.hpp"
#include "cloudsync/catalog.hpp"
#include "core/hash.hpp"
#include "core/json.hpp"
#include "memory_record_source.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

/// A gzip member's content (the test's own reader, independent of the writer).
inline std::string gunzip(const std::string& data) {
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, 15 + 16) == Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[65536];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    REQUIRE((rc == Z_OK || rc == Z_STREAM_END));
    out.append(buf, sizeof buf - zs.avail_out);
  }
  inflateEnd(&zs);
  return out;
}

/// Every object of a memory store: key -> content.
inline std::map<std::string, std::string> bucket_objects(StorageBackend& store) {
  std::map<std::string, std::string> out;
  auto all = store.list_all({}, {});
  REQUIRE(all.ok());
  for (const ObjectMeta& m : *all) {
    auto content = store.read_all(P(m.key), {});
    REQUIRE(content.ok());
    out[m.key] = *content;
  }
  return out;
}

/// (id, updated_at) of every record line in the objects the store's
/// manifests list (records and deletions apart); a version listed twice
/// across manifests shows up twice.
struct ExportedVersions {
  std::multiset<std::pair<std::string, std::string>> records, deletions;
  uint64_t manifests = 0;
};

inline ExportedVersions exported_versions(StorageBackend& store) {
  ExportedVersions out;
  for (const auto& [key, content] : bucket_objects(store)) {
    if (!key.ends_with("_manifest.json")) continue;
    ++out.manifests;
    auto doc = parse_json(content, key);
    REQUIRE(doc.ok());
    for (const auto& model : (*doc)["models"].GetArray()) {
      for (const auto& object : model["objects"].GetArray()) {
        const std::string object_key = object["key"].GetString();
        const bool deletions = std::string(object["kind"].GetString()) == "deletions";
        auto data = store.read_all(P(object_key), {});
        REQUIRE(data.ok());
        std::string text = object_key.ends_with(".gz") ? gunzip(*data) : *data;
        CHECK(sha256_hex(*data) == object["sha256"].GetString());
        uint64_t lines = 0;
        size_t start = 0;
        while (start < text.size()) {
          size_t end = text.find('\n', start);
          REQUIRE(end != std::string::npos);
          auto line = parse_json(std::string_view(text).substr(start, end - start), object_key);
          REQUIRE(line.ok());
          rapidjson::StringBuffer id_buf;
          rapidjson::Writer<rapidjson::StringBuffer> id_writer(id_buf);
          (*line)["id"].Accept(id_writer);
          const char* at_field = deletions ? "_updated_at" : "updated_at";
          (deletions ? out.deletions : out.records).emplace(id_buf.GetString(), (*line)[at_field].GetString());
          ++lines;
          start = end + 1;
        }
        CHECK(lines == object["rows"].GetUint64());
      }
    }
  }
  return out;
}

struct ExportFixture {
  TempDir dir;
  std::shared_ptr<Catalog> catalog;
  std::string bucket = "records-" + random_hex(6);
  std::shared_ptr<MemoryBackend> store = shared_memory_backend(bucket);
  std::shared_ptr<MemoryTable> table = std::make_shared<MemoryTable>();
  Integration integration;

  explicit ExportFixture(std::vector<std::string> allowed_paths = {}) {
    catalog = open_catalog();
    IntegrationSpec spec;
    spec.name = "lake";
    spec.url = "mem://" + bucket;
    spec.writeback = true;
    spec.allowed_paths = std::move(allowed_paths);
    auto i = catalog->create_integration(spec);
    REQUIRE_OK(i);
    integration = *i;
  }

  /// Another Catalog object on the same state (another server).
  std::shared_ptr<Catalog> open_catalog() {
    CatalogOptions options;
    options.state_dir = dir / "state";
    auto c = Catalog::open(std::move(options));
    REQUIRE_OK(c);
    auto table_ref = table;
    REQUIRE_OK(
        (*c)->register_record_source("orders", [table_ref](const SourceSpec&) -> Result<std::unique_ptr<RecordSource>> {
          return std::unique_ptr<RecordSource>(std::make_unique<MemoryRecordSource>(table_ref));
        }));
    return *c;
  }

  static ExportJobSpec spec(std::string name = "nightly") {
    ExportJobSpec s;
    s.name = std::move(name);
    s.integration = "lake";
    s.prefix = "exports";
    s.frequency_hours = 24;
    ModelSpec m;
    m.name = "orders";
    m.source.kind = SourceSpec::Kind::Registered;
    m.source.database = "orders";
    s.models.push_back(m);
    s.options.visibility_lag = std::chrono::seconds(60);
    s.first_run_delay = std::chrono::seconds(120);
    return s;
  }

  ExportJob create(const ExportJobSpec& s) {
    auto job = catalog->create_export_job(s);
    REQUIRE_OK(job);
    return *job;
  }
};

}  // namespace cloudsync::test
