// The Azure backend against Azurite, beyond the conformance suite: what the
// service stores (names, metadata, MD5s, blocks), paging, ranges, conditional
// writes after a lost answer, credentials of every kind and their failures.
#include <atomic>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "azure/azurite.hpp"
#include "backends/azure/azure_client.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"

namespace cloudsync::test {

using namespace std::chrono_literals;

namespace {

std::string md5_hex(std::string_view data) { return to_hex(md5_digest(data)); }

// The committed blocks of a blob: (name, size) in order.
std::vector<std::pair<std::string, uint64_t>> committed_blocks(Azurite& az, const std::string& container,
                                                               const std::string& encoded_blob) {
  http::Response r = az.raw("GET", "/" + container + "/" + encoded_blob + "?comp=blocklist&blocklisttype=committed");
  REQUIRE(r.status == 200);
  pugi::xml_document doc;
  REQUIRE(doc.load_buffer(r.body.data(), r.body.size()));
  std::vector<std::pair<std::string, uint64_t>> out;
  for (pugi::xml_node b : doc.child("BlockList").child("CommittedBlocks").children("Block")) {
    out.emplace_back(b.child_value("Name"), std::stoull(b.child_value("Size")));
  }
  return out;
}

// Forwards requests, but reports the first one matching `needle` as a dropped
// connection after the service has applied it: the answer is lost.
class LosingTransport final : public http::Transport {
 public:
  explicit LosingTransport(std::string needle)
      : inner_(http::make_curl_transport(http::ClientOptions{})), needle_(std::move(needle)) {}
  Result<http::Response> send(const http::Request& request, ByteSink* sink, const OpContext& ctx) override {
    Result<http::Response> r = inner_->send(request, sink, ctx);
    if (!lost_ && (request.method + " " + request.url).find(needle_) != std::string::npos) {
      lost_ = true;
      return Status(ErrorCode::Network, "connection reset (test)");
    }
    return r;
  }

 private:
  std::shared_ptr<http::Transport> inner_;
  std::string needle_;
  bool lost_ = false;
};

// Answers every request with 404 BlobNotFound, sending nothing.
class StubTransport final : public http::Transport {
 public:
  Result<http::Response> send(const http::Request&, ByteSink*, const OpContext&) override {
    http::Response r;
    r.status = 404;
    r.headers.set("x-ms-error-code", "BlobNotFound");
    return r;
  }
};

// A source that fails after `fail_after` bytes.
class FailingSource final : public ByteSource {
 public:
  FailingSource(std::string data, size_t fail_after) : data_(std::move(data)), fail_after_(fail_after) {}
  Result<size_t> read(std::span<char> buf) override {
    if (pos_ >= fail_after_) return Status(ErrorCode::Internal, "disk read error (test)");
    size_t n = std::min({buf.size(), data_.size() - pos_, fail_after_ - pos_});
    std::copy_n(data_.data() + pos_, n, buf.data());
    pos_ += n;
    return n;
  }
  std::optional<uint64_t> size() const override { return data_.size(); }
  Status rewind() override {
    pos_ = 0;
    return Status::OK();
  }

 private:
  std::string data_;
  size_t fail_after_;
  size_t pos_ = 0;
};

// A stream of unknown size that cannot start over (a pipe).
class PipeSource final : public ByteSource {
 public:
  explicit PipeSource(std::string data) : data_(std::move(data)) {}
  Result<size_t> read(std::span<char> buf) override {
    size_t n = std::min(buf.size(), data_.size() - pos_);
    std::copy_n(data_.data() + pos_, n, buf.data());
    pos_ += n;
    return n;
  }
  std::optional<uint64_t> size() const override { return std::nullopt; }
  Status rewind() override { return Status(ErrorCode::Unsupported, "a pipe cannot rewind"); }

