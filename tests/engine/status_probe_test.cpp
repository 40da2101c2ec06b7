// The integration status probe on the memory backend: what each failure is
// classified as (from the Status each provider's error code builds), the
// journal that lets a later check delete a probe a killed check left behind,
// cancellation, and what the probe does and does not touch.
#include <regex>
#include <set>

#include "auth/azure/sas.hpp"
#include "backends/azure/azure_errors.hpp"
#include "backends/gdrive/gdrive_errors.hpp"
#include "backends/s3/s3_errors.hpp"
#include "cloudsync/backends/local.hpp"
#include "cloudsync/backends/memory.hpp"
#include "core/time.hpp"
#include "engine/status_probe.hpp"
#include "http/http_date.hpp"
#include "support/fault_backend.hpp"
#include "support/http_support.hpp"
#include "support/probe_journal.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

using namespace std::chrono_literals;

namespace {

http::Response answer(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  for (auto& [name, value] : headers) r.headers.set(name, value);
  return r;
}

Status s3_answer(int status, const std::string& code, const std::string& message = "refused") {
  return s3::s3_error_status(answer(status, "<?xml version=\"1.0\"?><Error><Code>" + code + "</Code><Message>" +
                                                message + "</Message><RequestId>R1</RequestId></Error>"),
                             "PUT s3://bucket/key", s3::ErrorContext::CreateOnly,
                             s3::ErrorHints{"us-east-1", "AKIAEXAMPLE", "options"});
}

Status azure_answer(int status, const std::string& code, const std::string& detail = {},
                    const std::string& message = "Server failed to authenticate the request.") {
  std::string body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>" + code + "</Code><Message>" + message +
                     "\nRequestId:r1\nTime:t</Message>";
  if (!detail.empty()) body += "<AuthenticationErrorDetail>" + detail + "</AuthenticationErrorDetail>";
  return azure::azure_error(answer(status, body + "</Error>", {{"x-ms-error-code", code}}), "GET az://c/");
}

Status drive_answer(int status, const std::string& reason) {
  return gdrive::drive_error_status(answer(status, R"({"error":{"code":)" + std::to_string(status) +
                                                       R"(,"message":"m","errors":[{"reason":")" + reason + R"("}]}})"),
                                    "files.list", gdrive::CallKind::Metadata, {});
}

Status sas_check(const std::string& token_text) {
  auto token = auth::parse_sas_token(token_text);
  REQUIRE_OK(token);
  return auth::check_sas_token(*token, "l", now_utc());
}

std::string sas_time(TimePoint t) { return format_rfc3339(t, 0); }

struct Probe {
  std::shared_ptr<MemoryBackend> memory = std::make_shared<MemoryBackend>("probe");
  std::shared_ptr<FaultBackend> backend = std::make_shared<FaultBackend>(memory);
  MemoryProbeJournal journal;
  ProbeOptions options;

  void put(const std::string& key, const std::string& data = "content") {
    REQUIRE_OK(memory->write_all(P(key), data, {}, kCtx));
  }
  StatusCheck run(const OpContext& ctx = kCtx) { return probe_backend(*backend, options, journal.journal(), ctx); }
  std::vector<std::string> probe_objects() {
    std::vector<std::string> out;
    auto all = memory->list_all({}, kCtx);
    REQUIRE_OK(all);
    for (const ObjectMeta& m : *all) {
      if (m.key.find(".cloudsync-probe-") != std::string::npos) out.push_back(m.key);
    }
    return out;
  }
};

const std::vector<ProbeAction> kAll{ProbeAction::List, ProbeAction::Read, ProbeAction::Write, ProbeAction::Delete};
const std::vector<ProbeAction> kListRead{ProbeAction::List, ProbeAction::Read};

}  // namespace

