// The S3 backend against moto with SigV4 enforced: awkward keys, listings over
// many pages, multipart uploads, integrity headers the server checks, ranged
// reads, credentials errors and the clock-skew correction.
#include <fmt/format.h>

#include <set>
#include <thread>

#include "core/hash.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"
#include "s3/s3_fixture.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync::test {

namespace {

std::string read_text(StorageBackend& b, std::string_view key) {
  auto r = b.read_all(P(key), kCtx);
  REQUIRE_OK(r);
  return *r;
}

}  // namespace

TEST_CASE("S3 awkward keys round-trip through put, list, head, get and delete", "[s3][keys]") {
  auto b = bucket_backend(moto_options(create_bucket("keys")));
  std::vector<std::string> keys = {"with space.txt",
                                   "plus+sign.txt",
                                   "percent%20literal%.txt",
                                   "unicode/\xC3\xBC/\xC3\xB1 \xE6\x97\xA5\xE6\x9C\xAC.txt",
                                   "bang!star*quote'paren(x).txt",
                                   "amp&eq=semi;colon:at@comma,.txt",
                                   "tilde~dash-under_dot..txt"};
  // 1024 bytes exactly: S3's limit.
  std::string long_key;
  while (long_key.size() + 201 <= 1020) long_key += std::string(200, 'k') + "/";
  long_key += std::string(1024 - long_key.size(), 'e');
  REQUIRE(long_key.size() == 1024);
  keys.push_back(long_key);

  for (const std::string& k : keys) REQUIRE_OK(b->write_all(P(k), "content of " + k, {}, kCtx));
  std::vector<std::string> listed = all_keys(*b);
  std::vector<std::string> expected = keys;
  std::sort(expected.begin(), expected.end());
  CHECK(listed == expected);
  for (const std::string& k : keys) {
    INFO("key: " << k);
    CHECK(read_text(*b, k) == "content of " + k);
    auto head = b->head(P(k), kCtx);
    REQUIRE_OK(head);
    CHECK(head->key == k);
    CHECK(head->hashes.md5 == hashes_of("content of " + k).md5);
  }
  // Prefixes with encoded characters select exactly their keys.
  for (const std::string& prefix : {std::string("unicode/\xC3\xBC/"), std::string("plus+"), std::string("with ")}) {
    ListOptions opts;
    opts.prefix = prefix;
    auto found = b->list_all(opts, kCtx);
    REQUIRE_OK(found);
    REQUIRE(found->size() == 1);
    CHECK(found->front().key.starts_with(prefix));
  }
  // One byte more is refused before anything is sent.
  REQUIRE_CODE(b->write_all(P(long_key + "x"), "x", {}, kCtx), ErrorCode::InvalidArgument);

  std::vector<Path> paths;
  for (const std::string& k : keys) paths.push_back(P(k));
  auto removed = b->remove_many(paths, kCtx);
  REQUIRE_OK(removed);
  for (const Status& s : *removed) REQUIRE_OK(s);
  CHECK(all_keys(*b).empty());
}

TEST_CASE("S3 listings return keys that are not valid paths verbatim", "[s3][keys][list]") {
  std::string bucket = create_bucket("raw");
  auto b = bucket_backend(moto_options(bucket));
  boto3_put(bucket, {"dir//double.txt", "dir/./dot.txt", "../escape.txt", "ok/file.txt"});
  REQUIRE_OK(raw_request(*b, "PUT", "ok/folder/", {}, ""));  // a directory marker

  auto all = b->list_all({}, kCtx);
  REQUIRE_OK(all);
  std::map<std::string, ObjectKind> kinds;
  for (const ObjectMeta& m : *all) kinds[m.key] = m.kind;
  CHECK(kinds == std::map<std::string, ObjectKind>{{"../escape.txt", ObjectKind::File},
                                                   {"dir//double.txt", ObjectKind::File},
                                                   {"dir/./dot.txt", ObjectKind::File},
                                                   {"ok/file.txt", ObjectKind::File},
                                                   {"ok/folder/", ObjectKind::DirectoryMarker}});
  // One level of "dir/": "dir//" is a (hostile) sub-folder named "".
  ListOptions level;
  level.prefix = "dir/";
  level.recursive = false;
  auto page = b->list_page(level, kCtx);
  REQUIRE_OK(page);
  std::set<std::string> prefixes(page->common_prefixes.begin(), page->common_prefixes.end());
  CHECK(prefixes == std::set<std::string>{"dir//", "dir/./"});
}

