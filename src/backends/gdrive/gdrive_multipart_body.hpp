// The body of a Drive multipart upload (RFC 2387 multipart/related: a JSON
// metadata part, then the media), streamed from the caller's source without
// copying it: a head, the media, a tail.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cloudsync/io.hpp"

namespace cloudsync::gdrive {

class MultipartRelatedBody final : public ByteSource {
 public:
  /// `media` must produce exactly `media_size` bytes (Integrity otherwise).
  MultipartRelatedBody(std::string_view metadata_json, std::string_view media_type, ByteSource& media,
                       uint64_t media_size);

  /// "multipart/related; boundary=..."
  std::string content_type() const;

  Result<size_t> read(std::span<char> buf) override;
  std::optional<uint64_t> size() const override { return head_.size() + media_size_ + tail_.size(); }
  Status rewind() override;

 private:
  std::string boundary_;
  std::string head_;
  std::string tail_;
  ByteSource& media_;
  uint64_t media_size_;
  uint64_t pos_ = 0;  ///< bytes produced so far
};

}  // namespace cloudsync::gdrive
