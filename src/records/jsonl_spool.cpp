#include "records/jsonl_spool.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace cloudsync {

namespace {

// zlib's level 6 (its default) named here: the level is part of the bytes a
// rerun must reproduce, so it must never follow a library default.
constexpr int kGzipLevel = 6;
constexpr size_t kChunk = 64 * 1024;

}  // namespace

/// The temporary file, the optional deflate stream in front of it and the
/// hash of what reaches the file.
struct JsonlSpool::Output {
  std::FILE* file = nullptr;
  bool gzip = false;
  z_stream zs{};
  Hasher hasher{hash_kinds(HashKind::Sha256)};
  std::string buffer;
  uint64_t written = 0;

  ~Output() {
    if (gzip) deflateEnd(&zs);
    if (file != nullptr) std::fclose(file);
  }

  Status write_raw(const char* data, size_t size) {
    if (size == 0) return Status::OK();
    hasher.update(std::string_view(data, size));
    written += size;
    if (std::fwrite(data, 1, size, file) != size) {
      return make_error(error_code_from_errno(errno), "writing an export spool file: {}",
                        std::generic_category().message(errno));
    }
    return Status::OK();
  }

  Status deflate_into_file(std::string_view data, int flush) {
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    buffer.resize(kChunk);
    int rc = Z_OK;
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buffer.data());
      zs.avail_out = static_cast<uInt>(buffer.size());
      rc = deflate(&zs, flush);
      if (rc == Z_STREAM_ERROR) return make_error(ErrorCode::Internal, "gzip compression failed");
      CLOUDSYNC_RETURN_IF_ERROR(write_raw(buffer.data(), buffer.size() - zs.avail_out));
    } while (zs.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    return Status::OK();
  }

  Status write(std::string_view data) {
    return gzip ? deflate_into_file(data, Z_NO_FLUSH) : write_raw(data.data(), data.size());
  }
};

JsonlSpool::JsonlSpool(std::filesystem::path dir, std::string name, std::unique_ptr<Output> out)
    : dir_(std::move(dir)), name_(std::move(name)), out_(std::move(out)) {}

JsonlSpool::~JsonlSpool() {
  out_.reset();
  std::error_code ignored;
  std::filesystem::remove(dir_ / name_, ignored);
}

Result<std::unique_ptr<JsonlSpool>> JsonlSpool::open(const std::filesystem::path& dir, bool gzip) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return make_error(ErrorCode::Internal, "cannot create the export spool folder {}: {}", dir.string(), ec.message());
  std::string name = "spool-" + random_hex(12) + (gzip ? ".json.gz" : ".json");
  auto out = std::make_unique<Output>();
  out->file = std::fopen((dir / name).c_str(), "wbx");
  if (out->file == nullptr) {
    return make_error(error_code_from_errno(errno), "cannot create the export spool file {}: {}", (dir / name).string(),
                      std::generic_category().message(errno));
  }
  if (gzip) {
    // windowBits 15 + 16: a gzip wrapper whose header zlib writes with no
    // name and mtime 0 (no deflateSetHeader), so equal input gives equal bytes.
    if (deflateInit2(&out->zs, kGzipLevel, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      std::fclose(out->file);
      out->file = nullptr;
      return make_error(ErrorCode::Internal, "cannot start gzip compression");
    }
    out->gzip = true;
  }
  return std::unique_ptr<JsonlSpool>(new JsonlSpool(dir, std::move(name), std::move(out)));
}

Status JsonlSpool::append(std::string_view id, std::string_view line) {
  if (rows_ == 0) first_id_ = std::string(id);
  last_id_ = std::string(id);
  ++rows_;
  raw_bytes_ += line.size() + 1;
  CLOUDSYNC_RETURN_IF_ERROR(out_->write(line));
  return out_->write("\n");
}

Status JsonlSpool::finish() {
  if (out_->gzip) CLOUDSYNC_RETURN_IF_ERROR(out_->deflate_into_file({}, Z_FINISH));
  if (std::fflush(out_->file) != 0 || std::fclose(out_->file) != 0) {
    out_->file = nullptr;
    return make_error(error_code_from_errno(errno), "closing an export spool file: {}",
                      std::generic_category().message(errno));
  }
  out_->file = nullptr;
  stored_bytes_ = out_->written;
  sha256_ = out_->hasher.finish().sha256;
  return Status::OK();
}

}  // namespace cloudsync
