// Copies between two remote stores: server-side within one store (the memory
// store's copy_from), through bounded memory between two stores (no spool
// file, resumed after a GET cut mid-way), and the fallback to streaming when
// a store refuses to copy.
#include <atomic>
#include <filesystem>

#include "cloudsync/backends/memory.hpp"
#include "core/hash.hpp"
#include "support/fault_backend.hpp"
#include "support/test_util.hpp"
#include "transfer/transfer.hpp"

using namespace cloudsync;
using namespace cloudsync::test;

namespace {

// A memory store that counts the reads of its objects' bytes and can refuse
// server-side copies, as a store without the permission would.
class ObservedMemory final : public MemoryBackend {
 public:
  using MemoryBackend::MemoryBackend;
  Result<ObjectMeta> get(const Path& path, const GetOptions& options, ByteSink& sink, const OpContext& ctx) override {
    ++gets;
    return MemoryBackend::get(path, options, sink, ctx);
  }
  Result<ObjectMeta> copy_from(const StorageBackend& source, const Path& src_path, const Path& dst_path,
                               const CopyOptions& options, const OpContext& ctx) override {
    ++copies;
    if (refuse_copies) return Status(ErrorCode::PermissionDenied, "copy refused (test)");
    return MemoryBackend::copy_from(source, src_path, dst_path, options, ctx);
  }
  std::atomic<int> gets{0}, copies{0};
  bool refuse_copies = false;
};

TimePoint some_mtime() { return TimePoint(std::chrono::nanoseconds(1'700'000'000'123'456'789)); }

ObjectMeta put_object(StorageBackend& store, const std::string& key, const std::string& data) {
  PutOptions put;
  put.mtime = some_mtime();
  auto meta = store.write_all(P(key), data, put, {});
  REQUIRE_OK(meta);
  return *meta;
}

bool empty_folder(const std::filesystem::path& dir) { return std::filesystem::is_empty(dir); }

}  // namespace

TEST_CASE("a copy within one store is made by the store, not streamed", "[transfer][copy]") {
  auto store = std::make_shared<ObservedMemory>("copy-one-store");
  auto from = make_prefixed_backend(store, P("in"));
  auto to = make_prefixed_backend(store, P("out"));
  const std::string data = random_bytes(300 * 1024, 5);
  ObjectMeta listed = put_object(*from, "a/b.bin", data);

  SECTION("the copy has the content and the mtime, and no byte was read") {
    DestinationExpectation expect;
    expect.kind = DestinationExpectation::Kind::Absent;
    auto t = transfer_object(*from, P("a/b.bin"), listed, *to, P("c.bin"), expect, {}, nullptr, {});
    REQUIRE_OK(t);
    CHECK(store->copies == 1);
    CHECK(store->gets == 0);
    CHECK(*store->read_all(P("out/c.bin"), {}) == data);
    auto copied = store->head(P("out/c.bin"), {});
    REQUIRE_OK(copied);
    CHECK(copied->mtime == some_mtime());
    CHECK(t->destination.key == "c.bin");
    CHECK(t->bytes == data.size());
    CHECK(t->content_hashes.md5 == to_hex(md5_digest(data)));
  }
  SECTION("a source changed since it was listed is not copied") {
    put_object(*from, "a/b.bin", "changed");
    auto t = transfer_object(*from, P("a/b.bin"), listed, *to, P("c.bin"), {}, {}, nullptr, {});
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == ErrorCode::PreconditionFailed);
    CHECK(store->head(P("out/c.bin"), {}).status().code() == ErrorCode::NotFound);
  }
  SECTION("a destination that appeared is a conflict, and stays") {
    put_object(*to, "c.bin", "theirs");
    DestinationExpectation expect;
    expect.kind = DestinationExpectation::Kind::Absent;
    auto t = transfer_object(*from, P("a/b.bin"), listed, *to, P("c.bin"), expect, {}, nullptr, {});
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == ErrorCode::Conflict);
    CHECK(*store->read_all(P("out/c.bin"), {}) == "theirs");
  }
  SECTION("a refused copy falls back to streaming") {
    store->refuse_copies = true;
    auto t = transfer_object(*from, P("a/b.bin"), listed, *to, P("c.bin"), {}, {}, nullptr, {});
    REQUIRE_OK(t);
    CHECK(store->copies == 1);
    CHECK(store->gets >= 1);
    CHECK(*store->read_all(P("out/c.bin"), {}) == data);
  }
  SECTION("the copy_from of the wrapper must reach the store below it") {
    CHECK(to->can_copy_from(*from));
    auto other = std::make_shared<MemoryBackend>("copy-other-store");
    CHECK_FALSE(to->can_copy_from(*other));
    CHECK(to->copy_from(*other, P("x"), P("y"), {}, {}).status().code() == ErrorCode::Unsupported);
  }
}

