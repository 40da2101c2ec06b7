// The Drive backend with credentials it finds itself (Application Default
// Credentials, a credentials_file), end to end against the Drive stand-in:
// Drive must see exactly the token that the method under test was issued
// (the stand-in lists the tokens it accepted), and a token past its short
// lifetime is replaced by a new one from the same method.
#include <fmt/format.h>

#include <functional>
#include <set>
#include <thread>

#include "gdrive/drive_fixture.hpp"
#include "support/google_standin.hpp"

namespace cloudsync::test {

using namespace std::chrono_literals;

namespace {

/// Options naming the stand-in and the folder, and no credentials at all.
BackendOptions no_credentials() {
  return {{"endpoint", drive_server().url()}, {"pacer_min_sleep_ms", "0"}, {"max_attempts", "3"}};
}

std::shared_ptr<StorageBackend> open_root(const std::string& root, const BackendOptions& options) {
  Result<std::shared_ptr<StorageBackend>> backend = open_backend("gdrive://" + root, options);
  REQUIRE_OK(backend);
  return *backend;
}

/// The tokens Drive accepted during `operation` (besides those it knew).
std::set<std::string> new_tokens_during(const std::function<void()>& operation) {
  DriveAdmin admin;
  std::set<std::string> before = admin.seen_tokens();
  operation();
  std::set<std::string> after = admin.seen_tokens();
  std::set<std::string> added;
  for (const std::string& token : after) {
    if (!before.contains(token)) added.insert(token);
  }
  return added;
}

void write_and_read(StorageBackend& drive, const std::string& key) {
  REQUIRE_OK(drive.write_all(P(key), "written with " + key, {}, {}));
  Result<std::string> back = drive.read_all(P(key), {});
  REQUIRE_OK(back);
  CHECK(*back == "written with " + key);
}

}  // namespace

TEST_CASE("ADC from the metadata server: Drive sees the metadata token, replaced when it expires",
          "[gdrive][credentials]") {
  const std::string root = fresh_folder();           // peers start before HOME moves (npm reads it)
  configure_google_standin(R"({"expires_in": 2})");  // refreshed after half of it
  AdcEnvironment env(google_standin_host());
  std::shared_ptr<StorageBackend> drive = open_root(root, no_credentials());

  // On a slow machine a 2 s token may be replaced within one operation too:
  // what matters is that every token Drive saw came from the metadata server.
  auto from_metadata = [](const std::set<std::string>& tokens) {
    for (const std::string& token : tokens) {
      INFO(token);
      CHECK(token.starts_with("valid-token-1"));
      CHECK(token.size() == std::string("valid-token-100001").size());
    }
  };
  std::set<std::string> first = new_tokens_during([&] { write_and_read(*drive, "metadata-1.txt"); });
  REQUIRE_FALSE(first.empty());
  from_metadata(first);
  CHECK(first.contains(google_standin_last_token()));

  std::this_thread::sleep_for(1200ms);
  std::set<std::string> second = new_tokens_during([&] { write_and_read(*drive, "metadata-2.txt"); });
  REQUIRE_FALSE(second.empty());  // a token issued after the first ones, since those were due
  from_metadata(second);
  CHECK(second.contains(google_standin_last_token()));
  configure_google_standin(R"({"expires_in": 3600})");
}

TEST_CASE("ADC from gcloud's authorized_user file: Drive sees the refresh-token grant's token",
          "[gdrive][credentials]") {
  const std::string root = fresh_folder();  // peers start before HOME moves (npm reads it)
  const std::string oauth = token_uri();
  AdcEnvironment env;  // no metadata server
  std::filesystem::create_directories(env.gcloud_dir());
  write_file(env.gcloud_dir() / "application_default_credentials.json",
             fmt::format(R"({{"type":"authorized_user","client_id":"{}","client_secret":"{}","refresh_token":"{}",)"
                         R"("token_uri":"{}","quota_project_id":"billing-project"}})",
                         kClientId, kClientSecret, kRefreshToken, oauth));
  const int64_t grants = token_requests("refresh_token");
  std::shared_ptr<StorageBackend> drive = open_root(root, no_credentials());
  std::set<std::string> used = new_tokens_during([&] { write_and_read(*drive, "user.txt"); });
  CHECK(token_requests("refresh_token") == grants + 1);
  REQUIRE(used.size() == 1);
  CHECK(used.begin()->starts_with("valid-token-"));
  CHECK(!used.begin()->starts_with("valid-token-1000"));  // not the metadata stand-in's

  SECTION("use_environment=false refuses to look") {
    BackendOptions off = no_credentials();
    off["use_environment"] = "false";
    Result<std::shared_ptr<StorageBackend>> refused = open_backend("gdrive://" + root, off);
    REQUIRE_CODE(refused, ErrorCode::Unauthenticated);
    CHECK(refused.status().message().find("use_environment") != std::string::npos);
  }
}

TEST_CASE("credentials_file of type external_account: Drive sees the impersonated token", "[gdrive][credentials]") {
  const std::string root = fresh_folder();  // peers start before HOME moves (npm reads it)
  AdcEnvironment env;
  TempDir dir;
  write_file(dir / "subject.jwt", "subject-token-for-drive");
  configure_google_standin(fmt::format(
      R"({{"audience":"//iam.googleapis.com/pool","subject_tokens":["subject-token-for-drive"],"expires_in":3600,)"
      R"("subject_header":""}})"));
  const std::string base = google_standin().url();
  write_file(dir / "wif.json",
             fmt::format(R"({{"type":"external_account","audience":"//iam.googleapis.com/pool",)"
                         R"("subject_token_type":"urn:ietf:params:oauth:token-type:jwt","token_url":"{}/sts/v1/token",)"
                         R"("service_account_impersonation_url":"{}/iam/v1/projects/-/serviceAccounts/)"
                         R"(drive@proj.iam.gserviceaccount.com:generateAccessToken",)"
                         R"("credential_source":{{"file":"{}"}}}})",
                         base, base, (dir / "subject.jwt").string()));
  BackendOptions options = no_credentials();
  options["credentials_file"] = (dir / "wif.json").string();
  std::shared_ptr<StorageBackend> drive = open_root(root, options);
  std::set<std::string> used = new_tokens_during([&] { write_and_read(*drive, "federated.txt"); });
  REQUIRE(used.size() == 1);
  CHECK(*used.begin() == google_standin_last_token());
  CHECK(used.begin()->starts_with("valid-token-3"));  // IAM's
}

TEST_CASE("no credentials anywhere: Unauthenticated naming every method, no secret", "[gdrive][credentials]") {
  AdcEnvironment env;
  Result<std::shared_ptr<StorageBackend>> none =
      open_backend("gdrive://folder", {{"endpoint", "http://127.0.0.1:9"}, {"pacer_min_sleep_ms", "0"}});
  REQUIRE_CODE(none, ErrorCode::Unauthenticated);
  const std::string message = none.status().message();
  for (const char* named : {"refresh_token", "credentials_file", "GOOGLE_APPLICATION_CREDENTIALS",
                            "application_default_credentials.json", "not on Google Cloud"}) {
    CHECK(message.find(named) != std::string::npos);
  }
}

}  // namespace cloudsync::test