 private:
  std::string data_;
  size_t pos_ = 0;
};

}  // namespace

TEST_CASE("azure stores awkward names verbatim and lists them back", "[azure]") {
  Azurite& az = azurite();
  std::string container = az.new_container();
  auto b = az.backend(container);
  std::string long_name = "long/" + std::string(1000, 'n') + ".txt";  // 1009 bytes
  std::vector<std::string> names = {
      "with space.txt",         "plus+sign.txt", "percent%41.txt", "ünïcödé/日本語.txt", "bang!star*quote'(paren).txt",
      "semi;colon:eq=&amp.txt", "tilde~.txt",    long_name};
  for (const std::string& n : names) REQUIRE_OK(b->write_all(P(n), "content of " + n, {}, kCtx));
  // The service holds exactly these names: no '+' read as a space, no
  // double encoding ("%41" stays three characters).
  std::vector<std::string> stored = az.blob_names(container);
  CHECK(std::set<std::string>(stored.begin(), stored.end()) == std::set<std::string>(names.begin(), names.end()));
  for (const std::string& n : names) {
    INFO(n);
    auto back = b->read_all(P(n), kCtx);
    REQUIRE_OK(back);
    CHECK(*back == "content of " + n);
  }
  // 1024 bytes is the limit.
  REQUIRE_CODE(b->write_all(P(std::string(1025, 'x')), "x", {}, kCtx), ErrorCode::InvalidArgument);
  REQUIRE_OK(b->write_all(P(std::string(1024, 'x')), "x", {}, kCtx));
}

TEST_CASE("azure listings return names that are not paths, and directory markers", "[azure]") {
  Azurite& az = azurite();
  std::string container = az.new_container();
  http::Headers block;
  block.set("x-ms-blob-type", "BlockBlob");
  REQUIRE(az.raw("PUT", "/" + container + "/a//double.txt", block, "x").status == 201);
  REQUIRE(az.raw("PUT", "/" + container + "/dir/", block).status == 201);  // a "dir/" placeholder
  http::Headers folder = block;
  folder.set("x-ms-meta-hdi_isfolder", "true");
  REQUIRE(az.raw("PUT", "/" + container + "/folder", folder).status == 201);
  REQUIRE(az.raw("PUT", "/" + container + "/folder/inside.txt", block, "in").status == 201);

  auto b = az.backend(container);
  auto all = b->list_all({}, kCtx);
  REQUIRE_OK(all);
  std::map<std::string, ObjectKind> kinds;
  for (const ObjectMeta& m : *all) kinds[m.key] = m.kind;
  CHECK(kinds == std::map<std::string, ObjectKind>{{"a//double.txt", ObjectKind::File},
                                                   {"dir/", ObjectKind::DirectoryMarker},
                                                   {"folder", ObjectKind::DirectoryMarker},
                                                   {"folder/inside.txt", ObjectKind::File}});
  auto head = b->head(P("folder"), kCtx);
  REQUIRE_OK(head);
  CHECK(head->kind == ObjectKind::DirectoryMarker);

  ListOptions top;
  top.recursive = false;
  auto level = b->list_page(top, kCtx);
  REQUIRE_OK(level);
  CHECK(std::set<std::string>(level->common_prefixes.begin(), level->common_prefixes.end()) ==
        std::set<std::string>{"a/", "dir/", "folder/"});
  REQUIRE(level->objects.size() == 1);
  CHECK(level->objects.front().key == "folder");
}

TEST_CASE("azure listings page with maxresults and markers", "[azure]") {
  Azurite& az = azurite();
  std::string container = az.new_container();
  auto recorder = std::make_shared<RecordingTransport>();
  azure::AzureEnvironment env;
  env.transport = recorder;
  auto b = az.backend(container, env);
  std::set<std::string> expected;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};  // Catch assertions are not thread-safe
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = t; i < 60; i += 4) {
        std::string key = fmt::format("p/{}/k{:02}.txt", i % 5, i);
        if (!b->write_all(*Path::parse(key), "x", {}, kCtx).ok()) ++failures;
      }
    });
  }
  for (auto& w : writers) w.join();
  REQUIRE(failures == 0);
  for (int i = 0; i < 60; ++i) expected.insert(fmt::format("p/{}/k{:02}.txt", i % 5, i));
  REQUIRE_OK(b->write_all(P("q/outside.txt"), "x", {}, kCtx));

  recorder->clear();
  ListOptions opts;
  opts.prefix = "p/";
  opts.max_keys = 7;
  std::multiset<std::string> seen;
  size_t pages = 0;
  for (;;) {
    auto page = b->list_page(opts, kCtx);
    REQUIRE_OK(page);
    ++pages;
    CHECK(page->objects.size() <= 7);
    for (const ObjectMeta& m : page->objects) seen.insert(m.key);
    if (page->next_page_token.empty()) break;
    opts.page_token = page->next_page_token;
  }
  CHECK(pages == 9);  // ceil(60 / 7)
  CHECK(std::set<std::string>(seen.begin(), seen.end()) == expected);
  CHECK(seen.size() == expected.size());
  auto requests = recorder->matching("comp=list");
  REQUIRE(requests.size() == pages);
  for (const auto& r : requests) {
    CHECK(r.url.find("maxresults=7") != std::string::npos);
    CHECK(r.url.find("include=metadata") != std::string::npos);
    CHECK(r.url.find("prefix=p%2F") != std::string::npos);
  }

  // One level at a time, also in small pages: the five folders, once each.
  ListOptions level;
  level.prefix = "p/";
  level.recursive = false;
  level.max_keys = 2;
  std::vector<std::string> folders;
  REQUIRE_OK(b->list(
      level,
      [&](const ObjectMeta& m) {
        CHECK(m.kind == ObjectKind::DirectoryMarker);
        folders.push_back(m.key);
        return Status::OK();
      },
      kCtx));
  CHECK(folders == std::vector<std::string>{"p/0/", "p/1/", "p/2/", "p/3/", "p/4/"});
}