TEST_CASE("S3 listings over several pages", "[s3][list]") {
  auto b = bucket_backend(moto_options(create_bucket("pages")));
  std::set<std::string> expected;
  for (int i = 0; i < 23; ++i) {
    std::string key = fmt::format("p/{}/k {:02}+.txt", i % 3, i);  // encoded characters on every page
    REQUIRE_OK(b->write_all(P(key), "x", {}, kCtx));
    expected.insert(key);
  }
  SECTION("the server's default page size (5 on this moto) pages a whole listing") {
    ListOptions opts;
    opts.prefix = "p/";
    auto first = b->list_page(opts, kCtx);
    REQUIRE_OK(first);
    CHECK(first->objects.size() == 5);
    REQUIRE_FALSE(first->next_page_token.empty());
    int pages = 0;
    std::multiset<std::string> seen;
    REQUIRE_OK(b->list(
        opts,
        [&](const ObjectMeta& m) {
          seen.insert(m.key);
          return Status::OK();
        },
        kCtx));
    CHECK(std::set<std::string>(seen.begin(), seen.end()) == expected);
    CHECK(seen.size() == expected.size());  // each key exactly once
    for (std::string token;;) {
      opts.page_token = token;
      auto page = b->list_page(opts, kCtx);
      REQUIRE_OK(page);
      ++pages;
      if (page->next_page_token.empty()) break;
      token = page->next_page_token;
    }
    CHECK(pages == 5);
  }
  SECTION("explicit page sizes and one-level listings across pages") {
    ListOptions opts;
    opts.prefix = "p/";
    opts.max_keys = 2;
    auto all = b->list_all(opts, kCtx);
    REQUIRE_OK(all);
    CHECK(all->size() == 23);
    ListOptions level;
    level.recursive = false;
    level.max_keys = 1;
    auto dirs = b->list_all(level, kCtx);
    REQUIRE_OK(dirs);
    REQUIRE(dirs->size() == 1);
    CHECK(dirs->front().key == "p/");
    CHECK(dirs->front().kind == ObjectKind::DirectoryMarker);
    level.prefix = "p/";
    auto sub = b->list_all(level, kCtx);
    REQUIRE_OK(sub);
    std::set<std::string> names;
    for (const ObjectMeta& m : *sub) names.insert(m.key);
    CHECK(names == std::set<std::string>{"p/0/", "p/1/", "p/2/"});
  }
  SECTION("a missing bucket is NotFound, not an empty listing") {
    auto missing = bucket_backend(moto_options("no-such-bucket-here"));
    auto r = missing->list_page({}, kCtx);
    REQUIRE_CODE(r, ErrorCode::NotFound);
    CHECK(r.status().provider_code() == "NoSuchBucket");
  }
}

