// One data file of a record export while it is being filled: JSON Lines
// appended to a temporary file in the spool folder (bounded memory whatever
// the file's size), gzip-compressed on the way when asked (deterministic: no
// name, mtime 0, a fixed level, so a rerun gives the same bytes) and hashed
// (SHA-256 of the bytes as stored). The temporary is removed with the spool.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "cloudsync/status.hpp"

namespace cloudsync {

class JsonlSpool {
 public:
  /// Starts an empty file in `dir` (created if missing).
  static Result<std::unique_ptr<JsonlSpool>> open(const std::filesystem::path& dir, bool gzip);
  ~JsonlSpool();
  JsonlSpool(const JsonlSpool&) = delete;
  JsonlSpool& operator=(const JsonlSpool&) = delete;

  /// Appends one line (its newline added); `id` is the record's JSON id.
  Status append(std::string_view id, std::string_view line);
  /// Flushes and closes: the file is complete (append no more).
  Status finish();

  uint64_t rows() const { return rows_; }
  uint64_t raw_bytes() const { return raw_bytes_; }        ///< before compression
  uint64_t stored_bytes() const { return stored_bytes_; }  ///< valid after finish
  const std::string& sha256() const { return sha256_; }    ///< hex, valid after finish
  const std::string& first_id() const { return first_id_; }
  const std::string& last_id() const { return last_id_; }
  /// The temporary's name inside the spool folder.
  const std::string& file_name() const { return name_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  struct Output;
  JsonlSpool(std::filesystem::path dir, std::string name, std::unique_ptr<Output> out);
  std::filesystem::path dir_;
  std::string name_;
  std::unique_ptr<Output> out_;
  uint64_t rows_ = 0, raw_bytes_ = 0, stored_bytes_ = 0;
  std::string sha256_, first_id_, last_id_;
};

}  // namespace cloudsync