TEST_CASE("azure keeps the mtime as rclone does and reports the MD5", "[azure]") {
  Azurite& az = azurite();
  std::string container = az.new_container();
  auto recorder = std::make_shared<RecordingTransport>();
  azure::AzureEnvironment env;
  env.transport = recorder;
  auto b = az.backend(container, env);
  PutOptions opts;
  opts.mtime = from_unix_nanos(1'700'000'000'123'456'789);
  opts.content_type = "text/csv";
  opts.metadata = {{"Origin", "test"}};
  auto put = b->write_all(P("m/data.csv"), "a,b\n1,2\n", opts, kCtx);
  REQUIRE_OK(put);
  CHECK(put->hashes.md5 == md5_hex("a,b\n1,2\n"));
  CHECK(put->mtime == opts.mtime);

  http::Response head = az.raw("HEAD", "/" + container + "/m/data.csv");
  REQUIRE(head.status == 200);
  CHECK(head.headers.get("x-ms-meta-mtime") == "2023-11-14T22:13:20.123456789Z");
  CHECK(head.headers.get("x-ms-meta-Origin") == "test");
  CHECK(head.headers.get("Content-Type") == "text/csv");
  CHECK(head.headers.get("Content-MD5") == base64_encode(md5_digest("a,b\n1,2\n")));

  auto meta = b->head(P("m/data.csv"), kCtx);
  REQUIRE_OK(meta);
  CHECK(meta->mtime == opts.mtime);
  CHECK(meta->metadata.at("origin") == "test");
  CHECK(meta->hashes.md5 == md5_hex("a,b\n1,2\n"));
  CHECK(meta->content_type == "text/csv");

  // Every request pins x-ms-version; the small put carried a Content-MD5
  // although the caller knew no hash.
  for (const auto& e : recorder->entries()) CHECK(e.headers.get("x-ms-version") == azure::kAzureApiVersion);
  auto puts = recorder->matching("PUT ");
  REQUIRE(puts.size() == 1);
  CHECK(puts.front().headers.get("Content-MD5") == base64_encode(md5_digest("a,b\n1,2\n")));

  // A Content-MD5 that does not match the body is refused, and nothing is written.
  PutOptions wrong;
  wrong.known_hashes.md5 = md5_hex("something else");
  auto refused = b->write_all(P("m/corrupt.bin"), "payload", wrong, kCtx);
  REQUIRE_CODE(refused, ErrorCode::Integrity);
  CHECK(refused.status().http_status() == 400);
  REQUIRE_CODE(b->head(P("m/corrupt.bin"), kCtx), ErrorCode::NotFound);
}

