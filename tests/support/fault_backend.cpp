#include "support/fault_backend.hpp"

namespace cloudsync::test {

bool FaultBackend::take(int& times) {
  if (times == 0) return false;
  if (times > 0) --times;
  return true;
}

void FaultBackend::inject_get(GetFault fault) {
  std::lock_guard lock(mutex_);
  get_faults_.push_back(std::move(fault));
}

void FaultBackend::fail_put(std::string key, ErrorCode code, int times) {
  fail_put(std::move(key), Status(code, "injected put failure"), times);
}

void FaultBackend::fail_put(std::string key, Status status, int times) {
  std::lock_guard lock(mutex_);
  put_key_ = std::move(key);
  put_status_ = std::move(status);
  put_times_ = times;
}

void FaultBackend::fail_list(ErrorCode code, int times) { fail_list(Status(code, "injected listing failure"), times); }

void FaultBackend::fail_list(Status status, int times) {
  std::lock_guard lock(mutex_);
  list_status_ = std::move(status);
  list_times_ = times;
}

void FaultBackend::fail_remove(Status status, int times) {
  std::lock_guard lock(mutex_);
  remove_status_ = std::move(status);
  remove_times_ = times;
}

std::optional<GetOptions> FaultBackend::last_get_options() {
  std::lock_guard lock(mutex_);
  return last_get_;
}

std::optional<PutOptions> FaultBackend::last_put_options() {
  std::lock_guard lock(mutex_);
  return last_put_;
}

void FaultBackend::fail_head(ErrorCode code, int times) {
  std::lock_guard lock(mutex_);
  head_code_ = code;
  head_times_ = times;
}

Result<ObjectMeta> FaultBackend::head(const Path& path, const OpContext& ctx) {
  ++heads;
  {
    std::lock_guard lock(mutex_);
    if (take(head_times_)) return Status(head_code_, "injected head failure");
  }
  return inner_->head(path, ctx);
}

namespace {
// Passes bytes through until a limit, then fails (or corrupts one byte).
HashSet only_kinds(const HashSet& hashes, HashKinds kinds) {
  HashSet kept;
  if (has_kind(kinds, HashKind::Md5)) kept.md5 = hashes.md5;
  if (has_kind(kinds, HashKind::Sha256)) kept.sha256 = hashes.sha256;
  if (has_kind(kinds, HashKind::Crc32c)) kept.crc32c = hashes.crc32c;
  return kept;
}

class FaultySink final : public ByteSink {
 public:
  FaultySink(ByteSink& out, uint64_t limit, ErrorCode code, bool corrupt)
      : out_(out), limit_(limit), code_(code), corrupt_(corrupt) {}
  Status write(std::string_view data) override {
    if (corrupt_) {
      std::string copy(data);
      if (!done_ && written_ + copy.size() > limit_) {
        copy[limit_ - written_] ^= 0x5a;
        done_ = true;
      }
      written_ += copy.size();
      return out_.write(copy);
    }
    // Past the limit the rest of the body is swallowed, and get() reports
    // the drop once the inner store has answered: the caller sees the first
    // `limit` bytes and then the error, as on a dropped connection, while an
    // HTTP store's client sees a whole answer and does not retry on its own.
    if (tripped_) return Status::OK();
    if (written_ + data.size() > limit_) {
      size_t keep = static_cast<size_t>(limit_ - written_);
      if (keep > 0) {
        Status s = out_.write(data.substr(0, keep));
        if (!s.ok()) return s;
      }
      written_ += keep;
      tripped_ = true;
      return Status::OK();
    }
    written_ += data.size();
    return out_.write(data);
  }

  /// The injected failure, once the body went past the limit.
  std::optional<Status> dropped() const {
    if (!tripped_) return std::nullopt;
    return Status(code_, "injected: connection dropped mid-body");
  }

 private:
  ByteSink& out_;
  uint64_t limit_;
  ErrorCode code_;
  bool corrupt_;
  uint64_t written_ = 0;
  bool done_ = false;
  bool tripped_ = false;
};
}  // namespace

Result<ObjectMeta> FaultBackend::get(const Path& path, const GetOptions& options, ByteSink& sink,
                                     const OpContext& ctx) {
  ++gets;
  std::optional<GetFault> fault;
  {
    std::lock_guard lock(mutex_);
    last_get_ = options;
    for (GetFault& f : get_faults_) {
      if ((f.key.empty() || f.key == path.str()) && take(f.times)) {
        fault = f;
        break;
      }
    }
  }
  Result<ObjectMeta> got = Status(ErrorCode::Internal, "no attempt made");
  if (!fault) {
    got = inner_->get(path, options, sink, ctx);
  } else {
    FaultySink faulty(sink, fault->after_bytes, fault->code, fault->corrupt);
    got = inner_->get(path, options, faulty, ctx);
    if (got.ok()) {
      if (std::optional<Status> dropped = faulty.dropped()) got = *dropped;
    }
  }
  if (got.ok() && vouch_on_get_) got->hashes = only_kinds(got->hashes, *vouch_on_get_);
  return got;
}

Result<ObjectMeta> FaultBackend::put(const Path& path, ByteSource& data, const PutOptions& options,
                                     const OpContext& ctx) {
  ++puts;
  {
    std::lock_guard lock(mutex_);
    last_put_ = options;
    if ((put_key_.empty() || put_key_ == path.str()) && take(put_times_)) return put_status_;
  }
  return inner_->put(path, data, options, ctx);
}

Result<std::unique_ptr<MultipartUpload>> FaultBackend::start_multipart(const Path& path, const PutOptions& options,
                                                                       const OpContext& ctx) {
  ++multiparts;
  return inner_->start_multipart(path, options, ctx);
}

Result<ListPage> FaultBackend::list_page(const ListOptions& options, const OpContext& ctx) {
  ++lists;
  {
    std::lock_guard lock(mutex_);
    if (take(list_times_)) return list_status_;
  }
  auto page = inner_->list_page(options, ctx);
  if (page.ok() && vouch_on_get_) {
    for (ObjectMeta& meta : page->objects) meta.hashes = HashSet{};
  }
  if (page.ok() && misreport_md5_) {
    for (ObjectMeta& meta : page->objects) meta.hashes.md5 = "0123456789abcdef0123456789abcdef";
  }
  return page;
}

Result<std::vector<Status>> FaultBackend::remove_many(std::span<const Path> paths, const OpContext& ctx) {
  deletes += static_cast<int>(paths.size());
  std::vector<Path> passed;
  std::vector<std::optional<Status>> injected(paths.size());
  {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < paths.size(); ++i) {
      if (take(remove_times_)) {
        injected[i] = remove_status_;
      } else {
        passed.push_back(paths[i]);
      }
    }
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<Status> removed, inner_->remove_many(passed, ctx));
  std::vector<Status> out;
  size_t next = 0;
  for (std::optional<Status>& s : injected) out.push_back(s ? std::move(*s) : removed.at(next++));
  return out;
}

}  // namespace cloudsync::test
