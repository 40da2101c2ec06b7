// Value types shared by backends, the transfer layer and the sync engine.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "cloudsync/export.hpp"

namespace cloudsync {

/// Wall-clock time with nanosecond resolution (UTC).
using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::nanoseconds>;

/// Content hash kinds. Values are bits so a set of kinds fits in a HashKinds mask.
enum class HashKind : unsigned { Md5 = 1u, Sha256 = 2u, Crc32c = 4u };
using HashKinds = unsigned;
constexpr HashKinds hash_kinds(HashKind k) noexcept { return static_cast<unsigned>(k); }
constexpr HashKinds operator|(HashKind a, HashKind b) noexcept { return hash_kinds(a) | hash_kinds(b); }
constexpr bool has_kind(HashKinds set, HashKind k) noexcept { return (set & hash_kinds(k)) != 0; }
constexpr HashKinds kAllHashKinds = HashKind::Md5 | HashKind::Sha256 | hash_kinds(HashKind::Crc32c);

/// Lower-case name: "md5", "sha256", "crc32c".
CLOUDSYNC_API std::string_view hash_kind_name(HashKind kind);

/// Known content hashes of one object, as lower-case hex. An empty string means
/// "not known", never "empty content".
struct CLOUDSYNC_API HashSet {
  std::string md5;
  std::string sha256;
  std::string crc32c;

  const std::string& get(HashKind kind) const;
  void set(HashKind kind, std::string hex);
  HashKinds kinds() const;  ///< kinds with a value
  bool empty() const { return kinds() == 0; }

  /// Compares on the kinds both sides know: true/false if at least one kind is
  /// shared, nullopt if none is (the caller must fall back to something else).
  std::optional<bool> matches(const HashSet& other) const;
  /// Fills kinds missing here from `other`.
  void merge(const HashSet& other);

  friend bool operator==(const HashSet&, const HashSet&) = default;
};

/// What a listing entry is.
enum class ObjectKind {
  File,             ///< ordinary content
  DirectoryMarker,  ///< a zero-byte "dir/" placeholder or a real folder (Drive)
  Document,         ///< provider-native document without raw bytes (Google Docs):
                    ///< downloadable only by export, never overwritten by a write
};

/// What a backend knows about one object.
struct CLOUDSYNC_API ObjectMeta {
  /// The key exactly as the store reported it, '/'-separated and relative to the
  /// backend root. May be hostile ("../x", "a//b"): validate with Path::parse
  /// before using it to name anything local.
  std::string key;
  ObjectKind kind = ObjectKind::File;
  uint64_t size = 0;
  /// The file's own modification time, when the store keeps one (native mtime on
  /// a filesystem, user metadata on object stores, modifiedTime on Drive).
  std::optional<TimePoint> mtime;
  /// When the store last wrote the object (S3 Last-Modified); not a file mtime.
  std::optional<TimePoint> last_modified;
  std::string etag;     ///< opaque version token for conditional requests
  std::string version;  ///< version id / generation / head revision, if any
  std::string id;       ///< provider id (Drive file id), if any
  HashSet hashes;       ///< only hashes the store vouches for
  std::string content_type;
  std::map<std::string, std::string> metadata;  ///< user metadata (lower-case keys)
};

}  // namespace cloudsync
