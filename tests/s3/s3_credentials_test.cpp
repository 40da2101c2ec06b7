// The AWS credential chain end to end: each method against its stand-in
// (moto's STS for AssumeRole and AssumeRoleWithWebIdentity, and
// tests/peers/aws_credentials_standin.py for instance metadata, the container
// endpoint and the SSO portal), proving that S3 requests to moto (SigV4
// enforced) are signed with the credentials of the method under test, that
// they are fetched again before they expire (a hand-moved cache clock), and
// that an S3 refusal of an expired session is cured by one refresh.
#include <atomic>
#include <set>
#include <thread>

#include "auth/aws/aws_sso.hpp"
#include "core/json.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"
#include "s3/s3_fixture.hpp"
#include "support/aws_environment.hpp"
#include "support/recording_transport.hpp"

namespace cloudsync::test {

namespace {

using namespace std::chrono_literals;

// The cache's clock, moved by hand from the real time (STS and the stand-in
// date their credentials in real time).
struct CacheClock {
  std::shared_ptr<std::atomic<int64_t>> nanos = std::make_shared<std::atomic<int64_t>>(to_unix_nanos(now_utc()));
  void advance(std::chrono::seconds s) { *nanos += std::chrono::duration_cast<std::chrono::nanoseconds>(s).count(); }
  s3::S3ResolveHooks hooks(std::shared_ptr<http::Transport> transport = {}) const {
    s3::S3ResolveHooks h;
    auto n = nanos;
    h.credentials_cache.clock = [n] { return from_unix_nanos(n->load()); };
    h.credentials_transport = std::move(transport);
    return h;
  }
};

PeerServer& standin() {
  static std::unique_ptr<PeerServer> server;
  if (!server) {
    PeerSpec spec;
    spec.name = "aws_credentials_standin";
    spec.command = {"python3", "{peers}/aws_credentials_standin.py", "{port}", "{dir}"};
    server = std::make_unique<PeerServer>(spec);
  }
  return *server;
}

Result<http::Response> standin_call(const std::string& method, const std::string& path, const std::string& body = {}) {
  static auto transport = http::make_curl_transport(fast_options());
  MemorySource source(body);
  http::Request request;
  request.method = method;
  request.url = standin().url() + path;
  if (!body.empty()) {
    request.body = &source;
    request.body_size = body.size();
  }
  return transport->send(request, nullptr, {});
}

// Replaces the stand-in's configuration (and zeroes its counters).
void configure_standin(const std::string& json) {
  auto r = standin_call("POST", "/__config__", json);
  REQUIRE_OK(r);
  REQUIRE(r->status == 200);
}

int64_t standin_count(const char* counter) {
  auto r = standin_call("GET", "/__stats__");
  REQUIRE_OK(r);
  auto doc = parse_json(r->body, "stats");
  REQUIRE_OK(doc);
  return (*doc)[counter].GetInt64();
}

std::string credentials_json(const std::vector<MotoPrincipal>& principals) {
  std::string out;
  for (const MotoPrincipal& p : principals) {
    out += fmt::format("{}{{\"AccessKeyId\": \"{}\", \"SecretAccessKey\": \"{}\", \"Token\": \"{}\"}}",
                       out.empty() ? "" : ", ", p.access_key_id, p.secret_access_key, p.session_token);
  }
  return "[" + out + "]";
}

MotoPrincipal moto_root() { return MotoPrincipal{moto().access_key_id, moto().secret_access_key, ""}; }

// S3 options for a fresh bucket on moto that take their credentials from the chain.
S3Options chain_options(const std::string& bucket) {
  S3Options o = moto_options(bucket);
  o.access_key_id.clear();
  o.secret_access_key.clear();
  o.use_environment = true;
  return o;
}

// The key id in an Authorization header ("... Credential=AKID/date/...").
std::string signed_key_id(const http::Headers& headers) {
  std::string h(headers.get("Authorization").value_or(""));
  auto at = h.find("Credential=");
  if (at == std::string::npos) return {};
  return h.substr(at + 11, h.find('/', at) - at - 11);
}

// Writes and reads back one object; the key ids the S3 requests were signed with.
std::set<std::string> round_trip(s3::S3Backend& backend, RecordingTransport& wire, const std::string& key) {
  wire.clear();
  MemorySource data("credentials from the chain");
  REQUIRE_OK(backend.put(P(key), data, PutOptions{}, {}));
  StringSink sink;
  REQUIRE_OK(backend.get(P(key), GetOptions{}, sink, {}));
  CHECK(sink.out == "credentials from the chain");
  std::set<std::string> ids;
  for (const auto& e : wire.entries()) ids.insert(signed_key_id(e.headers));
  return ids;
}

// The chain's S3 backend on a fresh moto bucket, its S3 requests recorded.
struct ChainBucket {
  std::shared_ptr<RecordingTransport> wire = std::make_shared<RecordingTransport>();
  std::shared_ptr<s3::S3Backend> backend;
  ChainBucket(const FakeAwsEnvironment& fake, const s3::S3ResolveHooks& hooks, const std::string& profile = {}) {
    S3Options o = chain_options(create_bucket("cred"));
    o.profile = profile;
    backend = bucket_backend_in(o, fake.env(), hooks, {}, wire);
  }
  std::string key_id_now() {
    auto keys = backend->client().config().credentials->credentials({});
    REQUIRE_OK(keys);
    return keys->access_key_id;
  }
};

}  // namespace

}  // namespace cloudsync::test

