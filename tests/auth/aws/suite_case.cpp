#include "suite_case.hpp"

#include <algorithm>
#include <memory>

#include "core/ascii.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

std::string read_required(const fs::path& file) {
  INFO(file.string());
  REQUIRE(fs::is_regular_file(file));
  return read_file(file);
}

// Expected-value files end without a newline; tolerate one anyway.
std::string read_expected(const fs::path& file) {
  std::string text = read_required(file);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

}  // namespace

fs::path vectors_dir() { return fs::path(CLOUDSYNC_TEST_VECTORS_DIR); }

std::string HttpMessage::header(std::string_view name) const {
  for (const auto& e : headers) {
    if (iequals(e.name, name)) return e.value;
  }
  return {};
}

HttpMessage parse_http_message(const std::string& text) {
  HttpMessage msg;
  size_t pos = 0;
  auto next_line = [&](std::string& line) {
    if (pos >= text.size()) return false;
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    pos = end + 1;
    return true;
  };
  std::string line;
  REQUIRE(next_line(line));
  // "GET /example space/ HTTP/1.1": the target may itself contain spaces.
  size_t first = line.find(' ');
  size_t last = line.rfind(" HTTP/");
  REQUIRE(first != std::string::npos);
  REQUIRE(last != std::string::npos);
  REQUIRE(last > first);
  msg.method = line.substr(0, first);
  msg.target = line.substr(first + 1, last - first - 1);
  while (next_line(line)) {
    if (line.empty()) {
      msg.body = pos < text.size() ? text.substr(pos) : std::string();
      break;
    }
    if (line.front() == ' ' || line.front() == '\t') {  // folded continuation of the previous value
      REQUIRE_FALSE(msg.headers.empty());
      msg.headers.back().value += "\n" + line;
      continue;
    }
    size_t colon = line.find(':');
    REQUIRE(colon != std::string::npos);
    msg.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  return msg;
}

std::vector<std::string> suite_case_names() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(vectors_dir() / "aws-sigv4")) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

SuiteCase load_suite_case(const std::string& name) {
  fs::path dir = vectors_dir() / "aws-sigv4" / name;
  SuiteCase c;
  c.name = name;
  auto doc = parse_json(read_required(dir / "context.json"), "context.json");
  REQUIRE_OK(doc);
  const rapidjson::Value& ctx = *doc;
  REQUIRE(ctx.HasMember("credentials"));
  const rapidjson::Value& creds = ctx["credentials"];
  c.credentials.access_key_id = json_str(creds, "access_key_id");
  c.credentials.secret_access_key = json_str(creds, "secret_access_key");
  if (creds.HasMember("token")) c.credentials.session_token = json_str(creds, "token");
  c.region = json_str(ctx, "region");
  c.service = json_str(ctx, "service");
  auto time = parse_rfc3339(json_str(ctx, "timestamp"));
  REQUIRE_OK(time);
  c.time = *time;
  auto expires = json_int(ctx, "expiration_in_seconds", "context.json");
  REQUIRE_OK(expires);
  REQUIRE(expires->has_value());
  c.expires = std::chrono::seconds(**expires);
  auto flag = [&](const char* key) {
    auto v = json_bool(ctx, key, "context.json");
    REQUIRE_OK(v);
    return v->value_or(false);
  };
  c.normalize = flag("normalize");
  c.sign_body = flag("sign_body");
  c.omit_session_token = flag("omit_session_token");

  c.request = parse_http_message(read_required(dir / "request.txt"));
  c.header_canonical_request = read_expected(dir / "header-canonical-request.txt");
  c.header_string_to_sign = read_expected(dir / "header-string-to-sign.txt");
  c.header_signature = read_expected(dir / "header-signature.txt");
  c.header_signed_request = parse_http_message(read_required(dir / "header-signed-request.txt"));
  c.query_canonical_request = read_expected(dir / "query-canonical-request.txt");
  c.query_string_to_sign = read_expected(dir / "query-string-to-sign.txt");
  c.query_signature = read_expected(dir / "query-signature.txt");
  c.query_signed_request = parse_http_message(read_required(dir / "query-signed-request.txt"));
  return c;
}

http::Request to_request(const HttpMessage& message) {
  http::Request req;
  req.method = message.method;
  std::string host = message.header("host");
  REQUIRE_FALSE(host.empty());
  req.url = "https://" + host + message.target;
  for (const auto& e : message.headers) req.headers.add(e.name, e.value);
  return req;
}

const rapidjson::Value& generated_s3_vectors() {
  static const std::unique_ptr<rapidjson::Document> doc = [] {
    auto parsed = parse_json(read_required(vectors_dir() / "generated-signing-vectors.json"), "signing vectors");
    REQUIRE_OK(parsed);
    return std::make_unique<rapidjson::Document>(std::move(*parsed));
  }();
  REQUIRE(doc->HasMember("s3"));
  return (*doc)["s3"];
}

std::string json_str(const rapidjson::Value& obj, const char* key) {
  auto v = json_string(obj, key, "vector");
  REQUIRE_OK(v);
  INFO(key);
  REQUIRE(v->has_value());
  return **v;
}

TimePoint parse_amz_date(const std::string& amz_date) {
  REQUIRE(amz_date.size() == 16);
  std::string rfc = amz_date.substr(0, 4) + "-" + amz_date.substr(4, 2) + "-" + amz_date.substr(6, 2) + "T" +
                    amz_date.substr(9, 2) + ":" + amz_date.substr(11, 2) + ":" + amz_date.substr(13, 2) + "Z";
  auto t = parse_rfc3339(rfc);
  REQUIRE_OK(t);
  return *t;
}

std::vector<std::pair<std::string, std::string>> sorted_query(const std::string& url) {
  auto parsed = http::parse_url(url);
  REQUIRE_OK(parsed);
  auto params = http::parse_query(parsed->query);
  REQUIRE_OK(params);
  std::vector<std::pair<std::string, std::string>> out = *params;
  std::sort(out.begin(), out.end());
  return out;
}

std::string line_of(const std::string& text, size_t index) {
  size_t start = 0;
  for (size_t i = 0; i < index; ++i) {
    start = text.find('\n', start);
    if (start == std::string::npos) return {};
    ++start;
  }
  size_t end = text.find('\n', start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace cloudsync::test
