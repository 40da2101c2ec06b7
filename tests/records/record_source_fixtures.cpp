#include "record_source_fixtures.hpp"

#include "core/time.hpp"
#include "support/postgres_server.hpp"

namespace cloudsync::test {

TimePoint record_time(int64_t millis_after) {
  return from_unix_nanos((1767261600LL * 1000 + millis_after) * 1'000'000);
}

SqliteTables::SqliteTables() : file_(dir_ / "app.db") {}

void SqliteTables::run(const std::string& sql) { run_catalog_sql(file_, sql); }

SourceSpec SqliteTables::spec(const std::string& table) const {
  SourceSpec spec;
  spec.kind = SourceSpec::Kind::SQLite;
  spec.database = file_.string();
  spec.table = table;
  return spec;
}

std::string SqliteTables::literal(TimePoint t) const {
  std::string text = format_rfc3339(t, 3);
  text[10] = ' ';
  text.pop_back();
  return "'" + text + "'";
}

PostgresTables::PostgresTables() : conninfo_(PostgresServer::shared().create_database()) {}

void PostgresTables::run(const std::string& sql) { PostgresServer::exec(conninfo_, sql); }

SourceSpec PostgresTables::spec(const std::string& table) const {
  SourceSpec spec;
  spec.kind = SourceSpec::Kind::PostgreSQL;
  spec.database = conninfo_;
  spec.table = table;
  return spec;
}

std::string PostgresTables::literal(TimePoint t) const { return "'" + format_rfc3339(t, 6) + "'"; }

std::vector<std::string> ReadAll::ids() const {
  std::vector<std::string> out;
  for (const auto& key : keys) out.push_back(key.id);
  return out;
}

ReadAll read_all(RecordSource& source, const ReadAllOptions& options) {
  ReadAll all;
  RecordPageRequest request;
  request.after = options.after;
  request.upper = options.upper;
  request.max_records = options.page;
  request.ids_as_strings = options.ids_as_strings;
  for (;;) {
    const auto visit = [&](const RecordView& record) {
      all.keys.push_back({std::string(record.updated_at), std::string(record.id)});
      all.json.emplace_back(record.json);
      return Status::OK();
    };
    auto n =
        options.deletions ? source.read_deletions(request, visit, nullptr) : source.read_page(request, visit, nullptr);
    REQUIRE_OK(n);
    REQUIRE(*n <= options.page);
    ++all.pages;
    REQUIRE(all.pages < 100'000);
    if (*n < options.page) return all;
    request.after = all.keys.back();
  }
}

std::unique_ptr<RecordSource> open_source(const SourceSpec& spec) {
  auto source = open_record_source(spec);
  REQUIRE_OK(source);
  return std::move(*source);
}

std::vector<std::string> id_range(int64_t first, int64_t last) {
  std::vector<std::string> out;
  for (int64_t i = first; i <= last; ++i) out.push_back(std::to_string(i));
  return out;
}

}  // namespace cloudsync::test