TEST_CASE("status probe: each provider failure gets its reason", "[probe][classify]") {
  struct Case {
    std::string name;
    Status failure;
    DisconnectReason reason;
  };
  TimePoint now = now_utc();
  std::vector<Case> cases = {
      {"S3 AccessDenied", s3_answer(403, "AccessDenied"), DisconnectReason::MissingPermission},
      {"S3 AllAccessDisabled", s3_answer(403, "AllAccessDisabled"), DisconnectReason::MissingPermission},
      {"S3 InvalidAccessKeyId", s3_answer(403, "InvalidAccessKeyId"), DisconnectReason::InvalidCredentials},
      {"S3 SignatureDoesNotMatch", s3_answer(403, "SignatureDoesNotMatch"), DisconnectReason::InvalidCredentials},
      {"S3 InvalidToken", s3_answer(400, "InvalidToken"), DisconnectReason::InvalidCredentials},
      // A message that talks of expiry does not outweigh the code.
      {"S3 SignatureDoesNotMatch saying expired", s3_answer(403, "SignatureDoesNotMatch", "key expired?"),
       DisconnectReason::InvalidCredentials},
      {"S3 ExpiredToken", s3_answer(400, "ExpiredToken", "The provided token has expired."),
       DisconnectReason::ExpiredCredentials},
      {"S3 TokenRefreshRequired", s3_answer(400, "TokenRefreshRequired"), DisconnectReason::ExpiredCredentials},
      {"S3 RequestTimeTooSkewed", s3_answer(403, "RequestTimeTooSkewed"), DisconnectReason::ClockSkew},
      {"S3 NoSuchBucket", s3_answer(404, "NoSuchBucket"), DisconnectReason::NotFound},
      {"S3 SlowDown", s3_answer(503, "SlowDown"), DisconnectReason::Throttled},
      {"S3 InternalError", s3_answer(500, "InternalError"), DisconnectReason::Unreachable},
      {"S3 PermanentRedirect", s3_answer(301, "PermanentRedirect"), DisconnectReason::Error},
      {"Azure AuthorizationPermissionMismatch", azure_answer(403, "AuthorizationPermissionMismatch"),
       DisconnectReason::MissingPermission},
      {"Azure AuthorizationFailure",
       azure_answer(403, "AuthorizationFailure", "", "This request is not authorized to perform this operation."),
       DisconnectReason::MissingPermission},
      {"Azurite AuthorizationFailure (a request it cannot authenticate)", azure_answer(403, "AuthorizationFailure"),
       DisconnectReason::InvalidCredentials},
      {"Azure AuthenticationFailed, bad signature",
       azure_answer(403, "AuthenticationFailed",
                    "The MAC signature found in the HTTP request 'c2ln' is not the same as any computed signature."),
       DisconnectReason::InvalidCredentials},
      {"Azure AuthenticationFailed, SAS expired",
       azure_answer(403, "AuthenticationFailed",
                    "Signature not valid in the specified time frame: Start [" + format_http_date(now - 2h) +
                        "] - Expiry [" + format_http_date(now - 1h) + "] - Current [" + format_http_date(now) + "]"),
       DisconnectReason::ExpiredCredentials},
      {"Azure AuthenticationFailed, SAS not yet valid",
       azure_answer(403, "AuthenticationFailed",
                    "Signature not valid in the specified time frame: Start [" + format_http_date(now + 1h) +
                        "] - Expiry [" + format_http_date(now + 2h) + "] - Current [" + format_http_date(now) + "]"),
       DisconnectReason::ClockSkew},
      {"Azure AuthenticationFailed, date too old",
       azure_answer(403, "AuthenticationFailed", "Request date header too old: 'Mon, 01 Jan 2024 00:00:00 GMT'"),
       DisconnectReason::ClockSkew},
      {"Azure InvalidAuthenticationInfo, bearer token expired",
       azure_answer(401, "InvalidAuthenticationInfo", "Lifetime validation failed. The token is expired."),
       DisconnectReason::ExpiredCredentials},
      {"Azure InvalidAuthenticationInfo, wrong audience",
       azure_answer(401, "InvalidAuthenticationInfo", "Audience validation failed."),
       DisconnectReason::InvalidCredentials},
      {"Azure ContainerNotFound", azure_answer(404, "ContainerNotFound"), DisconnectReason::NotFound},
      {"Azure ServerBusy", azure_answer(503, "ServerBusy"), DisconnectReason::Throttled},
      {"SAS expired (checked before sending)",
       sas_check("sv=2021-08-06&sr=c&sp=rl&se=" + sas_time(now - 1h) + "&sig=c2ln"),
       DisconnectReason::ExpiredCredentials},
      {"SAS not yet valid (checked before sending)",
       sas_check("sv=2021-08-06&sr=c&sp=rl&st=" + sas_time(now + 1h) + "&se=" + sas_time(now + 2h) + "&sig=c2ln"),
       DisconnectReason::ClockSkew},
      {"SAS without the permission (checked before sending)",
       [&] {
         auto token = auth::parse_sas_token("sv=2021-08-06&sr=c&sp=r&se=" + sas_time(now + 1h) + "&sig=c2ln");
         REQUIRE_OK(token);
         return auth::check_sas_token(*token, "l", now);
       }(),
       DisconnectReason::MissingPermission},
      {"Drive insufficientPermissions", drive_answer(403, "insufficientPermissions"),
       DisconnectReason::MissingPermission},
      {"Drive notFound (the root folder)", drive_answer(404, "notFound"), DisconnectReason::NotFound},
      {"Drive authError", drive_answer(401, "authError"), DisconnectReason::InvalidCredentials},
      {"Drive rate limit", drive_answer(403, "userRateLimitExceeded"), DisconnectReason::Throttled},
      // What auth/oauth/token_endpoint.cpp builds from a token endpoint's refusal.
      {"OAuth invalid_grant, expired",
       http::status_from_response(answer(400, ""), "POST token", ErrorCode::Unauthenticated, "invalid_grant",
                                  "invalid_grant: Token has been expired or revoked.", ""),
       DisconnectReason::ExpiredCredentials},
      {"OAuth invalid_grant, bad code",
       http::status_from_response(answer(400, ""), "POST token", ErrorCode::Unauthenticated, "invalid_grant",
                                  "invalid_grant: Malformed auth code.", ""),
       DisconnectReason::InvalidCredentials},
      {"connection refused", Status(ErrorCode::Network, "connect 127.0.0.1:1: connection refused"),
       DisconnectReason::Unreachable},
      {"timeout", Status(ErrorCode::Timeout, "no answer in 30 s"), DisconnectReason::Unreachable},
      {"a malformed answer", Status(ErrorCode::BadResponse, "not XML"), DisconnectReason::Error},
      {"an unsupported setting", Status(ErrorCode::Unsupported, "no"), DisconnectReason::Error},
  };
  for (const Case& c : cases) {
    INFO(c.name << ": " << c.failure.to_string());
    StatusCheck check = classify_probe_failure(ProbeAction::Write, c.failure);
    CHECK(check.status == IntegrationStatus::Disconnected);
    CHECK(disconnect_reason_name(check.reason) == disconnect_reason_name(c.reason));
    REQUIRE(check.missing_action.has_value());
    CHECK(*check.missing_action == ProbeAction::Write);
    CHECK(check.provider_code == c.failure.provider_code());
    CHECK(check.http_status == c.failure.http_status());
    CHECK(check.message.find(c.failure.message()) != std::string::npos);
    CHECK(check.message.starts_with("write: "));
  }
}