TEST_CASE("azure ranged reads report the whole size and stay pinned to the etag", "[azure]") {
  Azurite& az = azurite();
  auto b = az.backend(az.new_container());
  auto put = b->write_all(P("r.bin"), "0123456789", {}, kCtx);
  REQUIRE_OK(put);
  StringSink sink;
  auto meta = b->get(P("r.bin"), GetOptions{ByteRange{2, 3}, put->etag}, sink, kCtx);
  REQUIRE_OK(meta);
  CHECK(sink.out == "234");
  CHECK(meta->size == 10);
  CHECK(meta->etag == put->etag);
  CHECK(meta->hashes.md5 == md5_hex("0123456789"));  // the blob's MD5, not the range's

  // A resumption after the last byte: nothing more to read.
  StringSink end;
  auto at_end = b->get(P("r.bin"), GetOptions{ByteRange{10, std::nullopt}, put->etag}, end, kCtx);
  REQUIRE_OK(at_end);
  CHECK(end.out.empty());
  CHECK(at_end->size == 10);
  StringSink beyond;
  REQUIRE_CODE(b->get(P("r.bin"), GetOptions{ByteRange{11, std::nullopt}, {}}, beyond, kCtx),
               ErrorCode::InvalidArgument);
  StringSink stale;
  REQUIRE_OK(b->write_all(P("r.bin"), "changed", {}, kCtx));
  auto r = b->get(P("r.bin"), GetOptions{ByteRange{2, std::nullopt}, put->etag}, stale, kCtx);
  REQUIRE_CODE(r, ErrorCode::PreconditionFailed);
  CHECK(r.status().provider_code() == "ConditionNotMet");
  CHECK(stale.out.empty());
}

