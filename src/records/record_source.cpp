// open_record_source and RecordSource's defaults (cloudsync/records.hpp).
#include "core/error.hpp"
#include "records/postgres_record_source.hpp"
#include "records/sqlite_record_source.hpp"

namespace cloudsync {

Result<size_t> RecordSource::read_deletions(const RecordPageRequest&, const RecordVisitor&, const CancelToken*) {
  return size_t{0};
}

Result<std::unique_ptr<RecordSource>> open_record_source(const SourceSpec& spec) {
  switch (spec.kind) {
    case SourceSpec::Kind::SQLite: return records::open_sqlite_record_source(spec);
    case SourceSpec::Kind::PostgreSQL: return records::open_postgres_record_source(spec);
    case SourceSpec::Kind::Registered: break;
  }
  return make_error(ErrorCode::InvalidArgument, "registered sources are opened by the catalog");
}

}  // namespace cloudsync