TEST_CASE("S3 multipart uploads: equal parts, metadata like rclone, nothing left on abort", "[s3][multipart]") {
  auto b = bucket_backend(moto_options(create_bucket("mp")));
  const uint64_t part = kTestMinPart;
  const std::string data = random_bytes(part * 5 + 1000, 42);
  const HashSet hashes = hashes_of(data);
  const TimePoint mtime = from_unix_nanos(1'700'000'000'123'456'789);

  SECTION("several parts in parallel, completed in order") {
    PutOptions opts;
    opts.size = data.size();
    opts.mtime = mtime;
    opts.known_hashes.md5 = hashes.md5;
    opts.known_hashes.sha256 = hashes.sha256;
    auto upload = b->start_multipart(P("big/object.bin"), opts, kCtx);
    REQUIRE_OK(upload);
    const uint32_t count = 6;
    std::vector<PartInfo> parts(count);
    std::vector<Status> results(count);
    std::vector<std::thread> threads;
    for (uint32_t i = 0; i < count; ++i) {
      threads.emplace_back([&, i] {
        uint64_t offset = i * part;
        MemorySource src(std::string_view(data).substr(offset, std::min<uint64_t>(part, data.size() - offset)));
        auto r = (*upload)->upload_part(i + 1, src, kCtx);
        results[i] = r.status();
        if (r.ok()) parts[i] = *r;
      });
    }
    for (auto& t : threads) t.join();
    for (const Status& s : results) REQUIRE_OK(s);
    for (uint32_t i = 0; i + 1 < count; ++i) CHECK(parts[i].size == part);  // equal parts but the last
    CHECK(parts.back().size == 1000);
    CHECK(pending_uploads(*b) == 1);
    auto done = (*upload)->complete(parts, kCtx);
    REQUIRE_OK(done);
    CHECK(done->size == data.size());
    CHECK(done->etag.ends_with("-6"));
    CHECK(pending_uploads(*b) == 0);

    auto head = b->head(P("big/object.bin"), kCtx);
    REQUIRE_OK(head);
    CHECK(head->size == data.size());
    CHECK(head->etag == done->etag);
    CHECK(head->mtime == mtime);
    CHECK(head->hashes.md5 == hashes.md5);        // from x-amz-meta-md5chksum, not the ETag
    CHECK(head->hashes.sha256 == hashes.sha256);  // from x-amz-meta-cloudsync-sha256
    CHECK(head->metadata.at("md5chksum") == base64_encode(*from_hex(hashes.md5)));
    CHECK(head->metadata.at("mtime") == "1700000000.123456789");
    CHECK(read_text(*b, "big/object.bin") == data);

    // A range across a part boundary reports the whole object's size.
    StringSink sink;
    auto ranged = b->get(P("big/object.bin"), GetOptions{ByteRange{part - 10, 20}, head->etag}, sink, kCtx);
    REQUIRE_OK(ranged);
    CHECK(sink.out == data.substr(part - 10, 20));
    CHECK(ranged->size == data.size());
  }
  SECTION("abort, and the destructor of an unfinished upload, leave nothing behind") {
    {
      auto upload = b->start_multipart(P("gone.bin"), {}, kCtx);
      REQUIRE_OK(upload);
      MemorySource src(std::string_view(data).substr(0, part));
      REQUIRE_OK((*upload)->upload_part(1, src, kCtx));
      CHECK(pending_uploads(*b) == 1);
      REQUIRE_OK((*upload)->abort(kCtx));
      CHECK(pending_uploads(*b) == 0);
      REQUIRE_OK((*upload)->abort(kCtx));  // twice is fine
    }
    {
      auto upload = b->start_multipart(P("dropped.bin"), {}, kCtx);
      REQUIRE_OK(upload);
      MemorySource src(std::string_view(data).substr(0, part));
      REQUIRE_OK((*upload)->upload_part(1, src, kCtx));
      CHECK(pending_uploads(*b) == 1);
    }  // destroyed unfinished
    CHECK(pending_uploads(*b) == 0);
    CHECK(all_keys(*b).empty());
  }
  SECTION("a create-only completion over an existing object fails and can be aborted") {
    REQUIRE_OK(b->write_all(P("taken.bin"), "already here", {}, kCtx));
    PutOptions create;
    create.mode = PutMode::Create;
    auto upload = b->start_multipart(P("taken.bin"), create, kCtx);
    REQUIRE_OK(upload);
    MemorySource src(std::string_view(data).substr(0, part));
    auto p1 = (*upload)->upload_part(1, src, kCtx);
    REQUIRE_OK(p1);
    REQUIRE_CODE((*upload)->complete({*p1}, kCtx), ErrorCode::AlreadyExists);
    REQUIRE_OK((*upload)->abort(kCtx));
    CHECK(read_text(*b, "taken.bin") == "already here");
    CHECK(pending_uploads(*b) == 0);
  }
  SECTION("unequal parts are refused before the store sees them") {
    auto upload = b->start_multipart(P("uneven.bin"), {}, kCtx);
    REQUIRE_OK(upload);
    std::vector<PartInfo> parts;
    for (uint64_t size : {part, part + 1, uint64_t{10}}) {
      MemorySource src(std::string_view(data).substr(0, size));
      auto r = (*upload)->upload_part(static_cast<uint32_t>(parts.size() + 1), src, kCtx);
      REQUIRE_OK(r);
      parts.push_back(*r);
    }
    REQUIRE_CODE((*upload)->complete(parts, kCtx), ErrorCode::InvalidArgument);
    REQUIRE_OK((*upload)->abort(kCtx));
    CHECK(pending_uploads(*b) == 0);
  }
  SECTION("part numbers outside 1..10000 are refused") {
    auto upload = b->start_multipart(P("n.bin"), {}, kCtx);
    REQUIRE_OK(upload);
    MemorySource src("x");
    REQUIRE_CODE((*upload)->upload_part(0, src, kCtx), ErrorCode::InvalidArgument);
    REQUIRE_CODE((*upload)->upload_part(10001, src, kCtx), ErrorCode::InvalidArgument);
    REQUIRE_OK((*upload)->abort(kCtx));
  }
  SECTION("part sizes grow to stay within 10,000 equal parts") {
    const Capabilities& caps = b->capabilities();
    for (uint64_t size : {uint64_t{1} << 30, uint64_t{100} << 30, uint64_t{5} << 40}) {
      uint64_t chosen = choose_part_size(caps, size, 0);
      INFO("size " << size << " part " << chosen);
      CHECK(chosen >= caps.multipart.default_part_size);
      CHECK((size + chosen - 1) / chosen <= 10000);
    }
  }
}

