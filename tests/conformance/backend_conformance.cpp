#include "conformance/backend_conformance.hpp"

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "core/time.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {
namespace {

ObjectMeta put_text(StorageBackend& b, std::string_view key, std::string_view data, PutOptions opts = {}) {
  auto r = b.write_all(P(key), data, opts, kCtx);
  REQUIRE_OK(r);
  return *r;
}

std::string get_text(StorageBackend& b, std::string_view key, GetOptions opts = {}) {
  StringSink sink;
  auto r = b.get(P(key), opts, sink, kCtx);
  REQUIRE_OK(r);
  return sink.out;
}

std::set<std::string> keys_of(const std::vector<ObjectMeta>& objects) {
  std::set<std::string> out;
  for (const auto& o : objects) {
    if (o.kind == ObjectKind::File) out.insert(o.key);
  }
  return out;
}

std::set<std::string> list_keys(StorageBackend& b, std::string prefix, uint32_t page = 0) {
  ListOptions opts;
  opts.prefix = std::move(prefix);
  opts.max_keys = page;
  auto r = b.list_all(opts, kCtx);
  REQUIRE_OK(r);
  // Every key exactly once, even across pages.
  std::set<std::string> seen = keys_of(*r);
  REQUIRE(seen.size() == r->size());
  return seen;
}

size_t part_size_for(const ConformanceTarget& t, const Capabilities& caps) {
  size_t size = t.part_size ? t.part_size : std::max<size_t>(caps.multipart.min_part_size, 64 * 1024);
  size_t multiple = std::max<uint64_t>(caps.multipart.part_size_multiple, 1);
  return (size + multiple - 1) / multiple * multiple;
}

}  // namespace

