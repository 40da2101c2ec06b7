// Server-side copies on Azurite (Copy Blob): within one container and across
// two containers of the account, through the adapters open_backend puts in
// front, with the bytes each client sent and received counted; the source
// pinned to its listed etag; the destination's PutMode; a destination reached
// with a SAS (the source URL then carries a SAS: the source's own, or one
// minted from its key); pending copies waited for, and failed, stalled or
// cancelled ones cleaned up (Azurite always copies at once, so a transport
// reports its answers as pending); a sync between two az:// locations.
#include <atomic>
#include <mutex>

#include "azure/azurite.hpp"
#include "backends/refused_action.hpp"
#include "cloudsync/sync.hpp"
#include "core/hash.hpp"
#include "core/redact.hpp"
#include "support/byte_counting_transport.hpp"
#include "support/command.hpp"
#include "support/copy_checks.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync::test {

using namespace std::chrono_literals;

namespace {

struct CountedContainer {
  std::string name;
  std::string prefix;
  std::shared_ptr<ByteCountingTransport> wire;
  std::shared_ptr<StorageBackend> container;  ///< the whole container
  std::shared_ptr<StorageBackend> view;       ///< below `prefix`, labelled as open_backend() labels
};

CountedContainer counted(const std::string& container, const std::string& prefix, AzureBackendOptions options = {},
                         std::shared_ptr<http::Transport> inner = {}, azure::CopyPolling polling = {}) {
  CountedContainer out;
  out.name = container;
  out.prefix = prefix;
  out.wire = std::make_shared<ByteCountingTransport>(inner ? std::move(inner)
                                                           : http::make_curl_transport(http::ClientOptions{}));
  azure::AzureEnvironment env;
  env.transport = out.wire;
  env.copy_polling = polling;
  out.container = azurite().backend(container, env, std::move(options));
  out.view = backends::label_refused_actions(make_prefixed_backend(out.container, P(prefix)));
  return out;
}

// What the service says about a blob's copy: x-ms-copy-status of Get Blob
// Properties ("success" for a blob Copy Blob made; empty for an upload).
std::string copy_status(const std::string& container, const std::string& blob) {
  http::Response r = azurite().raw("HEAD", "/" + container + "/" + blob);
  REQUIRE(r.status == 200);
  return std::string(r.headers.get("x-ms-copy-status").value_or(""));
}
std::string copy_status(const CountedContainer& store, const std::string& key) {
  return copy_status(store.name, store.prefix + "/" + key);
}

bool absent(const std::string& container, const std::string& blob) {
  return azurite().raw("HEAD", "/" + container + "/" + blob).status == 404;
}

// Copies `src` as a sync would and checks that the service made the copy:
// no byte through either client, the content, the blob's copy status.
void check_copied_by_service(CountedContainer& from, const std::string& src, CountedContainer& to,
                             const std::string& dst, const std::string& data) {
  CHECK(copy_object(from, src, to, dst).moved == 0);
  CHECK(*to.view->read_all(P(dst), {}) == data);
  CHECK(copy_status(to, dst) == "success");
}

// copy_from() itself, pinned to `src` as listed.
Result<ObjectMeta> copy_directly(CountedContainer& from, const std::string& src, CountedContainer& to,
                                 const std::string& dst) {
  const ObjectMeta meta = listed(*from.view, src);
  CopyOptions copy;
  copy.source_if_match = meta.etag;
  copy.source_size = meta.size;
  return to.view->copy_from(*from.view, P(src), P(dst), copy, {});
}

}  // namespace

