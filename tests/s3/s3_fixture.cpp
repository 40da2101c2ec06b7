#include "s3/s3_fixture.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <random>

#include "backends/s3/s3_xml.hpp"
#include "cloudsync/log.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "core/json.hpp"

namespace cloudsync::test {

Moto& moto() {
  static std::unique_ptr<PeerServer> server;
  static std::unique_ptr<Moto> instance;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  if (!instance) {
    // Loopback tests must not go through a proxy of the environment.
    for (const char* name :
         {"http_proxy", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "no_proxy", "NO_PROXY"}) {
      ::unsetenv(name);
    }
    PeerSpec spec;
    spec.name = "moto";
    spec.command = {"{peers}/start-moto.sh", "{port}", "{dir}", "strict"};
    spec.launcher_exits = true;
    spec.env = {{"MOTO_S3_DEFAULT_MAX_KEYS", "5"}, {"S3_UPLOAD_PART_MIN_SIZE", "100"}};
    spec.unset_env.push_back("AWS_CA_BUNDLE");
    spec.ready_timeout = std::chrono::seconds(60);
    server = std::make_unique<PeerServer>(spec);
    auto env = server->env();
    REQUIRE(env.count("AWS_ACCESS_KEY_ID") == 1);
    REQUIRE(env.count("AWS_SECRET_ACCESS_KEY") == 1);
    instance =
        std::make_unique<Moto>(Moto{*server, server->url(), env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]});
  }
  return *instance;
}

S3Options moto_options(const std::string& bucket, const std::string& endpoint) {
  Moto& m = moto();
  S3Options o;
  o.bucket = bucket;
  o.provider = S3Provider::Aws;
  o.endpoint = endpoint.empty() ? m.endpoint : endpoint;
  o.region = "us-east-1";
  o.access_key_id = m.access_key_id;
  o.secret_access_key = m.secret_access_key;
  o.use_environment = false;
  o.min_part_size = kTestMinPart;
  return o;
}

std::shared_ptr<s3::S3Backend> bucket_backend(const S3Options& options,
                                              const std::function<void(s3::S3Config&)>& tweak) {
  return bucket_backend_in(options, s3::process_environment(), {}, tweak);
}

std::shared_ptr<s3::S3Backend> bucket_backend_in(const S3Options& options, const s3::Environment& env,
                                                 const s3::S3ResolveHooks& hooks,
                                                 const std::function<void(s3::S3Config&)>& tweak,
                                                 std::shared_ptr<http::Transport> transport) {
  auto config = s3::resolve_s3_config(options, env, hooks);
  REQUIRE_OK(config);
  // Short stall detection: a broken test fails fast.
  config->client.connect_timeout = std::chrono::milliseconds(3000);
  config->client.low_speed_time = std::chrono::seconds(20);
  config->retry.initial_backoff = std::chrono::milliseconds(20);
  config->retry.max_backoff = std::chrono::milliseconds(500);
  if (tweak) tweak(*config);
  if (!transport) return s3::make_s3_bucket_backend(std::move(*config));
  auto client = std::make_shared<s3::S3Client>(std::move(*config), std::move(transport));
  return std::make_shared<s3::S3Backend>(std::move(client));
}

std::string create_bucket(const std::string& stem) {
  static std::atomic<int> counter{0};
  static const std::string run = random_hex(3);
  std::string name = fmt::format("{}-{}-{}", stem, run, counter++);
  auto backend = bucket_backend(moto_options(name));
  auto created = raw_request(*backend, "PUT", "");
  REQUIRE_OK(created);
  return name;
}

Result<http::Response> raw_request(s3::S3Backend& backend, const std::string& method, const std::string& key,
                                   std::vector<std::pair<std::string, std::string>> query, const std::string& body,
                                   const http::Headers& headers) {
  MemorySource source(body);
  s3::S3Request request;
  request.method = method;
  request.key = key;
  request.query = std::move(query);
  request.headers = headers;
  if (!body.empty() || method == "PUT") {
    request.body = &source;
    request.body_size = body.size();
    request.payload_hash = sha256_hex(body);
  }
  request.what = method + " (raw) " + backend.client().describe(key);
  return backend.client().send(request, {});
}

void boto3_put(const std::string& bucket, const std::vector<std::string>& keys) {
  Moto& m = moto();
  TempDir dir;
  std::string list;
  for (const std::string& k : keys) list += k + "\n";
  write_file(dir / "keys", list);
  write_file(dir / "put.py",
             "import os, sys, boto3\n"
             "s3 = boto3.client('s3', endpoint_url=os.environ['EP'], region_name='us-east-1',\n"
             "    aws_access_key_id=os.environ['AK'], aws_secret_access_key=os.environ['SK'])\n"
             "for k in open(sys.argv[1]).read().splitlines():\n"
             "    s3.put_object(Bucket=os.environ['BUCKET'], Key=k, Body=k.encode())\n");
  std::string output;
  int rc = run_command("env -u AWS_CA_BUNDLE python3 " + (dir / "put.py").string() + " " + (dir / "keys").string(),
                       {{"EP", m.endpoint}, {"AK", m.access_key_id}, {"SK", m.secret_access_key}, {"BUCKET", bucket}},
                       output);
  INFO(output);
  REQUIRE(rc == 0);
}

