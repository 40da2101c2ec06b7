#include "cloudsync/io.hpp"

#include <algorithm>
#include <cstring>

namespace cloudsync {

Result<size_t> MemorySource::read(std::span<char> buf) {
  size_t n = std::min(buf.size(), data_.size() - pos_);
  std::memcpy(buf.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

}  // namespace cloudsync
