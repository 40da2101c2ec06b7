#include "records/window_export.hpp"

#include <set>
#include <utility>

#include "catalog/export_job_json.hpp"
#include "cloudsync/backends/local.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "records/export_names.hpp"
#include "records/jsonl_spool.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync {

namespace {

constexpr std::string_view kRunFile = "_run.json";
constexpr std::string_view kManifestFile = "_manifest.json";

struct WrittenFile {
  std::string key;
  bool deletions = false;
  uint64_t rows = 0, bytes = 0;
  std::string sha256;
};

struct ModelOutcome {
  ModelRunStats stats;
  ModelWatermark watermark;
  std::vector<WrittenFile> files;
};

/// A sink that only hashes (comparing an object already in the store with ours).
class HashingOnlySink final : public ByteSink {
 public:
  Status write(std::string_view data) override {
    hasher_.update(data);
    return Status::OK();
  }
  std::string sha256() { return hasher_.finish().sha256; }

 private:
  Hasher hasher_{hash_kinds(HashKind::Sha256)};
};

bool refused_as_existing(const Status& s) {
  return s.code() == ErrorCode::AlreadyExists || s.code() == ErrorCode::Conflict ||
         s.code() == ErrorCode::PreconditionFailed;
}

std::string join_key(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  return std::string(a) + "/" + std::string(b);
}

/// The window's identity as _run.json holds it (also the manifest's head).
void write_identity(JsonWriter& w, const WindowIdentity& window) {
  w.Key("job_id");
  json_write_string(w, window.job_id);
  w.Key("folder");
  json_write_string(w, window.folder);
  w.Key("window_opened");
  json_write_string(w, format_rfc3339(window.opened, 9));
  w.Key("upper_bound");
  json_write_string(w, format_rfc3339(window.upper_bound, 9));
  w.Key("lower_bounds");
  write_watermarks_json(w, window.lower_bounds);
}

std::string identity_document(const WindowIdentity& window) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  write_identity(w, window);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

std::string tombstone_line(std::string_view id, std::string_view updated_at) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  json_write_string(w, updated_at);
  return fmt::format("{{\"id\":{},\"_deleted\":true,\"_updated_at\":{}}}", id,
                     std::string_view(buf.GetString(), buf.GetSize()));
}

class WindowWriter {
 public:
  explicit WindowWriter(const WindowExportRequest& rq)
      : rq_(rq), ctx_{rq.cancel}, folder_key_(join_key(rq.prefix, rq.window.folder)) {}