std::map<std::string, MotoPrincipal> moto_principals(const std::string& spec) {
  Moto& m = moto();
  TempDir dir;
  write_file(dir / "spec.json", spec);
  std::string output;
  int rc = run_command("env -u AWS_CA_BUNDLE python3 " + (PeerServer::peers_dir() / "moto_iam.py").string() + " " +
                           (dir / "spec.json").string() + " " + (dir / "out.json").string(),
                       {{"EP", m.endpoint}, {"AK", m.access_key_id}, {"SK", m.secret_access_key}}, output);
  INFO(output);
  REQUIRE(rc == 0);
  auto doc = parse_json(read_file(dir / "out.json"), "moto_iam.py output");
  REQUIRE_OK(doc);
  REQUIRE(doc->IsObject());
  std::map<std::string, MotoPrincipal> out;
  for (const auto& member : doc->GetObject()) {
    MotoPrincipal p;
    p.access_key_id = member.value["access_key_id"].GetString();
    p.secret_access_key = member.value["secret_access_key"].GetString();
    if (member.value.HasMember("session_token")) p.session_token = member.value["session_token"].GetString();
    out.emplace(member.name.GetString(), std::move(p));
  }
  return out;
}

size_t pending_uploads(s3::S3Backend& backend) {
  auto listed = raw_request(backend, "GET", "", {{"uploads", ""}});
  REQUIRE_OK(listed);
  size_t count = 0;
  for (size_t pos = listed->body.find("<Upload>"); pos != std::string::npos;
       pos = listed->body.find("<Upload>", pos + 1)) {
    ++count;
  }
  return count;
}

std::vector<std::string> all_keys(StorageBackend& backend) {
  auto listed = backend.list_all({}, {});
  REQUIRE_OK(listed);
  std::vector<std::string> keys;
  for (const ObjectMeta& m : *listed) keys.push_back(m.key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

FaultProxy& fault_proxy() {
  static std::unique_ptr<FaultProxy> proxy;
  if (!proxy) proxy = std::make_unique<FaultProxy>(moto().server.port());
  proxy->set_rule("{}");
  return *proxy;
}

BackendOptions moto_integration_options(const std::string& endpoint) {
  Moto& m = moto();
  return {{"endpoint", endpoint.empty() ? m.endpoint : endpoint},
          {"provider", "aws"},
          {"region", "us-east-1"},
          {"access_key_id", m.access_key_id},
          {"use_environment", "false"},
          {"min_part_size", "64KiB"},
          {"part_size", "64KiB"},
          {"multipart_threshold", "256KiB"}};
}

S3Project::S3Project(const std::string& endpoint, const BackendOptions& extra) : bucket(create_bucket("ws")) {
  Moto& m = moto();
  WorkspaceOptions o;
  o.credentials = [secret = m.secret_access_key](const Integration&) {
    return BackendOptions{{"secret_access_key", secret}};
  };
  auto w = Workspace::open(dir / "project", o);
  REQUIRE_OK(w);
  ws = std::move(*w);
  IntegrationSpec spec;
  spec.name = name;
  spec.url = "s3://" + bucket + "/prefix";
  spec.writeback = true;
  spec.options = moto_integration_options(endpoint);
  for (const auto& [k, v] : extra) spec.options[k] = v;
  auto integ = ws->add_integration(spec);
  REQUIRE_OK(integ);
  folder = dir / "project" / integ->folder;
  raw = bucket_backend(moto_options(bucket));
  remote = make_prefixed_backend(raw, *Path::parse("prefix"));
}

ObjectMeta S3Project::put_remote(const std::string& key, const std::string& data, std::optional<TimePoint> mtime) {
  PutOptions opts;
  opts.mtime = mtime;
  auto r = remote->write_all(*Path::parse(key), data, opts, {});
  REQUIRE_OK(r);
  return *r;
}

std::string S3Project::remote_text(const std::string& key) {
  auto r = remote->read_all(*Path::parse(key), {});
  REQUIRE_OK(r);
  return *r;
}

OperationResult S3Project::import(std::vector<std::string> selectors) {
  auto r = ws->import_files(name, ImportRequest{std::move(selectors), false});
  REQUIRE_OK(r);
  INFO(operation_result_to_json(*r));
  CHECK(r->report.first_error().ok());
  return *r;
}

OperationResult S3Project::export_all() {
  auto r = ws->export_files(name, {});
  REQUIRE_OK(r);
  return *r;
}

OperationResult S3Project::sync(const SyncRequest& request) {
  auto r = ws->sync(name, request);
  REQUIRE_OK(r);
  return *r;
}

void check_nothing_partial(S3Project& project) {
  for (const std::string& f : list_tree(project.dir / "project")) {
    INFO(f);
    CHECK_FALSE(is_partial_file_name(std::filesystem::path(f).filename().string()));
  }
  CHECK(pending_uploads(*project.raw) == 0);
}

}  // namespace cloudsync::test