namespace cloudsync::test {

namespace {

// A role on moto that may use S3 and assume roles (moto_iam.py makes it,
// with a session we do not use), made once per test process: moto_iam.py
// takes seconds.
const std::string& moto_s3_role() {
  static const std::string arn = [] {
    moto_principals(fmt::format(
        R"({{"sessions": {{"{}": {{"statements": [{{"Effect": "Allow", "Action": ["s3:*", "sts:AssumeRole"],
          "Resource": "*"}}],
          "duration": 3600}}}}}})",
        "cs-s3-role"));
    return std::string("arn:aws:iam::123456789012:role/cs-s3-role");
  }();
  return arn;
}

// STS requests are recorded with their bodies (the form says which action).
RecordingOptions with_bodies() {
  RecordingOptions options;
  options.keep_bodies = true;
  return options;
}

int count_posts(RecordingTransport& wire, std::string_view action) {
  int n = 0;
  for (const auto& e : wire.entries()) {
    if (e.method == "POST" && e.body.find("Action=" + std::string(action)) != std::string::npos) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("S3 credentials: role_arn + source_profile through moto's STS AssumeRole", "[s3][credentials]") {
  const std::string& role = moto_s3_role();
  FakeAwsEnvironment fake;
  fake.vars["AWS_ENDPOINT_URL_STS"] = moto().endpoint;
  fake.config(
      fmt::format("[profile base]\naws_access_key_id = {}\naws_secret_access_key = {}\n"
                  "[profile middle]\nrole_arn = {}\nsource_profile = base\n"
                  "[profile assume]\nrole_arn = {}\nsource_profile = middle\nrole_session_name = cloudsync-test\n"
                  "duration_seconds = 900\nexternal_id = ext-1\n",
                  moto().access_key_id, moto().secret_access_key, role, role));
  CacheClock clock;
  auto sts = std::make_shared<RecordingTransport>(with_bodies());
  ChainBucket bucket(fake, clock.hooks(sts), "assume");

  auto ids = round_trip(*bucket.backend, *bucket.wire, "a.txt");
  const std::string assumed = bucket.key_id_now();
  CHECK(assumed != moto().access_key_id);
  CHECK(ids == std::set<std::string>{assumed});  // every S3 request signed with the assumed role
  // Two hops: middle's session (from base's keys), then assume's.
  CHECK(count_posts(*sts, "AssumeRole") == 2);
  bool external_id_sent = false;
  for (const auto& e : sts->entries()) external_id_sent |= e.body.find("ExternalId=ext-1") != std::string::npos;
  CHECK(external_id_sent);
  CHECK(redact(bucket.backend->client().config().credentials->credentials({})->secret_access_key) == "***");

  // 14 minutes later the 15-minute session is due for refresh; middle's
  // one-hour session is not, and signs the new AssumeRole.
  clock.advance(840s);
  auto later = round_trip(*bucket.backend, *bucket.wire, "b.txt");
  CHECK(count_posts(*sts, "AssumeRole") == 3);
  CHECK(bucket.key_id_now() != assumed);
  CHECK(later == std::set<std::string>{bucket.key_id_now()});
}

TEST_CASE("S3 credentials: STS refusals fail the chain with STS's message", "[s3][credentials]") {
  FakeAwsEnvironment fake;
  fake.vars["AWS_ENDPOINT_URL_STS"] = moto().endpoint;
  fake.config(
      "[profile base]\naws_access_key_id = AKIANOTKNOWNTOMOTO\naws_secret_access_key = unknown-secret-value-1\n"
      "[profile assume]\nrole_arn = arn:aws:iam::123456789012:role/none\nsource_profile = base\n");
  CacheClock clock;
  ChainBucket bucket(fake, clock.hooks(), "assume");
  MemorySource data("x");
  auto put = bucket.backend->put(P("x"), data, PutOptions{}, {});
  REQUIRE_FALSE(put.ok());
  const std::string m = put.status().to_string();
  INFO(m);
  CHECK(m.find("profile 'assume'") != std::string::npos);
  CHECK(m.find("AssumeRole") != std::string::npos);
  CHECK(m.find("unknown-secret-value-1") == std::string::npos);
}

TEST_CASE("S3 credentials: web identity (IRSA) through moto's AssumeRoleWithWebIdentity", "[s3][credentials]") {
  const std::string& role = moto_s3_role();
  FakeAwsEnvironment fake;
  write_file(fake.home / "token", "first.web-identity.jwt-value\n");
  fake.vars["AWS_ENDPOINT_URL_STS"] = moto().endpoint;
  fake.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = (fake.home / "token").string();
  fake.vars["AWS_ROLE_ARN"] = role;
  fake.vars["AWS_ROLE_SESSION_NAME"] = "irsa-session";
  CacheClock clock;
  auto sts = std::make_shared<RecordingTransport>(with_bodies());
  ChainBucket bucket(fake, clock.hooks(sts));

  auto ids = round_trip(*bucket.backend, *bucket.wire, "w.txt");
  CHECK(ids == std::set<std::string>{bucket.key_id_now()});
  CHECK(bucket.key_id_now() != moto().access_key_id);
  REQUIRE(count_posts(*sts, "AssumeRoleWithWebIdentity") == 1);
  CHECK(sts->entries().back().body.find("WebIdentityToken=first.web-identity.jwt-value") != std::string::npos);
  CHECK(sts->entries().back().body.find("RoleSessionName=irsa-session") != std::string::npos);
  CHECK_FALSE(sts->entries().back().headers.get("Authorization").has_value());  // unsigned, as the API wants

  // The token file is rotated; the next refresh reads the new one.
  write_file(fake.home / "token", "second.web-identity.jwt-value\n");
  clock.advance(3500s);
  round_trip(*bucket.backend, *bucket.wire, "w2.txt");
  REQUIRE(count_posts(*sts, "AssumeRoleWithWebIdentity") == 2);
  CHECK(sts->entries().back().body.find("WebIdentityToken=second.web-identity.jwt-value") != std::string::npos);
}

TEST_CASE("S3 credentials: EC2 instance metadata (IMDSv2) from the stand-in", "[s3][credentials]") {
  configure_standin(fmt::format(R"({{"credentials": {}, "lifetime": 3600}})", credentials_json({moto_root()})));
  FakeAwsEnvironment fake;
  fake.vars.erase("AWS_EC2_METADATA_DISABLED");
  fake.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = standin().url();
  CacheClock clock;

  SECTION("token first, then the role and its credentials; the token is reused") {
    ChainBucket bucket(fake, clock.hooks());
    CHECK(bucket.backend->client().config().credential_source == "EC2 instance metadata at " + standin().url());
    auto ids = round_trip(*bucket.backend, *bucket.wire, "i.txt");
    CHECK(ids == std::set<std::string>{moto().access_key_id});
    CHECK(standin_count("token_puts") == 1);
    CHECK(standin_count("imds_credentials") == 1);
    CHECK(standin_count("unauthorized") == 0);
    clock.advance(3400s);
    round_trip(*bucket.backend, *bucket.wire, "i2.txt");
    CHECK(standin_count("imds_credentials") == 2);
    CHECK(standin_count("token_puts") == 1);
  }
  SECTION("IMDSv1 only where botocore falls back to it") {
    configure_standin(fmt::format(R"({{"credentials": {}, "no_token_route": true, "imdsv1": true}})",
                                  credentials_json({moto_root()})));
    ChainBucket v1(fake, clock.hooks());
    round_trip(*v1.backend, *v1.wire, "v1.txt");
    CHECK(standin_count("imds_credentials") == 1);
    fake.vars["AWS_EC2_METADATA_V1_DISABLED"] = "true";
    ChainBucket v2_only(fake, clock.hooks());
    MemorySource data("x");
    auto put = v2_only.backend->put(P("x"), data, PutOptions{}, {});
    REQUIRE_CODE(put, ErrorCode::Unauthenticated);
    CHECK(put.status().message().find("no AWS credentials found") != std::string::npos);
  }
}

TEST_CASE("S3 credentials: the container endpoint, its token checked", "[s3][credentials]") {
  configure_standin(
      fmt::format(R"({{"credentials": {}, "lifetime": 3600, "container_token": "container-auth-token-1"}})",
                  credentials_json({moto_root()})));
  FakeAwsEnvironment fake;
  fake.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = standin().url() + "/container/credentials";
  CacheClock clock;

  SECTION("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, refreshed before expiry") {
    write_file(fake.home / "ctoken", "container-auth-token-1\n");
    fake.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = (fake.home / "ctoken").string();
    ChainBucket bucket(fake, clock.hooks());
    CHECK(round_trip(*bucket.backend, *bucket.wire, "c.txt") == std::set<std::string>{moto().access_key_id});
    CHECK(standin_count("container") == 1);
    clock.advance(3400s);
    round_trip(*bucket.backend, *bucket.wire, "c2.txt");
    CHECK(standin_count("container") == 2);
  }
  SECTION("a wrong token: the endpoint's refusal, without the token") {
    fake.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "wrong-container-token-2";
    ChainBucket bucket(fake, clock.hooks());
    MemorySource data("x");
    auto put = bucket.backend->put(P("x"), data, PutOptions{}, {});
    REQUIRE_CODE(put, ErrorCode::Unauthenticated);
    CHECK(put.status().message().find("container credentials") != std::string::npos);
    CHECK(put.status().to_string().find("wrong-container-token-2") == std::string::npos);
  }
}

TEST_CASE("S3 credentials: an expired session is replaced once (ExpiredToken)", "[s3][credentials]") {
  // moto refuses a session once it expired; the stand-in hands out a
  // one-second session first (claiming it lasts an hour), then a good one.
  static std::atomic<int> n{0};
  const std::string name = fmt::format("cs-expiring-{}", n++);
  auto principals = moto_principals(fmt::format(
      R"({{"sessions": {{"{0}-short": {{"statements": [{{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}],
          "duration": 1}}, "{0}-long": {{"statements": [{{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}],
          "duration": 3600}}}}}})",
      name));
  configure_standin(fmt::format(R"({{"credentials": {}, "lifetime": 3600, "container_token": "t-123456"}})",
                                credentials_json({principals[name + "-short"], principals[name + "-long"]})));
  FakeAwsEnvironment fake;
  fake.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = standin().url() + "/container/credentials";
  fake.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "t-123456";
  CacheClock clock;
  ChainBucket bucket(fake, clock.hooks());
  CHECK(bucket.key_id_now() == principals[name + "-short"].access_key_id);
  std::this_thread::sleep_for(1500ms);
  LogCapture logs(LogLevel::Info);
  auto ids = round_trip(*bucket.backend, *bucket.wire, "e.txt");
  CHECK(standin_count("container") == 2);
  CHECK(bucket.key_id_now() == principals[name + "-long"].access_key_id);
  CHECK(ids.count(principals[name + "-long"].access_key_id) == 1);
  CHECK(logs.joined().find("refused the AWS credentials") != std::string::npos);
}