TEST_CASE("status probe: the provider's details reach the check, and no secret does", "[probe][classify]") {
  Status failure = s3_answer(403, "AccessDenied", "Access Denied");
  StatusCheck check = classify_probe_failure(ProbeAction::Delete, failure);
  CHECK(check.reason == DisconnectReason::MissingPermission);
  CHECK(*check.missing_action == ProbeAction::Delete);
  CHECK(check.provider_code == "AccessDenied");
  CHECK(check.http_status == 403);
  CHECK(check.message.find("request id R1") != std::string::npos);
  std::string json = status_check_to_json(check);
  CHECK(json.find(R"("reason":"MISSING_PERMISSION")") != std::string::npos);
  CHECK(json.find(R"("missing_action":"delete")") != std::string::npos);

  // The SAS signature is a secret: the check repeats the scrubbed message.
  Status sas = sas_check("sv=2021-08-06&sr=c&sp=rl&se=" + sas_time(now_utc() - 1h) + "&sig=c2VjcmV0c2ln");
  CHECK(classify_probe_failure(ProbeAction::List, sas).message.find("c2VjcmV0c2ln") == std::string::npos);
}

TEST_CASE("status probe: cancelled is an error named 'cancelled'", "[probe][classify][cancel]") {
  StatusCheck check = classify_probe_failure(ProbeAction::Read, Status(ErrorCode::Cancelled, "stopped"));
  CHECK(check.status == IntegrationStatus::Disconnected);
  CHECK(check.reason == DisconnectReason::Error);
  CHECK(check.message == "cancelled");
  CHECK_FALSE(check.missing_action.has_value());
}