void run_backend_conformance(const ConformanceTarget& target) {
  INFO("backend: " << target.name);
  std::shared_ptr<StorageBackend> backend = target.make_empty();
  REQUIRE(backend);
  StorageBackend& b = *backend;
  const Capabilities& caps = b.capabilities();

  SECTION("put, head and get round-trip content and metadata") {
    TimePoint mtime = from_unix_nanos(1'700'000'000'123'456'789);
    PutOptions opts;
    opts.mtime = mtime;
    ObjectMeta put = put_text(b, "dir/hello.txt", "hello, world", opts);
    CHECK(put.key == "dir/hello.txt");
    CHECK(put.size == 12);
    CHECK_FALSE(put.etag.empty());

    auto head = b.head(P("dir/hello.txt"), kCtx);
    REQUIRE_OK(head);
    CHECK(head->key == "dir/hello.txt");
    CHECK(head->size == 12);
    CHECK(head->etag == put.etag);
    if (caps.mtime_precision.count() > 0) {
      REQUIRE(head->mtime.has_value());
      auto diff = std::chrono::abs(*head->mtime - mtime);
      CHECK(diff < std::max(caps.mtime_precision, std::chrono::nanoseconds(1)));
    }
    HashSet expected = hashes_of("hello, world");
    for (HashKind k : {HashKind::Md5, HashKind::Sha256, HashKind::Crc32c}) {
      if (has_kind(caps.hashes, k)) {
        INFO("hash " << hash_kind_name(k));
        CHECK(head->hashes.get(k) == expected.get(k));
      }
    }
    CHECK(get_text(b, "dir/hello.txt") == "hello, world");
  }

  SECTION("missing objects are NotFound") {
    REQUIRE_CODE(b.head(P("nope.txt"), kCtx), ErrorCode::NotFound);
    StringSink sink;
    REQUIRE_CODE(b.get(P("nope/deeper.txt"), {}, sink, kCtx), ErrorCode::NotFound);
    CHECK(sink.out.empty());
  }

  SECTION("a folder is not an object") {
    put_text(b, "folder/inner.txt", "x");
    REQUIRE_CODE(b.head(P("folder"), kCtx), ErrorCode::NotFound);
  }

  SECTION("empty objects") {
    ObjectMeta m = put_text(b, "empty.bin", "");
    CHECK(m.size == 0);
    CHECK(get_text(b, "empty.bin").empty());
    auto head = b.head(P("empty.bin"), kCtx);
    REQUIRE_OK(head);
    CHECK(head->size == 0);
  }

  SECTION("a large object streams intact") {
    std::string data = random_bytes(target.large_object_size, 7);
    put_text(b, "large.bin", data);
    std::string back = get_text(b, "large.bin");
    CHECK(back.size() == data.size());
    CHECK(sha256_hex(back) == sha256_hex(data));
  }

  SECTION("overwrite replaces content and changes the etag") {
    ObjectMeta first = put_text(b, "a.txt", "one");
    ObjectMeta second = put_text(b, "a.txt", "second version");
    CHECK(first.etag != second.etag);
    CHECK(get_text(b, "a.txt") == "second version");
  }

  SECTION("ranged reads") {
    if (!caps.ranged_get) return;
    put_text(b, "r.txt", "0123456789");
    CHECK(get_text(b, "r.txt", GetOptions{ByteRange{2, 3}, {}}) == "234");
    CHECK(get_text(b, "r.txt", GetOptions{ByteRange{7, std::nullopt}, {}}) == "789");
    CHECK(get_text(b, "r.txt", GetOptions{ByteRange{5, 100}, {}}) == "56789");
  }

  SECTION("reads pinned to an etag") {
    ObjectMeta m = put_text(b, "pinned.txt", "v1");
    CHECK(get_text(b, "pinned.txt", GetOptions{std::nullopt, m.etag}) == "v1");
    put_text(b, "pinned.txt", "v2 is longer");
    StringSink sink;
    REQUIRE_CODE(b.get(P("pinned.txt"), GetOptions{std::nullopt, m.etag}, sink, kCtx), ErrorCode::PreconditionFailed);
  }

  SECTION("create-only writes") {
    if (!caps.conditional_create) return;
    PutOptions create;
    create.mode = PutMode::Create;
    put_text(b, "once.txt", "first", create);
    auto again = b.write_all(P("once.txt"), "second", create, kCtx);
    REQUIRE_CODE(again, ErrorCode::AlreadyExists);
    CHECK(get_text(b, "once.txt") == "first");
  }

  SECTION("conditional updates") {
    if (!caps.conditional_update) return;
    ObjectMeta m = put_text(b, "cas.txt", "v1");
    PutOptions update;
    update.mode = PutMode::Update;
    update.if_match = m.etag;
    ObjectMeta m2 = put_text(b, "cas.txt", "v2", update);
    // The old etag is now stale.
    REQUIRE_CODE(b.write_all(P("cas.txt"), "v3", update, kCtx), ErrorCode::PreconditionFailed);
    CHECK(get_text(b, "cas.txt") == "v2");
    update.if_match = m2.etag;
    put_text(b, "cas.txt", "v3", update);
    CHECK(get_text(b, "cas.txt") == "v3");
    // Updating something that does not exist fails the precondition.
    REQUIRE_CODE(b.write_all(P("missing.txt"), "x", update, kCtx), ErrorCode::PreconditionFailed);
  }

  SECTION("recursive listing with prefixes that respect folder boundaries") {
    for (const char* k : {"data/a.csv", "data/sub/b.csv", "data2/c.csv", "top.txt", "database.txt"}) {
      put_text(b, k, k);
    }
    CHECK(list_keys(b, "") ==
          std::set<std::string>{"data/a.csv", "data/sub/b.csv", "data2/c.csv", "top.txt", "database.txt"});
    CHECK(list_keys(b, "data/") == std::set<std::string>{"data/a.csv", "data/sub/b.csv"});
    CHECK(list_keys(b, "data") == std::set<std::string>{"data/a.csv", "data/sub/b.csv", "data2/c.csv", "database.txt"});
    CHECK(list_keys(b, "data/sub/") == std::set<std::string>{"data/sub/b.csv"});
    CHECK(list_keys(b, "nothing-here/").empty());
  }

  SECTION("listing metadata matches head") {
    ObjectMeta put = put_text(b, "m/x.bin", "12345");
    ListOptions opts;
    opts.prefix = "m/";
    auto all = b.list_all(opts, kCtx);
    REQUIRE_OK(all);
    REQUIRE(all->size() == 1);
    CHECK(all->front().key == "m/x.bin");
    CHECK(all->front().size == 5);
    CHECK(all->front().etag == put.etag);
  }

  SECTION("one-level listing rolls folders up into common prefixes") {
    for (const char* k : {"l/a.txt", "l/b/c.txt", "l/b/d.txt", "l/e/f/g.txt", "l.txt"}) put_text(b, k, k);
    ListOptions opts;
    opts.prefix = "l/";
    opts.recursive = false;
    std::set<std::string> files, dirs;
    REQUIRE_OK(b.list(
        opts,
        [&](const ObjectMeta& m) {
          (m.kind == ObjectKind::DirectoryMarker ? dirs : files).insert(m.key);
          return Status::OK();
        },
        kCtx));
    CHECK(files == std::set<std::string>{"l/a.txt"});
    CHECK(dirs == std::set<std::string>{"l/b/", "l/e/"});
  }

  SECTION("listings page through every key exactly once") {
    std::set<std::string> expected;
    for (int i = 0; i < 23; ++i) {
      std::string key = fmt::format("p/{}/k{:02}.txt", i % 3, i);
      put_text(b, key, "x");
      expected.insert(key);
    }
    CHECK(list_keys(b, "p/", 4) == expected);
    CHECK(list_keys(b, "p/", 1) == expected);
    ListOptions opts;
    opts.prefix = "p/";
    opts.max_keys = 5;
    auto first = b.list_page(opts, kCtx);
    REQUIRE_OK(first);
    CHECK(first->objects.size() <= 5);
    CHECK_FALSE(first->next_page_token.empty());
  }

  SECTION("awkward keys round-trip") {
    std::vector<std::string> keys = {"with space.txt",
                                     "plus+sign.txt",
                                     "percent%20.txt",
                                     "unicode/ü/ñ 日本.txt",
                                     "bang!star*quote'paren(x).txt",
                                     "amp&eq=semi;.txt",
                                     "tilde~dash-.txt",
                                     "hash#question.txt",
                                     "comma,colon:at@.txt"};
    uint32_t max_key = caps.max_key_bytes ? caps.max_key_bytes : 1024;
    // A long key, made of segments a filesystem accepts (<= 255 bytes each).
    std::string long_key;
    // Segments of 200 + "/" while the final "end" still fits.
    while (long_key.size() + 201 + 3 <= std::min<uint32_t>(max_key, 1024)) long_key += std::string(200, 'k') + "/";
    long_key += "end";
    keys.push_back(long_key);
    for (const auto& k : keys) put_text(b, k, "content of " + k);
    std::set<std::string> listed = list_keys(b, "");
    for (const auto& k : keys) {
      INFO("key: " << k);
      CHECK(listed.count(k) == 1);
      CHECK(get_text(b, k) == "content of " + k);
      auto head = b.head(P(k), kCtx);
      REQUIRE_OK(head);
      CHECK(head->key == k);
    }
  }

  SECTION("case sensitivity is as advertised") {
    put_text(b, "case.txt", "lower");
    put_text(b, "CASE.txt", "upper");
    if (caps.case_sensitive) {
      CHECK(get_text(b, "case.txt") == "lower");
      CHECK(get_text(b, "CASE.txt") == "upper");
      CHECK(list_keys(b, "").size() == 2);
    } else {
      CHECK(list_keys(b, "").size() == 1);
    }
  }

  SECTION("batch delete: present and absent keys both succeed") {
    std::vector<Path> paths;
    for (int i = 0; i < 7; ++i) {
      std::string key = fmt::format("del/{}.txt", i);
      put_text(b, key, "x");
      paths.push_back(P(key));
    }
    paths.push_back(P("del/never-existed.txt"));
    auto results = b.remove_many(paths, kCtx);
    REQUIRE_OK(results);
    REQUIRE(results->size() == paths.size());
    for (const Status& s : *results) REQUIRE_OK(s);
    CHECK(list_keys(b, "del/").empty());
    REQUIRE_OK(b.remove(P("del/never-existed.txt"), kCtx));
  }

  SECTION("multipart uploads commit atomically, in part order") {
    if (!caps.multipart.supported) return;
    size_t part = part_size_for(target, caps);
    std::string data = random_bytes(part * 2 + 1234, 11);
    PutOptions opts;
    opts.size = data.size();
    auto upload = b.start_multipart(P("mp/object.bin"), opts, kCtx);
    REQUIRE_OK(upload);
    std::vector<PartInfo> parts(3);
    auto send = [&](uint32_t n) {
      size_t off = (n - 1) * part;
      MemorySource src(std::string_view(data).substr(off, n == 3 ? std::string::npos : part));
      auto r = (*upload)->upload_part(n, src, kCtx);
      REQUIRE_OK(r);
      parts[n - 1] = *r;
    };
    if (caps.multipart.parallel) {
      send(3);
      send(1);
      send(2);
    } else {
      send(1);
      send(2);
      send(3);
    }
    // Nothing is visible before completion.
    REQUIRE_CODE(b.head(P("mp/object.bin"), kCtx), ErrorCode::NotFound);
    auto done = (*upload)->complete(parts, kCtx);
    REQUIRE_OK(done);
    CHECK(done->key == "mp/object.bin");
    CHECK(done->size == data.size());
    std::string back = get_text(b, "mp/object.bin");
    CHECK(sha256_hex(back) == sha256_hex(data));
    CHECK(list_keys(b, "mp/") == std::set<std::string>{"mp/object.bin"});
  }

  SECTION("an aborted multipart upload leaves nothing behind") {
    if (!caps.multipart.supported) return;
    size_t part = part_size_for(target, caps);
    std::string data = random_bytes(part, 3);
    auto upload = b.start_multipart(P("mp/aborted.bin"), {}, kCtx);
    REQUIRE_OK(upload);
    MemorySource src(data);
    REQUIRE_OK((*upload)->upload_part(1, src, kCtx));
    REQUIRE_OK((*upload)->abort(kCtx));
    REQUIRE_CODE(b.head(P("mp/aborted.bin"), kCtx), ErrorCode::NotFound);
    CHECK(list_keys(b, "").empty());
  }

  SECTION("concurrent writers and readers on one backend") {
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 5; ++i) {
          std::string key = fmt::format("conc/{}/{}.txt", t, i);
          std::string data = fmt::format("payload {} {}", t, i);
          if (!b.write_all(*Path::parse(key), data, {}, kCtx).ok()) ++failures;
          auto back = b.read_all(*Path::parse(key), kCtx);
          if (!back.ok() || *back != data) ++failures;
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(failures == 0);
    CHECK(list_keys(b, "conc/").size() == 30);
  }

  SECTION("a cancelled context stops a transfer") {
    put_text(b, "c.bin", random_bytes(1 << 20, 5));
    CancelToken token;
    token.cancel();
    OpContext ctx{&token};
    StringSink sink;
    auto r = b.get(P("c.bin"), {}, sink, ctx);
    REQUIRE_CODE(r, ErrorCode::Cancelled);
  }
}

}  // namespace cloudsync::test
