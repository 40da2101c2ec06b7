// The JSON form of listings: one schema for the command-line tool's
// `ls --json`, the C ABI's listing iterator, cloudsync_storage_head and
// cloudsync_list, and the objects inside plans. The schema is checked in as
// capi/schema/listing.schema.json; tests validate real outputs against it.
//
// An entry (an object, or a folder a one-level listing rolled up):
//   {"key": "dir/a.txt", "kind": "file" | "directory" | "document",
//    "size": 12,                              (absent for a rolled-up folder)
//    "mtime": "2024-05-01T12:00:00.000000000Z", the file's own time, when kept
//    "last_modified": "...",                  when the store last wrote it
//    "etag", "version", "id", "md5", "sha256", "crc32c", "content_type"}
// Members other than "key" and "kind" are absent when unknown. Bytes that are
// not UTF-8 (a remote key may be any bytes) are written as U+FFFD.
//
// A listing document: {"url": "s3://bucket/prefix", "entries": [<entry>, ...]},
// plus "error": {"code", "message", ...} when the listing was cut short.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "cloudsync/export.hpp"
#include "cloudsync/types.hpp"

namespace cloudsync {

/// One entry for an object.
CLOUDSYNC_API std::string listing_entry_to_json(const ObjectMeta& meta);
/// One entry for a folder a one-level listing rolled up ("dir/").
CLOUDSYNC_API std::string listing_folder_to_json(std::string_view prefix);

/// Writes a listing document one entry at a time, handing the text to
/// `output` in chunks, so that a listing of millions of keys never sits in memory.
class CLOUDSYNC_API ListingJsonWriter {
 public:
  using Output = std::function<void(std::string_view chunk)>;
  ListingJsonWriter(std::string_view url, Output output);
  /// Finishes the document if finish() was not called.
  ~ListingJsonWriter();
  ListingJsonWriter(const ListingJsonWriter&) = delete;
  ListingJsonWriter& operator=(const ListingJsonWriter&) = delete;

  void entry(const ObjectMeta& meta);
  void folder(std::string_view prefix);
  /// Closes the document and flushes it. `error_json`, when not empty, is a
  /// serialised JSON object describing why the listing stopped short; it
  /// becomes the "error" member. Later calls do nothing.
  void finish(std::string_view error_json = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cloudsync