TEST_CASE("status probe: probe object names", "[probe]") {
  std::regex shape(R"(\.cloudsync-probe-[0-9a-f]{16})");
  std::string at_root = probe_object_key("");
  CHECK(std::regex_match(at_root, shape));
  CHECK(probe_object_key("") != at_root);
  std::string nested = probe_object_key("team/exports/");
  CHECK(nested.starts_with("team/exports/.cloudsync-probe-"));
  CHECK(std::regex_match(nested.substr(std::string("team/exports/").size()), shape));
  CHECK(probe_object_key("/team").starts_with("team/.cloudsync-probe-"));
  CHECK(Path::validate(nested).ok());
}

TEST_CASE("status probe: lists, reads one byte, writes create-only and deletes, journalled in order",
          "[probe][journal]") {
  Probe p;
  p.put("data/a.csv", "a,b,c\n");
  p.options.writeback = true;
  p.options.probe_folder = "data";
  std::string begun;
  p.journal.on_begin = [&](const std::string& key) {
    begun = key;
    CHECK(p.backend->puts == 0);  // recorded before anything is written
    CHECK(p.probe_objects().empty());
  };
  p.journal.on_end = [&](const std::string& key) {
    CHECK(key == begun);
    CHECK(p.backend->deletes == 1);  // ended only once the object is gone
    CHECK(p.probe_objects().empty());
  };
  StatusCheck check = p.run();
  INFO(check.message);
  CHECK(check.status == IntegrationStatus::Connected);
  CHECK(check.reason == DisconnectReason::None);
  CHECK(check.passed == kAll);
  CHECK_FALSE(check.missing_action.has_value());
  CHECK(check.duration >= 0ms);
  CHECK(now_utc() - check.checked_at < 1min);
  REQUIRE(begun.starts_with("data/.cloudsync-probe-"));
  CHECK(p.journal.calls == std::vector<std::string>{"leftovers", "begin " + begun, "end " + begun});
  CHECK(p.journal.open.empty());
  CHECK(p.backend->lists == 1);
  CHECK(p.backend->gets == 1);
  auto get = p.backend->last_get_options();
  REQUIRE(get.has_value());
  REQUIRE(get->range.has_value());
  CHECK(get->range->offset == 0);
  CHECK(get->range->length == std::optional<uint64_t>(1));
  CHECK(p.backend->puts == 1);
  CHECK(p.backend->last_put_options()->mode == PutMode::Create);
  CHECK(p.probe_objects().empty());
  CHECK(p.memory->object_count() == 1);
}