TEST_CASE("Azure copies within one account are made by the service: no byte through the client", "[azure][copy]") {
  const std::string data = random_bytes(300 * 1024 + 7, 31);
  const std::string md5 = to_hex(md5_digest(data));
  const std::string first = azurite().new_container();
  CountedContainer src = counted(first, "in");
  REQUIRE(src.view->capabilities().server_side_copy);
  put_source(*src.view, "dir/a b+ü.bin", data);

  auto check_copy = [&](CountedContainer& dst, const std::string& blob) {
    REQUIRE(dst.view->can_copy_from(*src.view));
    auto [made, moved] = copy_object(src, "dir/a b+ü.bin", dst, "copy/x.bin");
    // A HEAD of the source and one Copy Blob: headers, no body either way.
    CHECK(moved == 0);
    CHECK(made.size == data.size());
    CHECK(made.hashes.md5 == md5);
    CHECK(made.mtime == kept_mtime());
    auto copied = dst.container->head(P("out/copy/x.bin"), {});
    REQUIRE_OK(copied);
    CHECK(copied->size == data.size());
    CHECK(copied->mtime == kept_mtime());
    CHECK(copied->hashes.md5 == md5);
    CHECK(copied->etag == made.etag);
    CHECK(*dst.container->read_all(P("out/copy/x.bin"), {}) == data);
    CHECK(copy_status(dst.name, blob) == "success");
  };
  SECTION("within one container") {
    CountedContainer dst = counted(first, "out");
    check_copy(dst, "out/copy/x.bin");
  }
  SECTION("across two containers of the account") {
    CountedContainer dst = counted(azurite().new_container(), "out");
    check_copy(dst, "out/copy/x.bin");
  }
}

TEST_CASE("Azure copies are pinned to the listed source and honour the destination's mode", "[azure][copy]") {
  CountedContainer src = counted(azurite().new_container(), "in");
  CountedContainer dst = counted(azurite().new_container(), "out");
  put_source(*src.view, "v.txt", "version one");
  const ObjectMeta v1 = listed(*src.view, "v.txt");

  SECTION("a source changed after it was listed is PreconditionFailed, and nothing is written") {
    put_source(*src.view, "v.txt", "version two, longer");
    auto t = transfer_object(*src.view, P("v.txt"), v1, *dst.view, P("v.txt"), {}, {}, nullptr, {});
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == ErrorCode::PreconditionFailed);
    // The service's own check (x-ms-source-if-match), without the HEAD before it.
    for (PutMode mode : {PutMode::Overwrite, PutMode::Create}) {
      CopyOptions copy;
      copy.source_if_match = v1.etag;
      copy.source_size = v1.size;
      copy.put.mode = mode;
      auto direct = dst.view->copy_from(*src.view, P("v.txt"), P("v.txt"), copy, {});
      REQUIRE_FALSE(direct.ok());
      CHECK(direct.status().code() == ErrorCode::PreconditionFailed);
    }
    CHECK(absent(dst.name, "out/v.txt"));
  }
  SECTION("PutMode::Create onto an existing blob is AlreadyExists and keeps it") {
    REQUIRE_OK(dst.view->write_all(P("v.txt"), "already here", {}, {}));
    CopyOptions copy;
    copy.source_if_match = v1.etag;
    copy.source_size = v1.size;
    copy.put.mode = PutMode::Create;
    auto direct = dst.view->copy_from(*src.view, P("v.txt"), P("v.txt"), copy, {});
    REQUIRE_FALSE(direct.ok());
    CHECK(direct.status().code() == ErrorCode::AlreadyExists);
    CHECK(*dst.view->read_all(P("v.txt"), {}) == "already here");
    // Through the transfer: the destination expected absent has appeared.
    DestinationExpectation expect;
    expect.kind = DestinationExpectation::Kind::Absent;
    auto t = transfer_object(*src.view, P("v.txt"), v1, *dst.view, P("v.txt"), expect, {}, nullptr, {});
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == ErrorCode::Conflict);
    CHECK(*dst.view->read_all(P("v.txt"), {}) == "already here");
  }
  SECTION("PutMode::Update replaces only the version it names") {
    auto old = dst.view->write_all(P("v.txt"), "old", {}, {});
    REQUIRE_OK(old);
    CopyOptions copy;
    copy.source_if_match = v1.etag;
    copy.source_size = v1.size;
    copy.put.mode = PutMode::Update;
    copy.put.if_match = "\"0x8D0000000000000\"";
    auto stale = dst.view->copy_from(*src.view, P("v.txt"), P("v.txt"), copy, {});
    REQUIRE_FALSE(stale.ok());
    CHECK(stale.status().code() == ErrorCode::PreconditionFailed);
    CHECK(*dst.view->read_all(P("v.txt"), {}) == "old");
    copy.put.if_match = old->etag;
    auto fresh = dst.view->copy_from(*src.view, P("v.txt"), P("v.txt"), copy, {});
    REQUIRE_OK(fresh);
    CHECK(*dst.view->read_all(P("v.txt"), {}) == "version one");
  }
}

