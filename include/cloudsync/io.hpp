// Streaming byte sources and sinks: how object bodies move without being held
// in memory as a whole.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "cloudsync/export.hpp"
#include "cloudsync/status.hpp"

namespace cloudsync {

/// Produces the bytes of an upload.
class CLOUDSYNC_API ByteSource {
 public:
  virtual ~ByteSource() = default;
  /// Reads up to buf.size() bytes; 0 means end of data.
  virtual Result<size_t> read(std::span<char> buf) = 0;
  /// Total bytes the source will produce from its start, if known.
  virtual std::optional<uint64_t> size() const = 0;
  /// Starts over from the beginning (needed to retry an upload). Sources that
  /// cannot do this return Unsupported and their uploads are not retried.
  virtual Status rewind() = 0;
};

/// Consumes the bytes of a download.
class CLOUDSYNC_API ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status write(std::string_view data) = 0;
};

/// A source over bytes the caller keeps alive.
class CLOUDSYNC_API MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string_view data) : data_(data) {}
  Result<size_t> read(std::span<char> buf) override;
  std::optional<uint64_t> size() const override { return data_.size(); }
  Status rewind() override {
    pos_ = 0;
    return Status::OK();
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

/// A sink that appends to a string (tests and small documents only).
class CLOUDSYNC_API StringSink final : public ByteSink {
 public:
  Status write(std::string_view data) override {
    out.append(data);
    return Status::OK();
  }
  std::string out;
};

}  // namespace cloudsync
