// Downloads of one large object in several ranged streams: the file is whole
// and verified, a range that drops is resumed on its own, and an object that
// changes between ranges never becomes a file mixing two versions.
#include <atomic>

#include "cloudsync/backends/local.hpp"
#include "cloudsync/backends/memory.hpp"
#include "core/hash.hpp"
#include "support/fault_backend.hpp"
#include "support/test_util.hpp"
#include "transfer/ranged_download.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync::test {

namespace {

// Replaces the object with another version just before the read after the
// first `after_gets` ranges starts (so that read, at least, finds it).
class ChangingBackend final : public FaultBackend {
 public:
  ChangingBackend(std::shared_ptr<MemoryBackend> memory, int after_gets)
      : FaultBackend(memory), memory_(std::move(memory)), after_gets_(after_gets) {}
  Result<ObjectMeta> get(const Path& path, const GetOptions& options, ByteSink& sink, const OpContext& ctx) override {
    if (++started_ == after_gets_ + 1) memory_->insert_raw(path.str(), next_version_);
    return FaultBackend::get(path, options, sink, ctx);
  }
  static constexpr size_t kSize = 3 * 1024 * 1024 + 123;

 private:
  std::shared_ptr<MemoryBackend> memory_;
  int after_gets_;
  std::string next_version_ = random_bytes(kSize, 99);
  std::atomic<int> started_{0};
};

// A 3 MiB object in memory (`remote` wraps it to count and break its reads)
// and an empty local folder.
struct RangedFixture {
  TempDir dir;
  std::shared_ptr<StorageBackend> local;
  std::string data = random_bytes(ChangingBackend::kSize, 5);
  std::shared_ptr<MemoryBackend> memory = std::make_shared<MemoryBackend>("remote");
  std::shared_ptr<FaultBackend> remote = std::make_shared<FaultBackend>(memory);
  RangedFixture() {
    auto l = make_local_backend(dir / "local");
    REQUIRE_OK(l);
    local = *l;
    memory->insert_raw("big.bin", data);
  }
  // Four streams of 256 KiB ranges for anything from 1 MiB: 13 ranges here.
  static TransferOptions options() {
    TransferOptions o;
    o.download_streams = 4;
    o.multi_stream_threshold = 1 << 20;
    o.download_range_size = 256 * 1024;
    return o;
  }
  Result<TransferResult> download(StorageBackend& source, const TransferOptions& o) {
    auto meta = source.head(P("big.bin"), kCtx);
    REQUIRE_OK(meta);
    DestinationExpectation expect;
    expect.kind = DestinationExpectation::Kind::Absent;
    return transfer_object(source, P("big.bin"), *meta, *local, P("big.bin"), expect, o, nullptr, kCtx);
  }
};

}  // namespace

TEST_CASE("a large object is read in ranged streams into one verified file", "[transfer][ranged]") {
  RangedFixture f;
  auto& remote = f.remote;

  SECTION("CRC32C combined from the ranges") {
    auto r = f.download(*remote, RangedFixture::options());
    REQUIRE_OK(r);
    CHECK(remote->gets == 13);
    CHECK(r->bytes == f.data.size());
    CHECK(r->content_hashes.crc32c == hashes_of(f.data).crc32c);
    CHECK(r->content_hashes.md5.empty());  // nothing computed that nobody asked for
  }
  SECTION("MD5 (and SHA-256) computed in order over the completed prefix") {
    TransferOptions o = RangedFixture::options();
    o.hash_kinds = HashKind::Md5 | HashKind::Sha256;
    auto r = f.download(*remote, o);
    REQUIRE_OK(r);
    CHECK(r->content_hashes.md5 == hashes_of(f.data).md5);
    CHECK(r->content_hashes.sha256 == hashes_of(f.data).sha256);
  }
  SECTION("below the threshold, or with one stream, one GET as before") {
    TransferOptions o = RangedFixture::options();
    o.download_streams = 1;
    REQUIRE_OK(f.download(*remote, o));
    CHECK(remote->gets == 1);
  }
  SECTION("each range is pinned to the listed etag") {
    REQUIRE_OK(f.download(*remote, RangedFixture::options()));
    auto last = remote->last_get_options();
    REQUIRE(last);
    CHECK(!last->if_match.empty());
    REQUIRE(last->range);
    CHECK(last->range->length);
  }
  CHECK(read_file(f.dir / "local/big.bin") == f.data);
  CHECK(list_tree(f.dir / "local") == std::vector<std::string>{"big.bin"});
}

TEST_CASE("a range that drops half way is resumed on its own", "[transfer][ranged]") {
  RangedFixture f;
  auto& remote = f.remote;
  // Two ranges are cut after 100 KiB of their 256.
  remote->inject_get({"big.bin", 100 * 1024, ErrorCode::Network, 2, false});
  TransferOptions o = RangedFixture::options();
  o.hash_kinds = hash_kinds(HashKind::Md5);
  auto r = f.download(*remote, o);
  REQUIRE_OK(r);
  CHECK(remote->gets == 13 + 2);  // one resumption each, from where it stopped
  CHECK(r->content_hashes.md5 == hashes_of(f.data).md5);
  CHECK(read_file(f.dir / "local/big.bin") == f.data);
}

TEST_CASE("a range that fails for good leaves no file", "[transfer][ranged]") {
  RangedFixture f;
  auto& remote = f.remote;
  SECTION("a range that keeps dropping") {
    remote->inject_get({"big.bin", 1000, ErrorCode::Network, -1, false});
    TransferOptions o = RangedFixture::options();
    o.resume_attempts = 1;
    REQUIRE_CODE(f.download(*remote, o), ErrorCode::Network);
  }
  SECTION("a range whose bytes were corrupted fails the whole object's checksum") {
    remote->inject_get({"big.bin", 5000, ErrorCode::Network, 1, true});
    REQUIRE_CODE(f.download(*remote, RangedFixture::options()), ErrorCode::Integrity);
  }
  CHECK(list_tree(f.dir / "local").empty());  // not under its name, and no temporary left behind
}

TEST_CASE("an object that changes between ranges is not mixed into one file", "[transfer][ranged]") {
  RangedFixture f;
  auto remote = std::make_shared<ChangingBackend>(f.memory, 3);  // a new version after three ranges
  auto r = f.download(*remote, RangedFixture::options());
  INFO("ranges read: " << remote->gets.load());
  REQUIRE_CODE(r, ErrorCode::PreconditionFailed);
  CHECK(list_tree(f.dir / "local").empty());
}

}  // namespace cloudsync::test
