// The integration status probe against moto with SigV4 and IAM policies
// enforced (tests/peers/moto_strict.py): IAM users whose policies allow a
// little more each time, a user scoped to a prefix, a wrong secret and an
// expired session must each get their status and the action they miss.
#include <thread>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "engine/status_probe.hpp"
#include "s3/s3_fixture.hpp"
#include "support/probe_journal.hpp"

namespace cloudsync::test {

using namespace std::chrono_literals;

namespace {

// A bucket holding an object at the root and one under team/, and IAM
// principals named after it (moto is shared by the whole test process).
struct ProbeBucket {
  std::string bucket = create_bucket("probe");
  std::shared_ptr<s3::S3Backend> admin = bucket_backend(moto_options(bucket));

  ProbeBucket() {
    REQUIRE_OK(admin->write_all(P("data.csv"), "a,b\n1,2\n", {}, kCtx));
    REQUIRE_OK(admin->write_all(P("team/t.csv"), "x,y\n", {}, kCtx));
  }

  std::string arn(const std::string& below = {}) const {
    return "arn:aws:s3:::" + bucket + (below.empty() ? "" : "/" + below);
  }

  std::shared_ptr<s3::S3Backend> as(const MotoPrincipal& who) const {
    S3Options o = moto_options(bucket);
    o.access_key_id = who.access_key_id;
    o.secret_access_key = who.secret_access_key;
    o.session_token = who.session_token;
    return bucket_backend(o);
  }

