// Reads a whole PostgreSQL table through the built-in record source into a
// null visitor, page after page, as the exporter would (bench/records_bench.py
// runs it and measures its CPU time and peak RSS).
//
//   cloudsync_bench_records TABLE [PAGE_RECORDS] [--ids-as-strings]
//
// The conninfo comes from POSTGRES_CONNINFO and the password from PGPASSWORD
// (never on the command line). Prints one JSON line: rows, bytes of JSON, seconds.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "cloudsync/records.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s TABLE [PAGE_RECORDS] [--ids-as-strings]\n", argv[0]);
    return 2;
  }
  const char* conninfo = std::getenv("POSTGRES_CONNINFO");
  cloudsync::SourceSpec spec;
  spec.kind = cloudsync::SourceSpec::Kind::PostgreSQL;
  spec.database = conninfo != nullptr ? conninfo : "";
  spec.table = argv[1];
  cloudsync::RecordPageRequest request;
  request.upper = std::chrono::system_clock::now();
  if (argc > 2) request.max_records = std::strtoul(argv[2], nullptr, 10);
  request.ids_as_strings = argc > 3 && std::strcmp(argv[3], "--ids-as-strings") == 0;

  const auto started = std::chrono::steady_clock::now();
  auto source = cloudsync::open_record_source(spec);
  if (!source.ok()) {
    std::fprintf(stderr, "%s\n", source.status().to_string().c_str());
    return 1;
  }
  uint64_t rows = 0, bytes = 0;
  cloudsync::RecordKey last;
  for (;;) {
    auto n = (*source)->read_page(
        request,
        [&](const cloudsync::RecordView& record) {
          bytes += record.json.size() + 1;  // a JSON Lines file's newline
          last.updated_at = record.updated_at;
          last.id = record.id;
          return cloudsync::Status::OK();
        },
        nullptr);
    if (!n.ok()) {
      std::fprintf(stderr, "%s\n", n.status().to_string().c_str());
      return 1;
    }
    rows += *n;
    if (*n < request.max_records) break;
    request.after = last;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("{\"rows\":%llu,\"bytes\":%llu,\"seconds\":%.3f}\n", static_cast<unsigned long long>(rows),
              static_cast<unsigned long long>(bytes), seconds);
  return 0;
}
