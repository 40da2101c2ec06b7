// copy / sync with a single file as SRC (rclone's copy and copyto):
//   cloudsync copy ./report.pdf s3://bucket/docs         -> s3://bucket/docs/report.pdf
//   cloudsync copy ./report.pdf s3://bucket/docs/old.pdf -> replaces that file, when it exists
// The tree sync runs unchanged over two one-object views: the source's folder
// showing only that file (under the name it gets at the destination), and the
// destination's folder showing only that name. So the plan, the dry run, the
// comparisons, --checksum and the clean cancellation are the tree sync's.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cloudsync/backend.hpp"

namespace cloudsync::cli {

/// A URL split into the folder that holds an object and the object's name.
struct FileUrl {
  std::string folder;  ///< "s3://bucket/docs", "./src"
  std::string name;    ///< "report.pdf"
};

/// Where `url` names an existing file, not a folder: its folder and name;
/// nullopt for a folder or anything else (which the tree sync then reports).
/// Local paths are looked at on disk; a remote URL costs one HEAD request.
/// Asked of SRC (a single file to copy) and then of DST (a file it replaces;
/// otherwise DST is the folder the file goes into).
std::optional<FileUrl> existing_file(const std::string& url, const BackendOptions& options);

/// `inner` showing one object only: `inner_key`, under the key `shown_key`
/// (the source's name as the destination will have it). Reads, writes and
/// deletes of other keys are refused; a listing shows that object, if present.
std::shared_ptr<StorageBackend> make_single_object_view(std::shared_ptr<StorageBackend> inner, Path inner_key,
                                                        Path shown_key);

}  // namespace cloudsync::cli