TEST_CASE("Azure copies to a destination reached with a SAS authorise the source with a SAS", "[azure][copy]") {
  const TimePoint expires = now_utc() + 1h;
  const std::string data = random_bytes(40 * 1024, 32);
  CountedContainer src = counted(azurite().new_container(), "in");
  put_source(*src.view, "s.bin", data);
  const std::string target = azurite().new_container();
  AzureBackendOptions with_sas;
  with_sas.sas = azurite().container_sas(target, "racwdl", expires);
  CountedContainer dst = counted(target, "out", with_sas);

  SECTION("minted from the source's key: read-only, for the one blob, never logged") {
    auto recorder = std::make_shared<RecordingTransport>();
    CountedContainer recorded = counted(target, "out", with_sas, recorder);
    REQUIRE(recorded.view->can_copy_from(*src.view));
    LogCapture logs;
    auto direct = copy_directly(src, "s.bin", recorded, "direct.bin");
    INFO(direct.status().to_string());
    REQUIRE(direct.ok());
    CHECK(*recorded.view->read_all(P("direct.bin"), {}) == data);
    auto copies = recorder->matching("PUT ");
    REQUIRE(copies.size() == 1);
    const std::string source_url(copies[0].headers.get("x-ms-copy-source").value_or(""));
    CHECK(source_url.starts_with(azurite().endpoint() + "/" + src.name + "/in/s.bin?"));
    CHECK(source_url.find("&sr=b&") != std::string::npos);
    CHECK(source_url.find("&sp=r&") != std::string::npos);
    const std::string sig = source_url.substr(source_url.find("&sig=") + 5);
    REQUIRE(sig.size() > 20);
    CHECK(logs.joined().find(sig) == std::string::npos);
    CHECK(redact("copy source " + source_url).find(sig) == std::string::npos);
    check_copied_by_service(src, "s.bin", dst, "s.bin", data);
  }
  // The source reached with a container SAS of its own.
  auto source_with_sas = [&](const std::string& permissions) {
    AzureBackendOptions options;
    options.sas = azurite().container_sas(src.name, permissions, expires);
    return counted(src.name, "in", options);
  };
  SECTION("the source's own SAS, when it grants reading") {
    CountedContainer readable = source_with_sas("rl");
    REQUIRE(dst.view->can_copy_from(*readable.view));
    check_copied_by_service(readable, "s.bin", dst, "t.bin", data);
  }
  SECTION("a source SAS that cannot read: no server-side copy") {
    CHECK_FALSE(dst.view->can_copy_from(*source_with_sas("l").view));
  }
}

TEST_CASE("Azure copies between accounts or endpoints are streamed", "[azure][copy]") {
  const std::string data = random_bytes(64 * 1024, 33);
  CountedContainer src = counted(azurite().new_container(), "in");
  put_source(*src.view, "f.bin", data);
  // The same Azurite behind a proxy: to the client another account
  // endpoint, which its key cannot be assumed to authorise.
  FaultProxy proxy(azurite().port());
  const std::string elsewhere = proxy.url() + "/" + std::string(auth::kAzuriteAccount);
  CountedContainer dst = counted(azurite().new_container(), "out", azurite().key_options("", elsewhere));
  CHECK_FALSE(dst.view->can_copy_from(*src.view));
  CHECK(copy_directly(src, "f.bin", dst, "f.bin").status().code() == ErrorCode::Unsupported);
  auto [made, moved] = copy_object(src, "f.bin", dst, "f.bin");
  CHECK(made.mtime == kept_mtime());
  CHECK(moved >= 2 * data.size());  // down from the source, up to the destination
  CHECK(copy_status(dst.name, "out/f.bin").empty());
}

namespace {

// Azurite finishes every Copy Blob at once; this transport makes its answers
// say "pending" for a number of polls of the destination, then lets the real
// state through ("success") or reports the copy as failed, or keeps it
// pending for ever (a stalled copy). It can also cancel the copy on the
// first poll.
class PendingCopies final : public http::Transport {
 public:
  enum class Ending { Success, Failed, Stalled };
  PendingCopies(int pending_polls, Ending ending)
      : inner_(http::make_curl_transport(http::ClientOptions{})), pending_polls_(pending_polls), ending_(ending) {}