  Result<WindowExportResult> run() {
    const std::string manifest_key = join_key(folder_key_, kManifestFile);
    CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<WindowExportResult> adopted, adopt_manifest(manifest_key));
    if (adopted) return std::move(*adopted);
    CLOUDSYNC_RETURN_IF_ERROR(claim_folder());
    LocalBackendOptions local;
    local.fsync = false;
    CLOUDSYNC_ASSIGN_OR_RETURN(spool_backend_, make_local_backend(rq_.spool_dir, local));
    std::vector<ModelOutcome> outcomes;
    for (size_t i = 0; i < rq_.sources.size(); ++i) {
      ModelOutcome out;
      out.stats.model = rq_.window.lower_bounds[i].model;
      out.watermark = rq_.window.lower_bounds[i];
      CLOUDSYNC_RETURN_IF_ERROR(export_stream(i, false, out));
      if (rq_.sources[i]->has_deletions()) CLOUDSYNC_RETURN_IF_ERROR(export_stream(i, true, out));
      outcomes.push_back(std::move(out));
    }
    CLOUDSYNC_RETURN_IF_ERROR(delete_leftovers(manifest_key));
    std::string manifest = manifest_document(outcomes);
    PutOptions create;
    create.mode = PutMode::Create;
    create.content_type = "application/json";
    CLOUDSYNC_ASSIGN_OR_RETURN(Path manifest_path, Path::parse(manifest_key));
    auto put = rq_.backend->write_all(manifest_path, manifest, create, ctx_);
    if (!put.ok()) {
      if (!refused_as_existing(put.status())) return put.status();
      // Written by an attempt whose answer was lost: ours if the identity matches.
      CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<WindowExportResult> existing, adopt_manifest(manifest_key));
      if (existing) return std::move(*existing);
      return put.status();
    }
    WindowExportResult result;
    for (ModelOutcome& o : outcomes) {
      result.models.push_back(std::move(o.stats));
      result.watermarks.push_back(std::move(o.watermark));
    }
    result.manifest_key = manifest_key;
    return result;
  }

 private:
  Status folder_conflict() const {
    if (rq_.folder_taken != nullptr) *rq_.folder_taken = true;
    return make_error(ErrorCode::Conflict, "folder {} belongs to another window (its _run.json names another one)",
                      folder_key_);
  }

  /// The committed manifest of this window, if an earlier attempt wrote it.
  Result<std::optional<WindowExportResult>> adopt_manifest(const std::string& key) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Path path, Path::parse(key));
    auto text = rq_.backend->read_all(path, ctx_);
    if (!text.ok()) {
      if (text.status().code() == ErrorCode::NotFound) return std::optional<WindowExportResult>{};
      return text.status();
    }
    const std::string what = "manifest " + key;
    CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, parse_json(*text, what));
    if (!doc.IsObject()) return make_error(ErrorCode::BadResponse, "{} is not an object", what);
    CLOUDSYNC_ASSIGN_OR_RETURN(auto job_id, json_string(doc, "job_id", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto opened, json_string(doc, "window_opened", what));
    if (job_id != rq_.window.job_id || opened != format_rfc3339(rq_.window.opened, 9)) return folder_conflict();
    WindowExportResult result;
    result.adopted = true;
    result.manifest_key = key;
    if (!doc.HasMember("watermarks") || !doc.HasMember("models") || !doc["models"].IsArray()) {
      return make_error(ErrorCode::BadResponse, "{} lacks its watermarks or models", what);
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(result.watermarks, read_watermarks_json(doc["watermarks"], what));
    for (const auto& m : doc["models"].GetArray()) {
      if (!m.IsObject()) return make_error(ErrorCode::BadResponse, "{}: a model is not an object", what);
      ModelRunStats stats;
      CLOUDSYNC_ASSIGN_OR_RETURN(auto name, json_string(m, "model", what));
      stats.model = name.value_or("");
      uint64_t* fields[] = {&stats.rows, &stats.tombstones, &stats.files, &stats.bytes};
      const char* names[] = {"rows", "tombstones", "files", "bytes"};
      for (size_t i = 0; i < 4; ++i) {
        CLOUDSYNC_ASSIGN_OR_RETURN(auto v, json_int(m, names[i], what));
        *fields[i] = v && *v > 0 ? static_cast<uint64_t>(*v) : 0;
      }
      result.models.push_back(std::move(stats));
    }
    return std::optional<WindowExportResult>(std::move(result));
  }

  /// _run.json, create-only: the folder is this window's, or nothing is written.
  Status claim_folder() {
    const std::string identity = identity_document(rq_.window);
    written_.insert(join_key(folder_key_, kRunFile));
    CLOUDSYNC_ASSIGN_OR_RETURN(Path path, Path::parse(join_key(folder_key_, kRunFile)));
    PutOptions create;
    create.mode = PutMode::Create;
    create.content_type = "application/json";
    auto put = rq_.backend->write_all(path, identity, create, ctx_);
    if (put.ok()) return Status::OK();
    if (!refused_as_existing(put.status())) return put.status();
    CLOUDSYNC_ASSIGN_OR_RETURN(std::string existing, rq_.backend->read_all(path, ctx_));
    return existing == identity ? Status::OK() : folder_conflict();
  }

  Status keep_alive() {
    if (ctx_.cancelled()) return make_error(ErrorCode::Cancelled, "the record export was cancelled");
    return rq_.keep_alive ? rq_.keep_alive() : Status::OK();
  }

  /// Reads one model's records (or deletions) from its lower bound to the
  /// window's upper bound, a page at a time, into files.
  Status export_stream(size_t index, bool deletions, ModelOutcome& out) {
    RecordSource& source = *rq_.sources[index];
    std::optional<RecordKey>& mark = deletions ? out.watermark.deletions : out.watermark.records;
    RecordPageRequest page;
    page.after = mark;
    page.upper = rq_.window.upper_bound;
    page.max_records = rq_.options.page_records == 0 ? 10'000 : rq_.options.page_records;
    page.ids_as_strings = rq_.options.ids_as_strings;
    std::unique_ptr<JsonlSpool> spool;
    std::optional<RecordKey> last;
    RecordVisitor visit = [&](const RecordView& r) -> Status {
      if (!spool) {
        CLOUDSYNC_ASSIGN_OR_RETURN(spool, JsonlSpool::open(rq_.spool_dir, rq_.options.gzip));
      }
      CLOUDSYNC_RETURN_IF_ERROR(
          spool->append(r.id, deletions ? std::string_view(tombstone_line(r.id, r.updated_at)) : r.json));
      last = RecordKey{std::string(r.updated_at), std::string(r.id)};
      if (spool->rows() >= rq_.options.max_file_rows || spool->raw_bytes() >= rq_.options.max_file_bytes) {
        CLOUDSYNC_RETURN_IF_ERROR(close_file(*spool, out, deletions));
        spool.reset();
      }
      return Status::OK();
    };
    for (;;) {
      auto n = deletions ? source.read_deletions(page, visit, rq_.cancel) : source.read_page(page, visit, rq_.cancel);
      if (!n.ok()) return n.status().with_context(fmt::format("model '{}'", out.stats.model));
      if (last) page.after = last;
      CLOUDSYNC_RETURN_IF_ERROR(keep_alive());
      if (*n < page.max_records) break;
    }
    if (spool && spool->rows() > 0) CLOUDSYNC_RETURN_IF_ERROR(close_file(*spool, out, deletions));
    if (last) mark = last;
    return Status::OK();
  }

  Status close_file(JsonlSpool& spool, ModelOutcome& out, bool deletions) {
    CLOUDSYNC_RETURN_IF_ERROR(spool.finish());
    const std::string stem =
        key_safe_id(spool.first_id()) + "-" + key_safe_id(spool.last_id()) + (deletions ? ".deletions" : "");
    const std::string ext = rq_.options.gzip ? ".json.gz" : ".json";
    const std::string model_key = join_key(folder_key_, out.stats.model);
    // '~' never occurs in an encoded id, so a suffixed name cannot be another
    // file's plain one; the suffix counts within this run, deterministically.
    std::string key = join_key(model_key, stem + ext);
    for (int n = 2; written_.count(key) != 0; ++n) key = join_key(model_key, fmt::format("{}~{}{}", stem, n, ext));
    CLOUDSYNC_RETURN_IF_ERROR(upload(spool, key));
    written_.insert(key);
    WrittenFile file{key, deletions, spool.rows(), spool.stored_bytes(), spool.sha256()};
    (deletions ? out.stats.tombstones : out.stats.rows) += file.rows;
    out.stats.files += 1;
    out.stats.bytes += file.bytes;
    out.files.push_back(std::move(file));
    return keep_alive();
  }

  /// Create-only; an object already there is kept when it is the same bytes
  /// and replaced when it is a failed attempt's different leftover.
  Status upload(const JsonlSpool& spool, const std::string& key) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Path src, Path::parse(spool.file_name()));
    CLOUDSYNC_ASSIGN_OR_RETURN(Path dst, Path::parse(key));
    CLOUDSYNC_ASSIGN_OR_RETURN(ObjectMeta meta, spool_backend_->head(src, ctx_));
    TransferOptions options;
    options.fsync = false;
    options.spool_dir = rq_.spool_dir;
    DestinationExpectation expect;
    expect.kind = DestinationExpectation::Kind::Absent;
    auto created = transfer_object(*spool_backend_, src, meta, *rq_.backend, dst, expect, options, nullptr, ctx_);
    if (created.ok()) return Status::OK();
    if (!refused_as_existing(created.status())) return created.status();
    HashingOnlySink existing;
    CLOUDSYNC_RETURN_IF_ERROR(rq_.backend->get(dst, {}, existing, ctx_).status());
    if (existing.sha256() == spool.sha256()) return Status::OK();
    expect.kind = DestinationExpectation::Kind::Anything;
    return transfer_object(*spool_backend_, src, meta, *rq_.backend, dst, expect, options, nullptr, ctx_).status();
  }

  /// Objects of an earlier attempt that this one did not write (a file that
  /// rolled over elsewhere, a model since removed) must not reach readers.
  Status delete_leftovers(const std::string& manifest_key) {
    ListOptions list;
    list.prefix = folder_key_ + "/";
    std::vector<Path> stale;
    CLOUDSYNC_RETURN_IF_ERROR(rq_.backend->list(
        list,
        [&](const ObjectMeta& m) -> Status {
          if (m.kind != ObjectKind::File || written_.count(m.key) != 0 || m.key == manifest_key) return Status::OK();
          CLOUDSYNC_ASSIGN_OR_RETURN(Path p, Path::parse(m.key));
          stale.push_back(std::move(p));
          return Status::OK();
        },
        ctx_));
    if (stale.empty()) return Status::OK();
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<Status> removed, rq_.backend->remove_many(stale, ctx_));
    for (const Status& s : removed) {
      if (!s.ok() && s.code() != ErrorCode::NotFound) return s.with_context("deleting a failed attempt's leftover");
    }
    return Status::OK();
  }

  std::string manifest_document(const std::vector<ModelOutcome>& outcomes) const {
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    write_identity(w, rq_.window);
    std::vector<ModelWatermark> marks;
    for (const ModelOutcome& o : outcomes) marks.push_back(o.watermark);
    w.Key("watermarks");
    write_watermarks_json(w, marks);
    w.Key("models");
    w.StartArray();
    for (const ModelOutcome& o : outcomes) {
      w.StartObject();
      w.Key("model");
      json_write_string(w, o.stats.model);
      w.Key("rows");
      w.Uint64(o.stats.rows);
      w.Key("tombstones");
      w.Uint64(o.stats.tombstones);
      w.Key("files");
      w.Uint64(o.stats.files);
      w.Key("bytes");
      w.Uint64(o.stats.bytes);
      w.Key("objects");
      w.StartArray();
      for (const WrittenFile& f : o.files) {
        w.StartObject();
        w.Key("key");
        json_write_string(w, f.key);
        w.Key("kind");
        w.String(f.deletions ? "deletions" : "records");
        w.Key("rows");
        w.Uint64(f.rows);
        w.Key("bytes");
        w.Uint64(f.bytes);
        w.Key("sha256");
        json_write_string(w, f.sha256);
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
  }

  const WindowExportRequest& rq_;
  OpContext ctx_;
  std::string folder_key_;
  std::shared_ptr<StorageBackend> spool_backend_;
  std::set<std::string> written_;
};

}  // namespace

Result<WindowExportResult> export_window(const WindowExportRequest& request) {
  if (request.backend == nullptr || request.sources.size() != request.window.lower_bounds.size()) {
    return make_error(ErrorCode::Internal, "export_window: a backend and one source per model are required");
  }
  return WindowWriter(request).run();
}

}  // namespace cloudsync
