// A Kili connection on S3 (moto, SigV4 and IAM enforced): the dry-run plan of
// randomised changes is exactly what synchronize then does, with the secret
// kept in the catalog's secrets file.
#include <fmt/format.h>

#include <random>

#include "cloudsync/catalog.hpp"
#include "s3/s3_fixture.hpp"
#include "support/plan_checks.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

TEST_CASE("S3 connection: a dry-run plan equals what synchronize does (randomised)", "[s3][catalog]") {
  Moto& m = moto();
  TempDir dir;
  CatalogOptions o;
  o.state_dir = dir / "state";
  auto catalog = Catalog::open(o);
  REQUIRE_OK(catalog);
  std::mt19937 rng(61206);
  auto rand = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto name = [&]() { return fmt::format("{}/f{}.txt", "ab"[rand(2)], rand(5)); };
  for (int round = 0; round < 30; ++round) {
    CAPTURE(round);
    const std::string bucket = create_bucket("cat");
    auto remote = bucket_backend(moto_options(bucket));
    IntegrationSpec spec;
    spec.name = fmt::format("Round {}", round);
    spec.url = "s3://" + bucket;
    spec.options = {
        {"endpoint", m.endpoint}, {"provider", "aws"}, {"region", "us-east-1"}, {"use_environment", "false"}};
    SecretOptions secrets{{"access_key_id", m.access_key_id}, {"secret_access_key", m.secret_access_key}};
    REQUIRE_OK((*catalog)->create_integration(spec, secrets));
    auto project = (*catalog)->add_project(spec.name, dir / fmt::format("p{}", round));
    REQUIRE_OK(project);
    auto conn = (*catalog)->add_connection(ConnectionSpec{project->id, spec.name, {}, {}, {}});
    REQUIRE_OK(conn);
    const fs::path local = project->root / conn->folder;
    auto put = [&](const std::string& key) {
      REQUIRE_OK(remote->write_all(P(key), random_bytes(static_cast<size_t>(rand(50)), rng()), {}, kCtx));
    };
    for (int n = 1 + rand(6); n > 0; --n) put(name());
    if (rand(2) == 0) REQUIRE_OK((*catalog)->synchronize(conn->id));
    for (int n = rand(5); n > 0; --n) {
      switch (rand(4)) {
        case 0: put(name()); break;
        case 1: (void)remote->remove(P(name()), kCtx); break;
        case 2: write_file(local / name(), random_bytes(static_cast<size_t>(rand(50)), rng())); break;
        default: fs::remove(local / name()); break;
      }
    }
    DifferenceOptions d;
    d.delete_extraneous_files = rand(2) == 0;
    auto plan = (*catalog)->compute_differences(conn->id, d);
    REQUIRE_OK(plan);
    SynchronizeOptions s;
    s.delete_extraneous_files = d.delete_extraneous_files;
    s.expected_plan = &*plan;
    auto result = (*catalog)->synchronize(conn->id, s);
    REQUIRE_OK(result);
    check_applied_exactly(*plan, result->report, local, [&](const std::string& path) {
      auto body = remote->read_all(P(path), kCtx);
      REQUIRE_OK(body);
      return *body;
    });
  }
  // The secret is in the secrets file only.
  std::string database;
  for (const char* f : {"catalog.db", "catalog.db-wal"}) {
    if (fs::exists(dir / "state" / f)) database += read_file(dir / "state" / f);
  }
  CHECK(database.find(m.secret_access_key) == std::string::npos);
}

}  // namespace cloudsync::test
