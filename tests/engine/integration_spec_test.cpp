// What Workspace refuses before it stores or runs anything: integration names
// and types that cannot name a folder, credentials among stored options, and
// import requests that select nothing or everything by accident.
#include "cloudsync/workspace.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

struct LocalProject {
  TempDir dir;
  std::unique_ptr<Workspace> ws;
  fs::path remote = dir / "remote";

  LocalProject() {
    write_file(remote / "a.txt", "a");
    write_file(remote / "dir/b.txt", "b");
    auto w = Workspace::open(dir / "project");
    REQUIRE_OK(w);
    ws = std::move(*w);
  }
  Result<Integration> add(std::string name, BackendOptions options = {}, std::string type = {}) {
    IntegrationSpec spec;
    spec.name = std::move(name);
    spec.url = "file://" + remote.string();
    spec.type = std::move(type);
    spec.options = std::move(options);
    return ws->add_integration(spec);
  }
};

}  // namespace

TEST_CASE("integration names and types must be able to name a folder", "[engine][validation]") {
  LocalProject p;
  REQUIRE_CODE(p.add(std::string(300, 'n')), ErrorCode::InvalidArgument);
  REQUIRE_CODE(p.add("ok", {}, std::string(256, 't')), ErrorCode::InvalidArgument);
  REQUIRE_CODE(p.add("new\nline"), ErrorCode::InvalidArgument);
  CHECK(p.ws->integrations().empty());
  auto longest = p.add(std::string(255, 'm'));
  REQUIRE_OK(longest);
  REQUIRE_OK(p.ws->import_files(longest->spec.name, ImportRequest{{"a.txt"}, false}));
  CHECK(read_file(p.dir / "project" / longest->folder / "a.txt") == "a");
}

TEST_CASE("credential options are refused by exact name, others are stored", "[engine][validation]") {
  LocalProject p;
  for (const char* secret : {"secret_access_key", "session_token", "sas", "account_key", "connection_string",
                             "access_token", "refresh_token", "client_secret", "service_account_key"}) {
    INFO(secret);
    auto added = p.add("S", {{secret, "v4lue-that-is-secret"}});
    REQUIRE_CODE(added, ErrorCode::InvalidArgument);
    CHECK(added.status().message().find("v4lue-that-is-secret") == std::string::npos);
  }
  IntegrationSpec drive;
  drive.name = "Drive";
  drive.url = "gdrive://folder";
  drive.options = {
      {"token_uri", "https://oauth2.example.com/token"}, {"endpoint", "http://127.0.0.1:9"}, {"client_id", "123.apps"}};
  auto added = p.ws->add_integration(drive);
  REQUIRE_OK(added);
  CHECK(added->spec.options == drive.options);
  REQUIRE_CODE(p.add("T", {{"fsnyc", "false"}}), ErrorCode::InvalidArgument);  // a typo is not stored either
}

TEST_CASE("an import must select something, and not everything by an empty selector", "[engine][validation]") {
  LocalProject p;
  REQUIRE_OK(p.add("L"));
  for (std::vector<std::string> selectors : std::vector<std::vector<std::string>>{{}, {""}, {"/"}, {"a.txt", ""}}) {
    INFO(selectors.size());
    REQUIRE_CODE(p.ws->import_files("L", ImportRequest{selectors, false}), ErrorCode::InvalidArgument);
  }
  CHECK_FALSE(fs::exists(p.dir / "project" / "external-files"));
  auto everything = p.ws->import_files("L", ImportRequest{{"**"}, false});
  REQUIRE_OK(everything);
  CHECK(everything->report.count(OutcomeKind::Done) == 2);
}

}  // namespace cloudsync::test