TEST_CASE("azure block uploads: equal-length unique ids, whole-file MD5, atomic commit", "[azure][blocks]") {
  Azurite& az = azurite();
  std::string container = az.new_container();
  auto recorder = std::make_shared<RecordingTransport>();
  azure::AzureEnvironment env;
  env.transport = recorder;
  AzureBackendOptions small;
  small.block_size = 64 * 1024;
  small.upload_cutoff = 256 * 1024;
  auto b = az.backend(container, env, small);
  const size_t part = 100 * 1024;
  std::string data = random_bytes(4 * part + 1000, 3);

  SECTION("parts in parallel, committed in part order") {
    PutOptions opts;
    opts.known_hashes.md5 = md5_hex(data);
    opts.mtime = from_unix_nanos(1'600'000'000'000'000'000);
    auto upload = b->start_multipart(P("big/blob.bin"), opts, kCtx);
    REQUIRE_OK(upload);
    std::vector<PartInfo> parts(5);
    std::vector<Status> results(5);
    std::vector<std::thread> threads;
    for (uint32_t n = 5; n >= 1; --n) {
      threads.emplace_back([&, n] {
        MemorySource src(std::string_view(data).substr((n - 1) * part, n == 5 ? std::string::npos : part));
        auto r = (*upload)->upload_part(n, src, kCtx);
        results[n - 1] = r.status();
        if (r.ok()) parts[n - 1] = *r;
      });
    }
    for (auto& t : threads) t.join();
    for (const Status& r : results) REQUIRE_OK(r);
    REQUIRE_CODE(b->head(P("big/blob.bin"), kCtx), ErrorCode::NotFound);  // nothing visible yet
    auto done = (*upload)->complete(parts, kCtx);
    REQUIRE_OK(done);
    CHECK(done->size == data.size());
    CHECK(done->hashes.md5 == md5_hex(data));

    auto blocks = committed_blocks(az, container, "big/blob.bin");
    REQUIRE(blocks.size() == 5);
    std::set<std::string> ids;
    for (size_t i = 0; i < blocks.size(); ++i) {
      CHECK(blocks[i].first.size() == blocks[0].first.size());
      CHECK(blocks[i].second == (i == 4 ? 1000 : part));
      ids.insert(blocks[i].first);
    }
    CHECK(ids.size() == 5);
    auto block_puts = recorder->matching("comp=block&");
    REQUIRE(block_puts.size() == 5);
    for (const auto& e : block_puts) CHECK(e.headers.get("Content-MD5").has_value());
    auto commit = recorder->matching("comp=blocklist");
    REQUIRE(commit.size() == 1);
    CHECK(commit.front().headers.get("x-ms-blob-content-md5") == base64_encode(md5_digest(data)));

    auto head = b->head(P("big/blob.bin"), kCtx);
    REQUIRE_OK(head);
    CHECK(head->hashes.md5 == md5_hex(data));  // large blobs keep an MD5
    CHECK(head->mtime == opts.mtime);
    auto back = b->read_all(P("big/blob.bin"), kCtx);
    REQUIRE_OK(back);
    CHECK(*back == data);
  }

  SECTION("two uploads of one blob never mix their blocks") {
    // Committing one upload discards the other's uncommitted blocks: the
    // later commit fails as a conflict instead of mixing the two contents.
    std::string other = random_bytes(data.size(), 4);
    auto first = b->start_multipart(P("same.bin"), {}, kCtx);
    auto second = b->start_multipart(P("same.bin"), {}, kCtx);
    REQUIRE_OK(first);
    REQUIRE_OK(second);
    std::vector<PartInfo> p1, p2;
    for (uint32_t n = 1; n <= 2; ++n) {
      MemorySource a(std::string_view(data).substr((n - 1) * part, n == 2 ? std::string::npos : part));
      MemorySource c(std::string_view(other).substr((n - 1) * part, n == 2 ? std::string::npos : part));
      auto r1 = (*first)->upload_part(n, a, kCtx);
      auto r2 = (*second)->upload_part(n, c, kCtx);
      REQUIRE_OK(r1);
      REQUIRE_OK(r2);
      p1.push_back(*r1);
      p2.push_back(*r2);
    }
    REQUIRE_OK((*second)->complete(p2, kCtx));
    auto late = (*first)->complete(p1, kCtx);
    REQUIRE_CODE(late, ErrorCode::Conflict);
    CHECK(late.status().provider_code() == "InvalidBlockList");
    auto back = b->read_all(P("same.bin"), kCtx);
    REQUIRE_OK(back);
    CHECK(*back == other);
  }

  SECTION("a failed or aborted upload leaves no blob") {
    auto upload = b->start_multipart(P("failed.bin"), {}, kCtx);
    REQUIRE_OK(upload);
    MemorySource first(std::string_view(data).substr(0, part));
    REQUIRE_OK((*upload)->upload_part(1, first, kCtx));
    FailingSource broken(data.substr(part, part), 10);
    REQUIRE_CODE((*upload)->upload_part(2, broken, kCtx), ErrorCode::Internal);
    REQUIRE_OK((*upload)->abort(kCtx));
    REQUIRE_CODE((*upload)->complete({}, kCtx), ErrorCode::InvalidArgument);  // aborted is final
    REQUIRE_CODE(b->head(P("failed.bin"), kCtx), ErrorCode::NotFound);
    CHECK(az.blob_names(container).empty());
    // The blocks exist only as an uncommitted blob the service will discard.
    CHECK(az.blob_names(container, true) == std::vector<std::string>{"failed.bin"});

    // A put() whose source fails midway (in its second block) writes nothing either.
    FailingSource failing(data, part + 5);
    REQUIRE_CODE(b->put(P("failed2.bin"), failing, {}, kCtx), ErrorCode::Internal);
    REQUIRE_CODE(b->head(P("failed2.bin"), kCtx), ErrorCode::NotFound);
    CHECK(az.blob_names(container).empty());
  }

  SECTION("a stream of unknown size goes up block by block") {
    PipeSource pipe(data);
    auto put = b->put(P("piped.bin"), pipe, {}, kCtx);
    REQUIRE_OK(put);
    CHECK(put->size == data.size());
    auto blocks = committed_blocks(az, container, "piped.bin");
    CHECK(blocks.size() == (data.size() + small.block_size - 1) / small.block_size);
    auto back = b->read_all(P("piped.bin"), kCtx);
    REQUIRE_OK(back);
    CHECK(*back == data);
  }

  SECTION("a create-only commit refuses an existing blob") {
    REQUIRE_OK(b->write_all(P("exists.bin"), "old", {}, kCtx));
    PutOptions create;
    create.mode = PutMode::Create;
    auto upload = b->start_multipart(P("exists.bin"), create, kCtx);
    REQUIRE_OK(upload);
    MemorySource src(data);
    auto p = (*upload)->upload_part(1, src, kCtx);
    REQUIRE_OK(p);
    REQUIRE_CODE((*upload)->complete({*p}, kCtx), ErrorCode::AlreadyExists);
    CHECK(b->read_all(P("exists.bin"), kCtx).value_or("") == "old");
  }
}

