// The AWS credential chain without a server: which method botocore's order
// picks, the messages when none applies or one is not supported, the shared
// refreshing cache in front of expiring credentials (a hand-moved clock), and
// credential_process with small scripts (refresh, failures, timeout).
#include <atomic>
#include <chrono>
#include <deque>

#include "auth/aws/aws_credential_process.hpp"
#include "auth/aws/aws_credentials_provider.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"
#include "support/aws_environment.hpp"

namespace cloudsync::test {

namespace {

using namespace std::chrono_literals;
using auth::AwsCredentials;

// A clock the test moves by hand.
struct ManualClock {
  std::shared_ptr<std::atomic<int64_t>> nanos =
      std::make_shared<std::atomic<int64_t>>(to_unix_nanos(from_unix_nanos(1'700'000'000LL * 1'000'000'000LL)));
  TimePoint now() const { return from_unix_nanos(nanos->load()); }
  void advance(std::chrono::seconds s) { *nanos += std::chrono::duration_cast<std::chrono::nanoseconds>(s).count(); }
  std::function<TimePoint()> fn() const {
    auto n = nanos;
    return [n] { return from_unix_nanos(n->load()); };
  }
};

std::string describe(const std::shared_ptr<auth::AwsCredentialsProvider>& p) { return p ? p->describe() : "(none)"; }

AwsCredentials now_keys(auth::AwsCredentialsProvider& provider) {
  auto keys = provider.credentials(OpContext{});
  REQUIRE_OK(keys);
  return *keys;
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("AWS credential chain: botocore's order, first match wins", "[aws][credentials]") {
  FakeAwsEnvironment fake;
  fake.credentials(
      "[default]\naws_access_key_id = AKIAFILEKEYS\naws_secret_access_key = file-secret-value-1\n"
      "[both]\naws_access_key_id = AKIACREDSFILE\naws_secret_access_key = creds-file-secret-2\n");
  fake.config(
      "[default]\nregion = eu-west-1\n"
      "[profile both]\ncredential_process = /bin/false\naws_access_key_id = AKIACONFIGFILE\n"
      "aws_secret_access_key = config-file-secret-3\n"
      "[profile process]\ncredential_process = /bin/false\naws_access_key_id = AKIACONFIGFILE\n"
      "aws_secret_access_key = config-file-secret-3\n"
      "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\n"
      "aws_access_key_id = AKIAIGNORED\naws_secret_access_key = ignored-secret-4\n"
      "[profile webid]\nrole_arn = arn:aws:iam::123456789012:role/w\nweb_identity_token_file = ~/token\n"
      "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Reader\n"
      "aws_access_key_id = AKIAIGNORED\naws_secret_access_key = ignored-secret-4\n"
      "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
      "[profile ecs]\nrole_arn = arn:aws:iam::123456789012:role/e\ncredential_source = EcsContainer\n"
      "[profile nothing]\nregion = us-west-2\n");

  SECTION("explicit keys beat everything") {
    fake.vars["AWS_ACCESS_KEY_ID"] = "AKIAENVKEYS";
    fake.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret-value-5";
    auth::AwsCredentialChainOptions options;
    options.keys = {"AKIAOPTIONS", "options-secret-value-6", "", TimePoint::max()};
    auto p = fake.resolve(options);
    REQUIRE_OK(p);
    CHECK((*p)->describe() == "options");
    CHECK(now_keys(**p).access_key_id == "AKIAOPTIONS");
  }
  SECTION("then the environment, unless the profile is named explicitly") {
    fake.vars["AWS_ACCESS_KEY_ID"] = "AKIAENVKEYS";
    fake.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret-value-5";
    fake.vars["AWS_SESSION_TOKEN"] = "env-session-token-7";
    auto p = fake.resolve();
    REQUIRE_OK(p);
    CHECK(now_keys(**p).session_token == "env-session-token-7");
    CHECK_FALSE((*p)->can_refresh());
    auto named = fake.resolve({}, "default");
    REQUIRE_OK(named);
    CHECK(now_keys(**named).access_key_id == "AKIAFILEKEYS");
    // AWS_PROFILE is not explicit: the environment's keys still win.
    fake.vars["AWS_PROFILE"] = "both";
    auto from_env = fake.resolve();
    REQUIRE_OK(from_env);
    CHECK(now_keys(**from_env).access_key_id == "AKIAENVKEYS");
  }
  SECTION("half of the environment's keys is an error, as in botocore") {
    fake.vars["AWS_ACCESS_KEY_ID"] = "AKIAENVKEYS";
    REQUIRE_CODE(fake.resolve(), ErrorCode::InvalidArgument);
  }
  SECTION("role_arn with source_profile beats the profile's own keys") {
    fake.vars["AWS_PROFILE"] = "role";
    auto p = fake.resolve();
    REQUIRE_OK(p);
    CHECK(contains(describe(*p), "profile 'role'"));
    CHECK(contains(describe(*p), "source_profile 'default'"));
    CHECK(contains(describe(*p), "AssumeRole"));
    CHECK((*p)->can_refresh());
  }
  SECTION("web identity from the environment beats the profile") {
    fake.vars["AWS_PROFILE"] = "sso";
    fake.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/token";
    fake.vars["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/irsa";
    auto p = fake.resolve();
    REQUIRE_OK(p);
    CHECK(contains(describe(*p), "AWS_WEB_IDENTITY_TOKEN_FILE"));
    fake.vars.erase("AWS_ROLE_ARN");
    auto no_role = fake.resolve();
    REQUIRE_CODE(no_role, ErrorCode::InvalidArgument);
    CHECK(contains(no_role.status().message(), "AWS_ROLE_ARN"));
  }
  SECTION("the profile's web_identity_token_file") {
    auto p = fake.resolve({}, "webid");
    REQUIRE_OK(p);
    CHECK(contains(describe(*p), "web_identity_token_file"));
  }
  SECTION("SSO beats the profile's keys") {
    auto p = fake.resolve({}, "sso");
    REQUIRE_OK(p);
    CHECK(contains(describe(*p), "sso_session 'corp'"));
  }
  SECTION("credentials-file keys, then credential_process, then config-file keys") {
    auto both = fake.resolve({}, "both");
    REQUIRE_OK(both);
    CHECK(now_keys(**both).access_key_id == "AKIACREDSFILE");
    auto process = fake.resolve({}, "process");
    REQUIRE_OK(process);
    CHECK(contains(describe(*process), "credential_process"));
  }
  SECTION("credential_source EcsContainer needs the container variables") {
    auto p = fake.resolve({}, "ecs");
    REQUIRE_CODE(p, ErrorCode::Unauthenticated);
    CHECK(contains(p.status().message(), "EcsContainer"));
    fake.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:1/creds";
    auto ok = fake.resolve({}, "ecs");
    REQUIRE_OK(ok);
    CHECK(contains(describe(*ok), "credential_source EcsContainer"));
  }
  SECTION("then the container endpoint, then instance metadata") {
    fake.vars["AWS_PROFILE"] = "nothing";
    fake.vars["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc";
    auto container = fake.resolve();
    REQUIRE_OK(container);
    CHECK(contains(describe(*container), "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"));
    fake.vars.erase("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    fake.vars.erase("AWS_EC2_METADATA_DISABLED");
    fake.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:9";
    auto imds = fake.resolve();
    REQUIRE_OK(imds);
    CHECK(describe(*imds) == "EC2 instance metadata at http://127.0.0.1:9");
    // Nothing listens there: the first request says what else was tried.
    auto keys = (*imds)->credentials(OpContext{});
    REQUIRE_CODE(keys, ErrorCode::Unauthenticated);
    CHECK(contains(keys.status().message(), "no AWS credentials found"));
    CHECK(contains(keys.status().message(), "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"));
    CHECK(contains(keys.status().message(), "instance metadata"));
  }
}

TEST_CASE("AWS credential chain: errors name the method and never a secret", "[aws][credentials]") {
  FakeAwsEnvironment fake;
  fake.config(
      "[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/m\nsource_profile = base\n"
      "mfa_serial = arn:aws:iam::123456789012:mfa/me\n"
      "[profile base]\naws_access_key_id = AKIABASE\naws_secret_access_key = base-secret-value-8\n"
      "[profile loop-a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = loop-b\n"
      "[profile loop-b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = loop-a\n"
      "[profile bad-source]\nrole_arn = arn:aws:iam::123456789012:role/x\ncredential_source = Laptop\n"
      "[profile lonely-role]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
      "[profile login]\nlogin_session = arn:aws:iam::123456789012:user/me\n"
      "[profile self]\nrole_arn = arn:aws:iam::123456789012:role/s\nsource_profile = self\n"
      "aws_access_key_id = AKIASELF\naws_secret_access_key = self-secret-value-9\n");

  SECTION("nothing applies: each method tried, and why not") {
    auto p = fake.resolve();
    REQUIRE_CODE(p, ErrorCode::Unauthenticated);
    const std::string m = p.status().message();
    for (std::string_view part : {"environment: AWS_ACCESS_KEY_ID", "profile 'default'", "web identity",
                                  "container endpoint", "instance metadata: AWS_EC2_METADATA_DISABLED"}) {
      INFO(m);
      CHECK(contains(m, part));
    }
  }
  SECTION("a method cloudsync lacks is named") {
    auto mfa = fake.resolve({}, "mfa");
    REQUIRE_CODE(mfa, ErrorCode::Unsupported);
    CHECK(contains(mfa.status().message(), "profile 'mfa' uses mfa_serial, which cloudsync does not support"));
    auto login = fake.resolve({}, "login");
    REQUIRE_CODE(login, ErrorCode::Unsupported);
    CHECK(contains(login.status().message(), "profile 'login' uses login_session"));
  }
  SECTION("broken role profiles") {
    auto loop = fake.resolve({}, "loop-a");
    REQUIRE_CODE(loop, ErrorCode::InvalidArgument);
    CHECK(contains(loop.status().message(), "loop"));
    auto bad = fake.resolve({}, "bad-source");
    REQUIRE_CODE(bad, ErrorCode::InvalidArgument);
    CHECK(contains(bad.status().message(), "Ec2InstanceMetadata"));
    REQUIRE_CODE(fake.resolve({}, "lonely-role"), ErrorCode::InvalidArgument);
  }
  SECTION("a profile that is its own source uses its own keys for AssumeRole") {
    auto p = fake.resolve({}, "self");
    REQUIRE_OK(p);
    CHECK(contains(describe(*p), "AssumeRole"));
  }
  SECTION("the container's full URI must be loopback or the agent's") {
    fake.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://10.1.2.3/creds";
    auto p = fake.resolve();
    REQUIRE_CODE(p, ErrorCode::InvalidArgument);
    CHECK(contains(p.status().message(), "169.254.170.23"));
    fake.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://169.254.170.23/v1/credentials";
    REQUIRE_OK(fake.resolve());
  }
  SECTION("no secret in any of these messages") {
    for (const char* name : {"mfa", "loop-a", "bad-source", "lonely-role"}) {
      auto p = fake.resolve({}, name);
      REQUIRE_FALSE(p.ok());
      CHECK_FALSE(contains(p.status().to_string(), "base-secret-value-8"));
      CHECK_FALSE(contains(p.status().to_string(), "self-secret-value-9"));
    }
  }
}

namespace {

// Hands out numbered credentials that live `lifetime`, and counts fetches.
class CountingSource final : public auth::AwsCredentialsSource {
 public:
  CountingSource(std::shared_ptr<std::atomic<int>> fetches, std::chrono::seconds lifetime)
      : fetches_(std::move(fetches)), lifetime_(lifetime) {}
  Result<AwsCredentials> fetch(const OpContext& /*ctx*/, TimePoint now) override {
    int n = ++*fetches_;
    return AwsCredentials{"ASIA" + std::to_string(n), "secret-" + std::to_string(n) + "-value",
                          "token-" + std::to_string(n) + "-value", now + lifetime_};
  }
  std::string describe() const override { return "counting source"; }

 private:
  std::shared_ptr<std::atomic<int>> fetches_;
  std::chrono::seconds lifetime_;
};

}  // namespace

TEST_CASE("AWS credentials share the refreshing cache", "[aws][credentials]") {
  ManualClock clock;
  auto fetches = std::make_shared<std::atomic<int>>(0);
  auth::CachingAwsCredentialsProvider provider(std::make_unique<CountingSource>(fetches, 3600s),
                                               auth::RefreshingCacheOptions{300s, clock.fn()});
  CHECK(now_keys(provider).access_key_id == "ASIA1");
  clock.advance(3000s);
  CHECK(now_keys(provider).access_key_id == "ASIA1");  // 10 minutes left: still good
  CHECK(*fetches == 1);
  clock.advance(301s);  // within 5 minutes of expiry: replaced before it expires
  CHECK(now_keys(provider).access_key_id == "ASIA2");
  CHECK(*fetches == 2);
  // A refusal of ASIA2, reported twice (two threads): one fetch.
  auto a = provider.refresh(OpContext{}, "ASIA2");
  auto b = provider.refresh(OpContext{}, "ASIA2");
  REQUIRE_OK(a);
  REQUIRE_OK(b);
  CHECK(a->access_key_id == "ASIA3");
  CHECK(b->access_key_id == "ASIA3");
  CHECK(*fetches == 3);
}

namespace {

// A credential_process script in a temporary folder.
struct Script {
  TempDir dir;
  std::filesystem::path path = dir / "creds.sh";
  explicit Script(const std::string& body) {
    write_file(path, "#!/bin/sh\n" + body);
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  }
};

Result<AwsCredentials> run_process(const std::string& command, std::chrono::milliseconds timeout = 10s) {
  auto source = auth::make_credential_process_source({command, timeout, "profile 'p' (credential_process)"});
  return source->fetch(OpContext{}, now_utc());
}

}  // namespace

TEST_CASE("credential_process: run without a shell, refreshed, failures explained", "[aws][credentials]") {
  SECTION("command lines split like a shell splits them") {
    auto words = auth::split_command_line(R"(/opt/my tool  --name 'a b' "c \"d\"" e\ f)");
    REQUIRE_OK(words);
    CHECK(*words == std::vector<std::string>{"/opt/my", "tool", "--name", "a b", "c \"d\"", "e f"});
    REQUIRE_CODE(auth::split_command_line("x 'open"), ErrorCode::InvalidArgument);
    REQUIRE_CODE(auth::split_command_line("   "), ErrorCode::InvalidArgument);
  }
  SECTION("Version 1 with an Expiration is refreshed before it expires") {
    Script script(
        "n=$(cat \"$(dirname \"$0\")/count\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > \"$(dirname "
        "\"$0\")/count\"\n"
        "echo '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC'$n'\", \"SecretAccessKey\": \"proc-secret-value\", "
        "\"SessionToken\": \"proc-token-value\", \"Expiration\": \"2023-11-14T23:13:20Z\"}'\n");
    // The script's credentials expire at 1700003600 (the clock starts at 1700000000).
    ManualClock clock;
    auth::CachingAwsCredentialsProvider provider(
        auth::make_credential_process_source({"'" + script.path.string() + "' --flag", 10s, "profile 'p'"}),
        auth::RefreshingCacheOptions{300s, clock.fn()});
    CHECK(now_keys(provider).access_key_id == "ASIAPROC1");
    CHECK(now_keys(provider).access_key_id == "ASIAPROC1");
    clock.advance(3400s);
    CHECK(now_keys(provider).access_key_id == "ASIAPROC2");
    CHECK(read_file(script.dir / "count") == "2\n");
    CHECK(redact("proc-secret-value") == "***");
  }
  SECTION("a non-zero exit names the command and its stderr, never its stdout") {
    Script script(
        "echo '{\"SecretAccessKey\": \"leaked-secret-on-stdout\"}'\necho 'SSO session expired' >&2\nexit 3\n");
    auto r = run_process(script.path.string());
    REQUIRE_CODE(r, ErrorCode::Unauthenticated);
    const std::string m = r.status().to_string();
    CHECK(contains(m, "profile 'p' (credential_process)"));
    CHECK(contains(m, "exited with status 3"));
    CHECK(contains(m, "SSO session expired"));
    CHECK_FALSE(contains(m, "leaked-secret-on-stdout"));
  }
  SECTION("output that is not Version 1 JSON is refused without being quoted") {
    Script bad("echo 'AccessKeyId=AKIA SecretAccessKey=plain-text-secret-1'\n");
    auto r = run_process(bad.path.string());
    REQUIRE_CODE(r, ErrorCode::Unauthenticated);
    CHECK_FALSE(contains(r.status().to_string(), "plain-text-secret-1"));
    Script v2("echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"version-two-secret\"}'\n");
    auto r2 = run_process(v2.path.string());
    REQUIRE_CODE(r2, ErrorCode::Unsupported);
    CHECK_FALSE(contains(r2.status().to_string(), "version-two-secret"));
    Script partial("echo '{\"Version\": 1, \"AccessKeyId\": \"AKIAONLY\"}'\n");
    REQUIRE_CODE(run_process(partial.path.string()), ErrorCode::Unauthenticated);
  }
  SECTION("a command that hangs is stopped") {
    Script slow("sleep 30\n");
    auto started = std::chrono::steady_clock::now();
    auto r = run_process(slow.path.string(), 300ms);
    REQUIRE_CODE(r, ErrorCode::Timeout);
    CHECK(std::chrono::steady_clock::now() - started < 5s);
  }
  SECTION("a command that does not exist") {
    auto r = run_process("/nonexistent/credential-helper --x");
    REQUIRE_CODE(r, ErrorCode::Unauthenticated);
    CHECK(contains(r.status().message(), "/nonexistent/credential-helper"));
  }
}

}  // namespace cloudsync::test