TEST_CASE("a copy between two stores goes through memory, not a spool file", "[transfer][copy]") {
  TempDir spool;
  Capabilities caps = MemoryBackend::default_capabilities();
  caps.multipart.threshold = 256 * 1024;
  caps.multipart.default_part_size = 64 * 1024;
  caps.multipart.min_part_size = 64 * 1024;
  auto source_store = std::make_shared<MemoryBackend>("relay-src");
  auto source = std::make_shared<FaultBackend>(source_store);
  auto dest_store = std::make_shared<MemoryBackend>("relay-dst", caps);
  auto dest = std::make_shared<FaultBackend>(dest_store);
  TransferOptions options;
  options.spool_dir = spool.path();
  options.part_concurrency = 3;

  auto copy = [&](const std::string& key, const std::string& data) {
    ObjectMeta listed = put_object(*source_store, key, data);
    auto t = transfer_object(*source, P(key), listed, *dest, P(key), {}, options, nullptr, {});
    REQUIRE_OK(t);
    CHECK(*dest_store->read_all(P(key), {}) == data);
    auto written = dest_store->head(P(key), {});
    REQUIRE_OK(written);
    CHECK(written->mtime == some_mtime());
    Hasher hasher(HashKind::Md5 | HashKind::Crc32c);
    hasher.update(data);
    CHECK(t->content_hashes.matches(hasher.finish()) == true);  // what it vouches for is the data's
    CHECK(empty_folder(spool.path()));
    return *t;
  };

  SECTION("a small object in one buffer, resumed after a cut") {
    source->inject_get({"small.bin", 40 * 1024, ErrorCode::Network, 1});
    copy("small.bin", random_bytes(100 * 1024, 7));
    CHECK(source->gets == 2);
    CHECK(dest->multiparts == 0);
  }
  SECTION("a large object in parts, one of them cut mid-way and resumed") {
    source->inject_get({"large.bin", 10 * 1024, ErrorCode::Network, 1});
    const std::string data = random_bytes(1000 * 1024 + 3, 8);
    copy("large.bin", data);
    CHECK(dest->multiparts == 1);
    CHECK(source->gets == 16 + 1);  // 16 parts of 64 KiB, one resumed
    auto last = source->last_get_options();
    REQUIRE(last.has_value());
    CHECK(!last->if_match.empty());  // every part pinned to the etag
  }
  SECTION("a source changed since it was listed is not copied") {
    ObjectMeta listed = put_object(*source_store, "gone.bin", random_bytes(600 * 1024, 9));
    put_object(*source_store, "gone.bin", "new");
    auto t = transfer_object(*source, P("gone.bin"), listed, *dest, P("gone.bin"), {}, options, nullptr, {});
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == ErrorCode::PreconditionFailed);
    CHECK(dest_store->object_count() == 0);
    CHECK(empty_folder(spool.path()));
  }
  SECTION("corrupted bytes are never committed") {
    source->inject_get({"bad.bin", 100, ErrorCode::Network, 1, true});
    ObjectMeta listed = put_object(*source_store, "bad.bin", random_bytes(700 * 1024, 10));
    auto t = transfer_object(*source, P("bad.bin"), listed, *dest, P("bad.bin"), {}, options, nullptr, {});
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == ErrorCode::Integrity);
    CHECK(dest_store->object_count() == 0);
  }
}