TEST_CASE("azure conditional writes survive a lost answer", "[azure]") {
  Azurite& az = azurite();
  std::string container = az.new_container();
  PutOptions create;
  create.mode = PutMode::Create;
  create.mtime = from_unix_nanos(1'650'000'000'000'000'000);

  SECTION("Put Blob") {
    azure::AzureEnvironment env;
    env.transport = std::make_shared<LosingTransport>("PUT ");
    env.retry.initial_backoff = 10ms;
    auto b = az.backend(container, env);
    // The first attempt is applied but its answer is lost; the retry is
    // refused with 409, and the blob turns out to be ours.
    auto put = b->write_all(P("once.txt"), "mine", create, kCtx);
    REQUIRE_OK(put);
    CHECK(b->read_all(P("once.txt"), kCtx).value_or("") == "mine");
    // Someone else's blob is still refused.
    REQUIRE_CODE(b->write_all(P("once.txt"), "other content", create, kCtx), ErrorCode::AlreadyExists);
  }
  SECTION("Put Block List") {
    azure::AzureEnvironment env;
    env.transport = std::make_shared<LosingTransport>("comp=blocklist");
    env.retry.initial_backoff = 10ms;
    auto b = az.backend(container, env);
    create.known_hashes.md5 = md5_hex("block data");
    auto upload = b->start_multipart(P("blocks.txt"), create, kCtx);
    REQUIRE_OK(upload);
    MemorySource src("block data");
    auto p = (*upload)->upload_part(1, src, kCtx);
    REQUIRE_OK(p);
    REQUIRE_OK((*upload)->complete({*p}, kCtx));
    CHECK(b->read_all(P("blocks.txt"), kCtx).value_or("") == "block data");
  }
}

TEST_CASE("azure credentials: connection strings, the environment, account and container SAS", "[azure][auth]") {
  Azurite& az = azurite();
  std::string container = az.new_container();
  auto roundtrip = [&](StorageBackend& b, const std::string& key) {
    REQUIRE_OK(b.write_all(P(key), "via " + key, {}, kCtx));
    auto back = b.read_all(P(key), kCtx);
    REQUIRE_OK(back);
    CHECK(*back == "via " + key);
    auto listed = b.list_all({}, kCtx);
    REQUIRE_OK(listed);
    CHECK_FALSE(listed->empty());
  };
  std::string connection =
      "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + std::string(auth::kAzuriteAccountKey) +
      ";BlobEndpoint=" + az.endpoint() + ";";

  SECTION("a connection string option") {
    auto b = open_backend("az://" + container, {{"connection_string", connection}});
    REQUIRE_OK(b);
    roundtrip(**b, "conn.txt");
  }
  SECTION("AZURE_STORAGE_CONNECTION_STRING") {
    azure::AzureEnvironment env;
    env.env = [&](std::string_view name) -> std::optional<std::string> {
      if (name == "AZURE_STORAGE_CONNECTION_STRING") return connection;
      return std::nullopt;
    };
    AzureBackendOptions o;
    o.container = container;
    auto b = azure::make_azure_backend(o, env);
    REQUIRE_OK(b);
    roundtrip(**b, "env.txt");
  }
  SECTION("AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY name the public endpoint") {
    azure::AzureEnvironment env;
    auto recorder = std::make_shared<RecordingTransport>(RecordingOptions{.inner = std::make_shared<StubTransport>()});
    env.transport = recorder;
    env.retry.max_attempts = 1;
    env.env = [&](std::string_view name) -> std::optional<std::string> {
      if (name == "AZURE_STORAGE_ACCOUNT") return "devstoreaccount1";
      if (name == "AZURE_STORAGE_KEY") return std::string(auth::kAzuriteAccountKey);
      return std::nullopt;
    };
    AzureBackendOptions o;
    o.container = container;
    auto b = azure::make_azure_backend(o, env);
    REQUIRE_OK(b);
    // Nothing is sent anywhere: the stub answers, and we look at the request.
    REQUIRE_CODE((*b)->head(P("x"), kCtx), ErrorCode::NotFound);
    auto sent = recorder->entries();
    REQUIRE(sent.size() == 1);
    CHECK(sent.front().url == "https://devstoreaccount1.blob.core.windows.net/" + container + "/x");
    CHECK(sent.front().headers.get("Authorization").value_or("").rfind("SharedKey devstoreaccount1:", 0) == 0);
  }
  SECTION("an account SAS") {
    std::string sas = az.account_sas("sco", "rwdlac", now_utc() + 1h);
    auto b = open_backend("az://" + container, {{"endpoint", az.endpoint()}, {"sas", sas}});
    REQUIRE_OK(b);
    roundtrip(**b, "account-sas.txt");
  }
  SECTION("a blob SAS URL reads its one blob and says why it cannot list") {
    REQUIRE_OK(az.backend(container)->write_all(P("only/this one.txt"), "just this", {}, kCtx));
    REQUIRE_OK(az.backend(container)->write_all(P("not/that.txt"), "no", {}, kCtx));
    std::string url = az.endpoint() + "/" + container + "/only/this%20one.txt?" +
                      az.blob_sas(container, "only/this one.txt", "r", now_utc() + 1h);
    AzureBackendOptions o;
    o.sas = url;
    auto b = make_azure_backend(o);
    REQUIRE_OK(b);
    auto back = (*b)->read_all(P("only/this one.txt"), kCtx);
    REQUIRE_OK(back);
    CHECK(*back == "just this");
    auto listed = (*b)->list_all({}, kCtx);
    REQUIRE_CODE(listed, ErrorCode::PermissionDenied);
    CHECK(listed.status().message().find("blob SAS") != std::string::npos);
    auto other = (*b)->read_all(P("not/that.txt"), kCtx);
    CHECK(other.status().http_status() == 403);
    CHECK(
        (other.status().code() == ErrorCode::Unauthenticated || other.status().code() == ErrorCode::PermissionDenied));
  }
  SECTION("a container SAS URL names the endpoint and the container") {
    std::string url = az.endpoint() + "/" + container + "?" + az.container_sas(container, "racwdl", now_utc() + 1h);
    AzureBackendOptions o;
    o.sas = url;
    auto b = make_azure_backend(o);
    REQUIRE_OK(b);
    CHECK((*b)->describe() == "az://" + container);
    roundtrip(**b, "sas-url.txt");
  }
}