TEST_CASE("S3 credentials: SSO through the token cache and the portal", "[s3][credentials]") {
  configure_standin(fmt::format(R"({{"credentials": {}, "lifetime": 3600, "sso_token": "sso-access-token-xyz"}})",
                                credentials_json({moto_root()})));
  FakeAwsEnvironment fake;
  fake.vars["AWS_ENDPOINT_URL_SSO"] = standin().url();
  fake.config(
      "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Writer\n"
      "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n");
  const auto cache = auth::sso_cache_file(fake.home / ".aws/sso/cache", "corp");
  CacheClock clock;

  SECTION("a valid token: the role's credentials, refreshed before expiry") {
    write_file(cache, fmt::format(R"({{"accessToken": "sso-access-token-xyz", "expiresAt": "{}"}})",
                                  format_rfc3339(now_utc() + 8h, 0)));
    ChainBucket bucket(fake, clock.hooks(), "dev");
    CHECK(round_trip(*bucket.backend, *bucket.wire, "s.txt") == std::set<std::string>{moto().access_key_id});
    CHECK(standin_count("sso") == 1);
    clock.advance(3400s);
    round_trip(*bucket.backend, *bucket.wire, "s2.txt");
    CHECK(standin_count("sso") == 2);
  }
  SECTION("an expired token says which login to run, and shows no token") {
    write_file(cache, fmt::format(R"({{"accessToken": "sso-access-token-xyz", "expiresAt": "{}"}})",
                                  format_rfc3339(now_utc() - 1h, 0)));
    ChainBucket bucket(fake, clock.hooks(), "dev");
    MemorySource data("x");
    auto put = bucket.backend->put(P("x"), data, PutOptions{}, {});
    REQUIRE_CODE(put, ErrorCode::Unauthenticated);
    CHECK(put.status().message().find("aws sso login --sso-session corp") != std::string::npos);
    CHECK(put.status().to_string().find("sso-access-token-xyz") == std::string::npos);
    CHECK(standin_count("sso") == 0);
  }
}

}  // namespace cloudsync::test