TEST_CASE("status probe: a store without create-only writes is written plainly", "[probe]") {
  // Emulating the condition would take a read of the key, which write-only
  // credentials cannot do; the random name is the guard there.
  Probe p;
  Capabilities caps = p.memory->capabilities();
  caps.conditional_create = false;
  p.backend->override_capabilities(caps);
  p.options.writeback = true;
  StatusCheck check = p.run();
  CHECK(check.status == IntegrationStatus::Connected);
  CHECK(p.backend->last_put_options()->mode == PutMode::Overwrite);
}

TEST_CASE("status probe: an empty listing passes the read step without reading", "[probe]") {
  Probe p;
  StatusCheck check = p.run();
  CHECK(check.status == IntegrationStatus::Connected);
  CHECK(check.passed == kListRead);
  CHECK(p.backend->gets == 0);
}

TEST_CASE("status probe: without writeback nothing is written or deleted", "[probe]") {
  Probe p;
  p.put("a.txt");
  p.backend->fail_put("", ErrorCode::PermissionDenied, -1);
  p.backend->fail_remove(Status(ErrorCode::PermissionDenied, "no delete"), -1);
  StatusCheck check = p.run();
  CHECK(check.status == IntegrationStatus::Connected);
  CHECK(check.passed == kListRead);
  CHECK(p.backend->puts == 0);
  CHECK(p.backend->deletes == 0);
  CHECK(p.journal.calls == std::vector<std::string>{"leftovers"});
}

TEST_CASE("status probe: the read prefers a non-empty object and stays in the listed prefixes", "[probe]") {
  Probe p;
  p.put("team/empty.txt", "");
  p.put("team/full.txt", "12345");
  p.put("other/secret.txt", "x");
  p.backend->inject_get({"other/secret.txt", 0, ErrorCode::PermissionDenied, -1});
  p.backend->inject_get({"team/empty.txt", 0, ErrorCode::PermissionDenied, -1});
  p.options.prefixes = {"team/"};
  StatusCheck check = p.run();
  INFO(check.message);
  CHECK(check.status == IntegrationStatus::Connected);
  CHECK(p.backend->gets == 1);
  CHECK(p.backend->last_get_options()->range.has_value());
}

TEST_CASE("status probe: a store without ranged reads is read only in part", "[probe]") {
  Probe p;
  p.put("big.bin", random_bytes(1 << 20));
  Capabilities caps = p.memory->capabilities();
  caps.ranged_get = false;
  p.backend->override_capabilities(caps);
  StatusCheck check = p.run();
  INFO(check.message);
  CHECK(check.status == IntegrationStatus::Connected);
  CHECK(p.backend->gets == 1);
  CHECK_FALSE(p.backend->last_get_options()->range.has_value());
}

TEST_CASE("status probe: objects that vanish or cannot be read by nature do not fail the read", "[probe]") {
  Probe p;
  p.put("a.txt");
  p.put("b.txt");
  p.backend->inject_get({"", 0, ErrorCode::NotFound, -1});
  StatusCheck check = p.run();
  CHECK(check.status == IntegrationStatus::Connected);
  CHECK(p.backend->gets == 2);
}