TEST_CASE("S3 integrity headers are sent and the server checks them", "[s3][integrity]") {
  const std::string data = "integrity matters";
  const HashSet right = hashes_of(data);
  const HashSet other = hashes_of("something else");
  std::string bucket = create_bucket("integ");

  SECTION("Content-MD5 from a known MD5") {
    auto b = bucket_backend(moto_options(bucket));
    PutOptions opts;
    opts.known_hashes.md5 = other.md5;
    auto r = b->write_all(P("md5.txt"), data, opts, kCtx);
    REQUIRE_CODE(r, ErrorCode::Integrity);
    CHECK(r.status().provider_code() == "BadDigest");
    opts.known_hashes.md5 = right.md5;
    auto ok = b->write_all(P("md5.txt"), data, opts, kCtx);
    REQUIRE_OK(ok);
    CHECK(ok->hashes.md5 == right.md5);
  }
  SECTION("a known SHA-256 signs the payload") {
    auto b = bucket_backend(moto_options(bucket));
    PutOptions opts;
    opts.known_hashes.sha256 = other.sha256;
    auto r = b->write_all(P("sha.txt"), data, opts, kCtx);
    REQUIRE_CODE(r, ErrorCode::Integrity);
    CHECK(r.status().provider_code() == "XAmzContentSHA256Mismatch");
    opts.known_hashes.sha256 = right.sha256;
    REQUIRE_OK(b->write_all(P("sha.txt"), data, opts, kCtx));
  }
  SECTION("x-amz-checksum-crc32c on an AWS-like store") {
    auto b = bucket_backend(moto_options(bucket));
    PutOptions opts;
    opts.known_hashes.crc32c = other.crc32c;
    auto r = b->write_all(P("crc.txt"), data, opts, kCtx);
    REQUIRE_CODE(r, ErrorCode::Integrity);
    CHECK(r.status().provider_code() == "BadDigest");
    REQUIRE_OK(b->write_all(P("crc.txt"), data, {}, kCtx));  // computed here
    CHECK(read_text(*b, "crc.txt") == data);
  }
  SECTION("signed payloads and no checksum at all both work") {
    S3Options signed_options = moto_options(bucket);
    signed_options.sign_payload = true;
    auto signed_backend = bucket_backend(signed_options);
    REQUIRE_OK(signed_backend->write_all(P("signed.txt"), data, {}, kCtx));
    S3Options bare = moto_options(bucket);
    bare.checksum = S3Checksum::None;
    auto bare_backend = bucket_backend(bare);
    REQUIRE_OK(bare_backend->write_all(P("bare.txt"), data, {}, kCtx));
    CHECK(read_text(*bare_backend, "signed.txt") == data);
    CHECK(read_text(*signed_backend, "bare.txt") == data);
  }
}

