#include "backends/gdrive/gdrive_multipart_body.hpp"

#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace cloudsync::gdrive {

MultipartRelatedBody::MultipartRelatedBody(std::string_view metadata_json, std::string_view media_type,
                                           ByteSource& media, uint64_t media_size)
    // 128 random bits: the media cannot be scanned first (it streams), and a
    // random boundary of this length does not occur in it by chance.
    : boundary_("cloudsync_" + random_hex(16)), media_(media), media_size_(media_size) {
  head_ = "--" + boundary_ + "\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n" + std::string(metadata_json) +
          "\r\n--" + boundary_ + "\r\nContent-Type: " + std::string(media_type) + "\r\n\r\n";
  tail_ = "\r\n--" + boundary_ + "--\r\n";
}

std::string MultipartRelatedBody::content_type() const { return "multipart/related; boundary=" + boundary_; }

Result<size_t> MultipartRelatedBody::read(std::span<char> buf) {
  size_t done = 0;
  auto copy = [&](std::string_view part, uint64_t start) {
    uint64_t offset = pos_ - start;
    size_t n = static_cast<size_t>(std::min<uint64_t>(part.size() - offset, buf.size() - done));
    std::memcpy(buf.data() + done, part.data() + offset, n);
    done += n;
    pos_ += n;
  };
  const uint64_t media_end = head_.size() + media_size_;
  if (pos_ < head_.size() && done < buf.size()) copy(head_, 0);
  while (pos_ >= head_.size() && pos_ < media_end && done < buf.size()) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(media_end - pos_, buf.size() - done));
    CLOUDSYNC_ASSIGN_OR_RETURN(size_t n, media_.read(buf.subspan(done, want)));
    if (n == 0) {
      return make_error(ErrorCode::Integrity, "the upload source ended after {} of {} bytes", pos_ - head_.size(),
                        media_size_);
    }
    done += n;
    pos_ += n;
  }
  if (pos_ == media_end && done < buf.size()) {
    // The source must end where it said it would.
    char probe = 0;
    CLOUDSYNC_ASSIGN_OR_RETURN(size_t extra, media_.read(std::span<char>(&probe, 1)));
    if (extra != 0) return make_error(ErrorCode::Integrity, "the upload source has more than {} bytes", media_size_);
  }
  if (pos_ >= media_end && done < buf.size()) copy(tail_, media_end);
  return done;
}

Status MultipartRelatedBody::rewind() {
  CLOUDSYNC_RETURN_IF_ERROR(media_.rewind());
  pos_ = 0;
  return Status::OK();
}

}  // namespace cloudsync::gdrive