TEST_CASE("status probe: each failing step is named as the missing action", "[probe]") {
  Probe p;
  p.put("a.txt");
  p.options.writeback = true;
  Status denied = Status(ErrorCode::PermissionDenied, "Access Denied").with_provider_details(403, "AccessDenied", "R9");

  SECTION("list") {
    p.backend->fail_list(denied);
    StatusCheck check = p.run();
    CHECK(check.status == IntegrationStatus::Disconnected);
    CHECK(check.reason == DisconnectReason::MissingPermission);
    CHECK(check.missing_action == ProbeAction::List);
    CHECK(check.passed.empty());
    CHECK(check.provider_code == "AccessDenied");
    CHECK(check.http_status == 403);
    CHECK(check.message.find("Access Denied") != std::string::npos);
    CHECK(p.backend->gets == 0);
    CHECK(p.backend->puts == 0);
  }
  SECTION("read") {
    p.backend->inject_get({"", 0, ErrorCode::PermissionDenied, -1});
    StatusCheck check = p.run();
    CHECK(check.reason == DisconnectReason::MissingPermission);
    CHECK(check.missing_action == ProbeAction::Read);
    CHECK(check.passed == std::vector<ProbeAction>{ProbeAction::List});
    CHECK(p.backend->puts == 0);
  }
  SECTION("write: a refused write is ended in the journal (nothing was written)") {
    p.backend->fail_put("", denied, -1);
    StatusCheck check = p.run();
    CHECK(check.reason == DisconnectReason::MissingPermission);
    CHECK(check.missing_action == ProbeAction::Write);
    CHECK(check.passed == kListRead);
    CHECK(p.journal.open.empty());
    CHECK(p.backend->deletes == 0);
  }
  SECTION("write: a write whose answer was lost stays in the journal") {
    p.backend->fail_put("", Status(ErrorCode::Network, "connection reset"), -1);
    StatusCheck check = p.run();
    CHECK(check.reason == DisconnectReason::Unreachable);
    CHECK(check.missing_action == ProbeAction::Write);
    CHECK(p.journal.open.size() == 1);
  }
  SECTION("delete: the probe object and its journal entry stay, and the next check removes them") {
    p.backend->fail_remove(denied.with_provider_details(200, "AccessDenied", "R9"));
    StatusCheck check = p.run();
    CHECK(check.status == IntegrationStatus::Disconnected);
    CHECK(check.reason == DisconnectReason::MissingPermission);
    CHECK(check.missing_action == ProbeAction::Delete);
    CHECK(check.passed == std::vector<ProbeAction>{ProbeAction::List, ProbeAction::Read, ProbeAction::Write});
    std::vector<std::string> left = p.probe_objects();
    REQUIRE(left.size() == 1);
    CHECK(p.journal.open == std::set<std::string>{left[0]});

    StatusCheck next = p.run();
    INFO(next.message);
    CHECK(next.status == IntegrationStatus::Connected);
    CHECK(p.probe_objects().empty());
    CHECK(p.journal.open.empty());
    CHECK(std::count(p.journal.calls.begin(), p.journal.calls.end(), "end " + left[0]) == 1);
  }
  SECTION("a journal that cannot record stops the write: an error, not a permission") {
    p.journal.begin_status = Status(ErrorCode::PermissionDenied, "read-only database");
    StatusCheck check = p.run();
    CHECK(check.reason == DisconnectReason::Error);
    CHECK(check.missing_action == ProbeAction::Write);
    CHECK(p.backend->puts == 0);
  }
}