  Result<http::Response> send(const http::Request& request, ByteSink* sink, const OpContext& ctx) override {
    Result<http::Response> answer = inner_->send(request, sink, ctx);
    std::lock_guard lock(mutex_);
    if (!answer.ok()) return answer;
    if (request.method == "PUT" && request.headers.get("x-ms-copy-source")) {
      destination_ = request.url;
      answer->headers.set("x-ms-copy-status", "pending");
      return answer;
    }
    if (request.method == "PUT" && request.url.find("comp=copy") != std::string::npos) ++aborts;
    if (request.method == "DELETE") ++deletes;
    if (request.method != "HEAD" || request.url != destination_ || answer->status != 200) return answer;
    ++polls;
    if (cancel_on_poll != nullptr) cancel_on_poll->cancel();
    const bool still_pending = polls <= pending_polls_ || ending_ == Ending::Stalled;
    if (still_pending) {
      answer->headers.set("x-ms-copy-status", "pending");
      answer->headers.set("x-ms-copy-progress",
                          "1024/" + std::string(answer->headers.get("Content-Length").value_or("0")));
    } else if (ending_ == Ending::Failed) {
      answer->headers.set("x-ms-copy-status", "failed");
      answer->headers.set("x-ms-copy-status-description", "500 InternalError (test)");
    }
    return answer;
  }

  int polls = 0, aborts = 0, deletes = 0;
  CancelToken* cancel_on_poll = nullptr;

 private:
  std::shared_ptr<http::Transport> inner_;
  std::mutex mutex_;
  std::string destination_;
  int pending_polls_;
  Ending ending_;
};

azure::CopyPolling fast_polling() {
  azure::CopyPolling polling;
  polling.first_poll = 5ms;
  polling.max_poll = 40ms;
  polling.stall_limit = 300ms;
  return polling;
}

}  // namespace

TEST_CASE("a pending Azure copy is waited for, and one that fails, stalls or is cancelled leaves nothing",
          "[azure][copy]") {
  const std::string data = random_bytes(20 * 1024, 34);
  const std::string name = azurite().new_container();
  CountedContainer src = counted(name, "in");
  put_source(*src.view, "p.bin", data);
  const ObjectMeta listed_source = listed(*src.view, "p.bin");
  CopyOptions copy;
  copy.source_if_match = listed_source.etag;
  copy.source_size = listed_source.size;
  copy.put.mtime = kept_mtime();

  SECTION("pending, then done: the result is the finished blob's") {
    auto wire = std::make_shared<PendingCopies>(3, PendingCopies::Ending::Success);
    CountedContainer dst = counted(name, "out", {}, wire, fast_polling());
    auto made = dst.view->copy_from(*src.view, P("p.bin"), P("p.bin"), copy, {});
    REQUIRE_OK(made);
    CHECK(wire->polls == 4);
    CHECK(made->size == data.size());
    CHECK(made->mtime == kept_mtime());
    CHECK(made->hashes.md5 == to_hex(md5_digest(data)));
    CHECK(*dst.view->read_all(P("p.bin"), {}) == data);
  }
  SECTION("failed: Network, and the blob it left is deleted") {
    auto wire = std::make_shared<PendingCopies>(1, PendingCopies::Ending::Failed);
    CountedContainer dst = counted(name, "out", {}, wire, fast_polling());
    auto made = dst.view->copy_from(*src.view, P("p.bin"), P("p.bin"), copy, {});
    REQUIRE_FALSE(made.ok());
    CHECK(made.status().code() == ErrorCode::Network);
    CHECK(made.status().message().find("500 InternalError (test)") != std::string::npos);
    CHECK(wire->aborts == 1);
    CHECK(wire->deletes == 1);
    CHECK(absent(name, "out/p.bin"));
  }
  SECTION("stalled: Timeout after the stall limit, aborted and deleted") {
    auto wire = std::make_shared<PendingCopies>(0, PendingCopies::Ending::Stalled);
    CountedContainer dst = counted(name, "out", {}, wire, fast_polling());
    const auto started = std::chrono::steady_clock::now();
    auto made = dst.view->copy_from(*src.view, P("p.bin"), P("p.bin"), copy, {});
    REQUIRE_FALSE(made.ok());
    CHECK(made.status().code() == ErrorCode::Timeout);
    CHECK(std::chrono::steady_clock::now() - started >= 300ms);
    CHECK(wire->aborts == 1);
    CHECK(absent(name, "out/p.bin"));
  }
  SECTION("cancelled while pending: Cancelled, aborted and deleted") {
    auto wire = std::make_shared<PendingCopies>(100, PendingCopies::Ending::Success);
    CountedContainer dst = counted(name, "out", {}, wire, fast_polling());
    CancelToken cancel;
    wire->cancel_on_poll = &cancel;
    OpContext ctx;
    ctx.cancel = &cancel;
    auto made = dst.view->copy_from(*src.view, P("p.bin"), P("p.bin"), copy, ctx);
    REQUIRE_FALSE(made.ok());
    CHECK(made.status().code() == ErrorCode::Cancelled);
    CHECK(wire->polls == 2);  // the one that cancelled, and the look at what the abort left
    CHECK(absent(name, "out/p.bin"));
  }
}

