// What Workspace refuses before it stores or runs anything: integration names
// and types that cannot name a folder, credentials among stored options, and
// import requests that select nothing or everything by accident.
#include "cloudsync/catalog.hpp"
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

TEST_CASE("an option the URL's provider does not take is refused when stored, with a suggestion",
          "[engine][validation]") {
  TempDir dir;
  CatalogOptions options;
  options.state_dir = dir / "catalog";
  auto catalog = Catalog::open(options);
  REQUIRE_OK(catalog);
  IntegrationSpec spec;
  spec.name = "S3z";
  spec.url = "s3://bucket/pre";
  spec.options = {{"regoin", "eu-west-1"}};
  auto added = (*catalog)->create_integration(spec);
  REQUIRE_CODE(added, ErrorCode::InvalidArgument);
  CHECK(added.status().message().find("unknown option 'regoin' for s3 URLs; did you mean 'region'?") !=
        std::string::npos);
  CHECK(added.status().message().find("eu-west-1") == std::string::npos);  // values are never quoted
  auto count = (*catalog)->count_integrations({});
  REQUIRE_OK(count);
  CHECK(*count == 0);

  // update: new options are checked, and so are the old ones against a new URL.
  spec.options = {{"region", "eu-west-1"}};
  REQUIRE_OK((*catalog)->create_integration(spec));
  IntegrationUpdate typo;
  typo.options = BackendOptions{{"endpiont", "http://127.0.0.1:9"}};
  auto updated = (*catalog)->update_integration("S3z", typo);
  REQUIRE_CODE(updated, ErrorCode::InvalidArgument);
  CHECK(updated.status().message().find("did you mean 'endpoint'?") != std::string::npos);
  IntegrationUpdate to_local;
  to_local.url = "file://" + (dir / "remote").string();
  auto moved = (*catalog)->update_integration("S3z", to_local);
  REQUIRE_CODE(moved, ErrorCode::InvalidArgument);
  CHECK(moved.status().message().find("unknown option 'region' for file URLs") != std::string::npos);
  auto kept = (*catalog)->integration("S3z");
  REQUIRE_OK(kept);
  CHECK(kept->spec.url == "s3://bucket/pre");
  CHECK(kept->spec.options == BackendOptions{{"region", "eu-west-1"}});
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