TEST_CASE("azure credential failures are clear and never show the secret", "[azure][auth]") {
  Azurite& az = azurite();
  std::string container = az.new_container();
  auto seed = az.backend(container);
  REQUIRE_OK(seed->write_all(P("present.txt"), "x", {}, kCtx));
  LogCapture logs;
  std::vector<std::string> secrets;
  auto check_clean = [&](const Status& s) {
    for (const std::string& secret : secrets) {
      CHECK(s.to_string().find(secret) == std::string::npos);
      CHECK(logs.joined().find(secret) == std::string::npos);
    }
  };
  auto sig_of = [](const std::string& token) {
    std::string sig = token.substr(token.find("sig=") + 4);
    return sig.substr(0, sig.find('&'));
  };

  SECTION("a wrong account key") {
    // A well-formed key of the right length that is not the account's.
    std::string wrong = base64_encode(random_bytes(64, 99));
    secrets = {wrong};
    AzureBackendOptions o = az.key_options(container);
    o.account_key = wrong;
    auto b = make_azure_backend(o);
    REQUIRE_OK(b);
    auto r = (*b)->read_all(P("present.txt"), kCtx);
    INFO(r.status().to_string());
    // Azurite: 403 AuthorizationFailure with the AuthenticationFailed message.
    REQUIRE_CODE(r, ErrorCode::Unauthenticated);
    CHECK(r.status().http_status() == 403);
    CHECK_FALSE(r.status().provider_code().empty());
    check_clean(r.status());
  }
  SECTION("an expired SAS is refused before anything is sent") {
    std::string sas = az.container_sas(container, "racwdl", now_utc() - 1h);
    secrets = {sig_of(sas)};
    auto recorder = std::make_shared<RecordingTransport>();
    azure::AzureEnvironment env;
    env.transport = recorder;
    AzureBackendOptions o;
    o.sas = sas;
    auto b = az.backend(container, env, o);
    auto r = b->read_all(P("present.txt"), kCtx);
    REQUIRE_CODE(r, ErrorCode::Unauthenticated);
    CHECK(r.status().message().find("expired") != std::string::npos);
    CHECK(recorder->entries().empty());
    check_clean(r.status());
  }
  SECTION("a read-only SAS can read and list but not write or delete") {
    std::string sas = az.container_sas(container, "rl", now_utc() + 1h);
    secrets = {sig_of(sas)};
    AzureBackendOptions o;
    o.sas = sas;
    auto b = az.backend(container, {}, o);
    REQUIRE_OK(b->read_all(P("present.txt"), kCtx));
    REQUIRE_OK(b->list_all({}, kCtx));
    auto w = b->write_all(P("new.txt"), "x", {}, kCtx);
    REQUIRE_CODE(w, ErrorCode::PermissionDenied);
    CHECK(w.status().message().find("does not grant 'w'") != std::string::npos);
    auto d = b->remove(P("present.txt"), kCtx);
    REQUIRE_CODE(d, ErrorCode::PermissionDenied);
    check_clean(w.status());
    check_clean(d);
  }
  SECTION("an account SAS without the container resource type cannot list") {
    std::string sas = az.account_sas("o", "rwdl", now_utc() + 1h);
    secrets = {sig_of(sas)};
    AzureBackendOptions o;
    o.sas = sas;
    auto b = az.backend(container, {}, o);
    auto r = b->list_all({}, kCtx);
    REQUIRE_CODE(r, ErrorCode::PermissionDenied);
    CHECK(r.status().message().find("srt") != std::string::npos);
    REQUIRE_OK(b->read_all(P("present.txt"), kCtx));
  }
  SECTION("the service refuses a SAS for another container, or a forged one") {
    std::string other = az.new_container();
    std::string sas = az.container_sas(other, "racwdl", now_utc() + 1h);
    std::string forged = sas.substr(0, sas.find("sig=") + 4) + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D";
    secrets = {sig_of(sas)};
    for (const std::string& token : {sas, forged}) {
      AzureBackendOptions o;
      o.sas = token;
      auto b = az.backend(container, {}, o);
      auto r = b->read_all(P("present.txt"), kCtx);
      INFO(r.status().to_string());
      CHECK(r.status().http_status() == 403);
      CHECK((r.status().code() == ErrorCode::Unauthenticated || r.status().code() == ErrorCode::PermissionDenied));
      check_clean(r.status());
    }
  }
}