TEST_CASE("S3 batch deletes go 1000 keys per request", "[s3][delete]") {
  auto b = bucket_backend(moto_options(create_bucket("del")));
  std::vector<Path> paths;
  for (int i = 0; i < 2500; ++i) paths.push_back(P(fmt::format("gone/{:04}.txt", i)));
  for (int i : {0, 999, 1000, 2499}) REQUIRE_OK(b->write_all(paths[static_cast<size_t>(i)], "x", {}, kCtx));
  Result<std::vector<Status>> removed = Status(ErrorCode::Internal, "not run");
  std::vector<std::string> logs;
  {
    LogCapture capture(LogLevel::Debug);
    removed = b->remove_many(paths, kCtx);
    logs = capture.messages();
  }
  REQUIRE_OK(removed);
  REQUIRE(removed->size() == paths.size());
  for (const Status& s : *removed) REQUIRE_OK(s);  // absent keys count as deleted
  auto requests = std::count_if(logs.begin(), logs.end(), [](const std::string& l) {
    return l.starts_with("HTTP POST") && l.find("?delete") != std::string::npos;
  });
  CHECK(requests == 3);
  CHECK(all_keys(*b).empty());
}

TEST_CASE("S3 ranged and pinned reads", "[s3][get]") {
  auto b = bucket_backend(moto_options(create_bucket("get")));
  auto put = b->write_all(P("r.txt"), "0123456789", {}, kCtx);
  REQUIRE_OK(put);
  auto get = [&](GetOptions options) {
    StringSink sink;
    auto r = b->get(P("r.txt"), options, sink, kCtx);
    REQUIRE_OK(r);
    return std::make_pair(sink.out, r->size);
  };
  CHECK(get(GetOptions{ByteRange{2, 3}, {}}) == std::make_pair(std::string("234"), uint64_t{10}));
  CHECK(get(GetOptions{ByteRange{7, std::nullopt}, put->etag}) == std::make_pair(std::string("789"), uint64_t{10}));
  // Resuming a download that already had every byte.
  CHECK(get(GetOptions{ByteRange{10, std::nullopt}, put->etag}) == std::make_pair(std::string(), uint64_t{10}));
  CHECK(get(GetOptions{ByteRange{4, 0}, {}}) == std::make_pair(std::string(), uint64_t{10}));
  StringSink sink;
  REQUIRE_CODE(b->get(P("r.txt"), GetOptions{ByteRange{11, std::nullopt}, {}}, sink, kCtx), ErrorCode::InvalidArgument);
  REQUIRE_CODE(b->get(P("r.txt"), GetOptions{ByteRange{2, 3}, "0123456789abcdef0123456789abcdef"}, sink, kCtx),
               ErrorCode::PreconditionFailed);
  CHECK(sink.out.empty());
}