  std::vector<std::string> probe_objects() const {
    std::vector<std::string> out;
    for (const std::string& key : all_keys(*admin)) {
      if (key.find(".cloudsync-probe-") != std::string::npos) out.push_back(key);
    }
    return out;
  }
};

std::string allow(const std::string& actions, const std::string& resource, const std::string& condition = {}) {
  return fmt::format(R"({{"Effect":"Allow","Action":{},"Resource":"{}"{}}})", actions, resource,
                     condition.empty() ? "" : R"(,"Condition":)" + condition);
}

ProbeOptions writeback(std::vector<std::string> prefixes = {}, std::string folder = {}) {
  ProbeOptions o;
  o.writeback = true;
  o.prefixes = std::move(prefixes);
  o.probe_folder = std::move(folder);
  return o;
}

void check_connected(const StatusCheck& check) {
  INFO(status_check_to_json(check));
  CHECK(integration_status_name(check.status) == "CONNECTED");
  CHECK(check.passed ==
        std::vector<ProbeAction>{ProbeAction::List, ProbeAction::Read, ProbeAction::Write, ProbeAction::Delete});
}

}  // namespace

TEST_CASE("s3 status probe: each IAM policy, secret and session gets its status and missing action",
          "[s3][probe][iam]") {
  ProbeBucket b;
  const std::string list = allow(R"("s3:ListBucket")", b.arn());
  const std::string get = allow(R"("s3:GetObject")", b.arn("*"));
  const std::string put = allow(R"("s3:PutObject")", b.arn("*"));
  const std::string scoped_list = allow(R"("s3:ListBucket")", b.arn(), R"({"StringLike":{"s3:prefix":["team/*"]}})");
  const std::string scoped_objects = allow(R"(["s3:GetObject","s3:PutObject","s3:DeleteObject"])", b.arn("team/*"));
  const std::string everything = allow(R"("s3:*")", "*");
  const std::string n = b.bucket;
  auto principals = moto_principals(
      fmt::format(R"({{"users":{{"{n}-nothing":null,"{n}-list":[{list}],"{n}-listget":[{list},{get}],)"
                  R"("{n}-listgetput":[{list},{get},{put}],"{n}-scoped":[{scoped_list},{scoped_objects}]}},)"
                  R"("sessions":{{"{n}-expired":{{"statements":[{everything}],"duration":1}},)"
                  R"("{n}-fresh":{{"statements":[{everything}],"duration":3600}}}}}})",
                  fmt::arg("n", n), fmt::arg("list", list), fmt::arg("get", get), fmt::arg("put", put),
                  fmt::arg("scoped_list", scoped_list), fmt::arg("scoped_objects", scoped_objects),
                  fmt::arg("everything", everything)));
  const auto sessions_made = std::chrono::steady_clock::now();
  auto who = [&](const std::string& name) {
    auto it = principals.find(n + "-" + name);
    REQUIRE(it != principals.end());
    return b.as(it->second);
  };
  MemoryProbeJournal journal;

  // 1. No policy at all: the listing is refused.
  check_disconnected(probe_backend(*who("nothing"), writeback(), journal.journal(), kCtx),
                     DisconnectReason::MissingPermission, ProbeAction::List, "AccessDenied", 403);
  // 2. s3:ListBucket only: the read of a listed object is refused.
  check_disconnected(probe_backend(*who("list"), writeback(), journal.journal(), kCtx),
                     DisconnectReason::MissingPermission, ProbeAction::Read, "AccessDenied", 403);
  // 3. List and get, with writeback: the create-only probe write is refused.
  check_disconnected(probe_backend(*who("listget"), writeback(), journal.journal(), kCtx),
                     DisconnectReason::MissingPermission, ProbeAction::Write, "AccessDenied", 403);
  CHECK(journal.open.empty());  // a refused write leaves nothing to sweep
  CHECK(b.probe_objects().empty());
  // 4. List, get and put but no delete: DeleteObjects answers 200 with a
  // per-key AccessDenied; the probe object stays, and so does its journal entry.
  check_disconnected(probe_backend(*who("listgetput"), writeback(), journal.journal(), kCtx),
                     DisconnectReason::MissingPermission, ProbeAction::Delete, "AccessDenied", 200);
  std::vector<std::string> left = b.probe_objects();
  REQUIRE(left.size() == 1);
  CHECK(journal.open == std::set<std::string>{left[0]});
  // ... until a check with the permission deletes it first thing.
  check_connected(probe_backend(*b.admin, writeback(), journal.journal(), kCtx));
  CHECK(b.probe_objects().empty());
  CHECK(journal.open.empty());
  // 5. Everything, but only under team/: connected when the probe stays there...
  check_connected(probe_backend(*who("scoped"), writeback({"team"}, "team"), journal.journal(), kCtx));
  CHECK(b.probe_objects().empty());
  // ... and refused at the root, where the s3:prefix condition does not hold.
  check_disconnected(probe_backend(*who("scoped"), writeback(), journal.journal(), kCtx),
                     DisconnectReason::MissingPermission, ProbeAction::List, "AccessDenied", 403);
  // 6. A known key with a wrong secret.
  S3Options wrong = moto_options(b.bucket);
  wrong.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  check_disconnected(probe_backend(*bucket_backend(wrong), writeback(), journal.journal(), kCtx),
                     DisconnectReason::InvalidCredentials, ProbeAction::List, "SignatureDoesNotMatch", 403);
  // 7. An assumed-role session past its expiry; a fresh one of the same kind passes.
  check_connected(probe_backend(*who("fresh"), writeback(), journal.journal(), kCtx));
  std::this_thread::sleep_until(sessions_made + 2s);
  check_disconnected(probe_backend(*who("expired"), writeback(), journal.journal(), kCtx),
                     DisconnectReason::ExpiredCredentials, ProbeAction::List, "ExpiredToken", 400);
  CHECK(journal.open.empty());
  CHECK(b.probe_objects().empty());
}

TEST_CASE("s3 status probe: a probe a killed check left behind is deleted by the next check", "[s3][probe][journal]") {
  ProbeBucket b;
  std::string leftover = "team/.cloudsync-probe-" + random_hex(8);
  REQUIRE_OK(b.admin->write_all(P(leftover), "cloudsync status probe", {}, kCtx));
  MemoryProbeJournal journal;
  journal.open = {leftover};
  ProbeOptions read_only;
  read_only.prefixes = {"team"};
  StatusCheck check = probe_backend(*b.admin, read_only, journal.journal(), kCtx);
  INFO(status_check_to_json(check));
  CHECK(check.status == IntegrationStatus::Connected);
  CHECK(b.probe_objects().empty());
  CHECK(journal.open.empty());
  CHECK(journal.calls == std::vector<std::string>{"leftovers", "end " + leftover});
  CHECK(all_keys(*b.admin) == std::vector<std::string>{"data.csv", "team/t.csv"});
}

TEST_CASE("s3 status probe: a closed port is UNREACHABLE and a missing bucket NOT_FOUND", "[s3][probe]") {
  ProbeBucket b;
  SECTION("nothing listens") {
    S3Options o = moto_options(b.bucket, "http://127.0.0.1:" + std::to_string(PeerServer::free_port()));
    StatusCheck check = probe_backend(*bucket_backend(o), {}, {}, kCtx);
    INFO(status_check_to_json(check));
    CHECK(check.status == IntegrationStatus::Disconnected);
    CHECK(check.reason == DisconnectReason::Unreachable);
    CHECK(check.reason != DisconnectReason::NotFound);
    CHECK(check.missing_action == ProbeAction::List);
    CHECK(check.http_status == 0);
  }
  SECTION("no such bucket") {
    StatusCheck check = probe_backend(*bucket_backend(moto_options("missing-" + random_hex(6))), {}, {}, kCtx);
    check_disconnected(check, DisconnectReason::NotFound, ProbeAction::List, "NoSuchBucket", 404);
  }
}

}  // namespace cloudsync::test
