// TEMPORARY (branch i14-export only): the sources helper's record_source.cpp
// defines these; this stub lets the exporter link and be tested before the
// built-in sources land. The lead deletes this file when merging both.
#include "core/error.hpp"
#include "cloudsync/records.hpp"

namespace cloudsync {

Result<size_t> RecordSource::read_deletions(const RecordPageRequest& /*request*/, const RecordVisitor& /*visit*/,
                                            const CancelToken* /*cancel*/) {
  return size_t{0};
}

Result<std::unique_ptr<RecordSource>> open_record_source(const SourceSpec& /*spec*/) {
  return make_error(ErrorCode::Unsupported, "the built-in record sources are not in this build yet");
}

}  // namespace cloudsync