TEST_CASE("a sync between two az:// locations of one account copies server-side", "[azure][copy]") {
  const std::string name = azurite().new_container();
  CountedContainer src = counted(name, "projects/a");
  CountedContainer dst = counted(azurite().new_container(), "backup/a");
  uint64_t total = 0;
  for (int i = 0; i < 5; ++i) {
    const std::string data = random_bytes(30 * 1024 + static_cast<size_t>(i), 40 + static_cast<uint32_t>(i));
    put_source(*src.view, "f" + std::to_string(i) + ".bin", data);
    total += data.size();
  }
  src.wire->sent = 0;
  src.wire->received = 0;
  auto plan = plan_sync(*src.view, *dst.view, {});
  REQUIRE_OK(plan);
  auto report = apply_plan(*plan, *src.view, *dst.view, {});
  REQUIRE_OK(report);
  CHECK(report->count(OutcomeKind::Done) == 5);
  CHECK(report->bytes_transferred == total);
  // Two listings (XML) and, per file, a HEAD and a Copy Blob: far below one file.
  CHECK(src.wire->moved() + dst.wire->moved() < 16 * 1024);
  for (int i = 0; i < 5; ++i) CHECK(copy_status(dst.name, "backup/a/f" + std::to_string(i) + ".bin") == "success");
  // Planned again: nothing to do (sizes and mtimes agree).
  auto again = plan_sync(*src.view, *dst.view, {});
  REQUIRE_OK(again);
  for (const PlanAction& action : again->actions) CHECK(action.kind == ActionKind::Skip);
}

#ifdef CLOUDSYNC_CLI_PATH
TEST_CASE("cloudsync copy between two az:// locations of one account copies server-side", "[azure][copy][cli]") {
  const std::string from = azurite().new_container();
  const std::string to = azurite().new_container();
  CountedContainer src = counted(from, "projects/a");
  std::map<std::string, std::string> files;
  for (int i = 0; i < 3; ++i) {
    files["d/f" + std::to_string(i) + ".bin"] =
        random_bytes(20 * 1024 + static_cast<size_t>(i), 50 + static_cast<uint32_t>(i));
  }
  for (const auto& [key, data] : files) put_source(*src.view, key, data);
  const std::map<std::string, std::string> env = {
      {"AZURE_STORAGE_CONNECTION_STRING", "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" +
                                              std::string(auth::kAzuriteAccountKey) +
                                              ";BlobEndpoint=" + azurite().endpoint() + ";"}};
  std::string output;
  const int exit_code = run_command(
      shell_quote(CLOUDSYNC_CLI_PATH) + " copy az://" + from + "/projects/a az://" + to + "/backup/a --json", env,
      output);
  INFO(output);
  REQUIRE(exit_code == 0);
  CountedContainer dst = counted(to, "backup/a");
  for (const auto& [key, data] : files) {
    CHECK(copy_status(to, "backup/a/" + key) == "success");
    CHECK(*dst.view->read_all(P(key), {}) == data);
    auto meta = dst.view->head(P(key), {});
    REQUIRE_OK(meta);
    CHECK(meta->mtime == kept_mtime());
  }
}
#endif

}  // namespace cloudsync::test