TEST_CASE("azure containers: missing is NotFound, create_container creates on the first write", "[azure]") {
  Azurite& az = azurite();
  std::string name = unique_name("absent");
  auto plain = az.backend(name);
  auto listed = plain->list_all({}, kCtx);
  REQUIRE_CODE(listed, ErrorCode::NotFound);
  CHECK(listed.status().provider_code() == "ContainerNotFound");
  REQUIRE_CODE(plain->write_all(P("a.txt"), "x", {}, kCtx), ErrorCode::NotFound);

  AzureBackendOptions creating;
  creating.create_container = true;
  auto b = az.backend(name, {}, creating);
  REQUIRE_OK(b->write_all(P("a.txt"), "x", {}, kCtx));
  auto again = plain->list_all({}, kCtx);
  REQUIRE_OK(again);
  CHECK(again->size() == 1);
}

TEST_CASE("azure deletes run in parallel on one kept-alive transport", "[azure]") {
  Azurite& az = azurite();
  std::string container = az.new_container();
  auto recorder = std::make_shared<RecordingTransport>();
  azure::AzureEnvironment env;
  env.transport = recorder;
  auto b = az.backend(container, env);
  LogCapture logs;
  std::vector<Path> paths;
  for (int i = 0; i < 40; ++i) {
    paths.push_back(P(fmt::format("d/{}.txt", i)));
    if (i % 4 != 0) REQUIRE_OK(b->write_all(paths.back(), "x", {}, kCtx));  // every 4th never existed
  }
  auto results = b->remove_many(paths, kCtx);
  REQUIRE_OK(results);
  REQUIRE(results->size() == paths.size());
  for (const Status& s : *results) REQUIRE_OK(s);
  CHECK(recorder->matching("DELETE ").size() == paths.size());
  // 70 requests, but connections only for the calling thread and the 8
  // delete workers: the rest reused them.
  std::string text = logs.joined();
  size_t fresh = 0;
  for (size_t at = text.find("new connection"); at != std::string::npos; at = text.find("new connection", at + 1)) {
    ++fresh;
  }
  size_t reused = 0;
  for (size_t at = text.find("reused connection"); at != std::string::npos;
       at = text.find("reused connection", at + 1)) {
    ++reused;
  }
  CHECK(fresh + reused == 70);
  CHECK(fresh <= 9);
  CHECK(az.blob_names(container).empty());
}

}  // namespace cloudsync::test