TEST_CASE("S3 with a wrong secret: a clear Unauthenticated error without the secret", "[s3][auth]") {
  std::string bucket = create_bucket("auth");
  auto good = bucket_backend(moto_options(bucket));
  REQUIRE_OK(good->write_all(P("k.txt"), "x", {}, kCtx));
  S3Options wrong = moto_options(bucket);
  wrong.secret_access_key = "Wrong+Secret/Key0123456789abcdefghijklmn";
  auto b = bucket_backend(wrong);
  auto check = [&](const Status& s) {
    INFO(s.to_string());
    CHECK(s.code() == ErrorCode::Unauthenticated);
    CHECK(s.provider_code() == "SignatureDoesNotMatch");
    CHECK(s.http_status() == 403);
    CHECK(s.message().find(wrong.access_key_id) != std::string::npos);
    CHECK(s.message().find("secret access key") != std::string::npos);
    CHECK(s.to_string().find(wrong.secret_access_key) == std::string::npos);
    CHECK(s.to_string().find(moto().secret_access_key) == std::string::npos);
  };
  std::vector<std::string> logs;
  {
    LogCapture capture(LogLevel::Debug);
    check(b->list_page({}, kCtx).status());
    check(b->head(P("k.txt"), kCtx).status());  // HEAD has no body: found out with a 1-byte GET
    check(b->write_all(P("new.txt"), "x", {}, kCtx).status());
    StringSink sink;
    check(b->get(P("k.txt"), {}, sink, kCtx).status());
    logs = capture.messages();
  }
  for (const std::string& line : logs) CHECK(line.find(wrong.secret_access_key) == std::string::npos);

  SECTION("anonymous requests carry no signature and are refused by a private bucket") {
    S3Options anonymous = moto_options(bucket);
    anonymous.anonymous = true;
    auto a = bucket_backend(anonymous);
    auto r = a->list_page({}, kCtx);
    REQUIRE_CODE(r, ErrorCode::PermissionDenied);
    CHECK(r.status().provider_code() == "AccessDenied");
  }
  SECTION("an unknown access key id says so") {
    S3Options unknown = moto_options(bucket);
    unknown.access_key_id = "AKIANOSUCHKEY0000000";
    auto u = bucket_backend(unknown);
    auto r = u->list_page({}, kCtx);
    REQUIRE_CODE(r, ErrorCode::Unauthenticated);
    CHECK(r.status().provider_code() == "InvalidAccessKeyId");
  }
}

TEST_CASE("S3 clock skew is corrected from the server's clock and every attempt re-signed", "[s3][skew]") {
  std::string bucket = create_bucket("skew");
  auto b = bucket_backend(moto_options(bucket), [](s3::S3Config& config) {
    config.clock = [] { return now_utc() - std::chrono::hours(1); };  // this machine is an hour late
  });
  std::vector<std::string> logs;
  {
    LogCapture capture(LogLevel::Debug);
    REQUIRE_OK(b->write_all(P("skew.txt"), "on time", {}, kCtx));
    CHECK(read_text(*b, "skew.txt") == "on time");
    logs = capture.messages();
  }
  auto offset = b->client().clock_offset();
  CHECK(std::chrono::abs(offset - std::chrono::hours(1)) < std::chrono::minutes(1));
  size_t warnings = std::count_if(logs.begin(), logs.end(), [](const std::string& l) {
    return l.find("s behind the server's") != std::string::npos;
  });
  CHECK(warnings == 1);  // corrected once, then every request is signed with the server's time

  SECTION("without a retry left, the error says what is wrong") {
    auto once = bucket_backend(moto_options(bucket), [](s3::S3Config& config) {
      config.clock = [] { return now_utc() + std::chrono::hours(2); };
      config.retry.max_attempts = 1;
    });
    auto r = once->list_page({}, kCtx);
    REQUIRE_CODE(r, ErrorCode::Unauthenticated);
    CHECK(r.status().provider_code() == "RequestTimeTooSkewed");
    CHECK(r.status().message().find("clock") != std::string::npos);
  }
}

}  // namespace cloudsync::test