TEST_CASE("status probe: leftover probe objects are swept first", "[probe][journal]") {
  Probe p;
  p.put("a.txt");
  p.put("data/.cloudsync-probe-00112233aabbccdd", "left behind");
  p.journal.open = {"data/.cloudsync-probe-00112233aabbccdd"};

  SECTION("a leftover that exists is deleted and ended") {
    StatusCheck check = p.run();
    CHECK(check.status == IntegrationStatus::Connected);
    CHECK(p.probe_objects().empty());
    CHECK(p.journal.open.empty());
    CHECK(p.journal.calls == std::vector<std::string>{"leftovers", "end data/.cloudsync-probe-00112233aabbccdd"});
  }
  SECTION("a leftover already gone counts as ended") {
    p.journal.open.insert("gone/.cloudsync-probe-ffffffffffffffff");
    StatusCheck check = p.run();
    CHECK(check.status == IntegrationStatus::Connected);
    CHECK(p.journal.open.empty());
  }
  SECTION("a leftover the store says is not found counts as ended") {
    p.backend->fail_remove(Status(ErrorCode::NotFound, "NoSuchKey"));
    StatusCheck check = p.run();
    CHECK(check.status == IntegrationStatus::Connected);
    CHECK(p.journal.open.empty());
  }
  SECTION("a leftover that cannot be deleted is logged, kept, and not fatal") {
    p.backend->fail_remove(Status(ErrorCode::PermissionDenied, "no delete"));
    LogCapture logs(LogLevel::Warn);
    StatusCheck check = p.run();
    CHECK(check.status == IntegrationStatus::Connected);
    CHECK(p.probe_objects().size() == 1);
    CHECK(p.journal.open.size() == 1);
    CHECK(logs.joined().find("cannot delete the leftover probe object data/.cloudsync-probe-00112233aabbccdd") !=
          std::string::npos);
  }
  SECTION("a journal entry that names no probe object is never deleted") {
    p.journal.open = {"a.txt"};
    LogCapture logs(LogLevel::Warn);
    StatusCheck check = p.run();
    CHECK(check.status == IntegrationStatus::Connected);
    CHECK(p.memory->head(P("a.txt"), kCtx).ok());
    CHECK(p.backend->deletes == 0);
    CHECK(p.journal.open.empty());
    CHECK(logs.joined().find("no probe object") != std::string::npos);
  }
  SECTION("a journal that cannot be read is logged and the check goes on") {
    ProbeJournal broken = p.journal.journal();
    broken.leftovers = []() -> Result<std::vector<std::string>> {
      return Status(ErrorCode::Internal, "database is locked");
    };
    LogCapture logs(LogLevel::Warn);
    StatusCheck check = probe_backend(*p.backend, p.options, broken, kCtx);
    CHECK(check.status == IntegrationStatus::Connected);
    CHECK(logs.joined().find("database is locked") != std::string::npos);
  }
  SECTION("an empty journal is allowed") {
    StatusCheck check = probe_backend(*p.backend, p.options, ProbeJournal{}, kCtx);
    CHECK(check.status == IntegrationStatus::Connected);
    CHECK(p.probe_objects().size() == 1);
  }
}

TEST_CASE("status probe: cancellation stops the check at once", "[probe][cancel]") {
  Probe p;
  p.put("a.txt");
  p.options.writeback = true;
  CancelToken token;
  OpContext ctx;
  ctx.cancel = &token;

  SECTION("before it starts: nothing is touched") {
    p.journal.open = {".cloudsync-probe-0123456789abcdef"};
    token.cancel();
    auto started = std::chrono::steady_clock::now();
    StatusCheck check = p.run(ctx);
    CHECK(std::chrono::steady_clock::now() - started < 1s);
    CHECK(check.status == IntegrationStatus::Disconnected);
    CHECK(check.reason == DisconnectReason::Error);
    CHECK(check.message == "cancelled");
    CHECK(check.passed.empty());
    CHECK(p.backend->lists == 0);
    CHECK(p.backend->deletes == 0);
  }
  SECTION("while the probe object is being recorded: it is not written") {
    p.journal.on_begin = [&](const std::string&) { token.cancel(); };
    StatusCheck check = p.run(ctx);
    CHECK(check.message == "cancelled");
    CHECK(check.passed == kListRead);
    CHECK(p.backend->puts == 0);
    CHECK(p.journal.open.empty());
  }
}

TEST_CASE("status probe: a local folder that does not exist is NOT_FOUND", "[probe][local]") {
  TempDir dir;
  auto backend = make_local_backend(dir / "missing");
  REQUIRE_OK(backend);
  StatusCheck check = probe_backend(**backend, {}, {}, kCtx);
  INFO(check.message);
  CHECK(check.status == IntegrationStatus::Disconnected);
  CHECK(check.reason == DisconnectReason::NotFound);
  CHECK(check.missing_action == ProbeAction::List);
}

}  // namespace cloudsync::test
