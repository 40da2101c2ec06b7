// parse_json on hostile input: nesting deep enough to overflow a recursive
// parser's stack must be refused with a clear error, wherever the text comes
// from (a state file, a server's answer, a caller's request).
#include "cloudsync/backends/memory.hpp"
#include "cloudsync/workspace.hpp"
#include "cloudsync/sync.hpp"
#include "core/json.hpp"
#include "core/utf8.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

std::string nested_arrays(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string nested_objects(size_t depth) {
  std::string out;
  for (size_t i = 0; i < depth; ++i) out += "{\"a\":";
  out += "1";
  out += std::string(depth, '}');
  return out;
}

}  // namespace

TEST_CASE("parse_json refuses nesting deeper than its limit instead of crashing", "[json]") {
  SECTION("100,000 nested arrays") {
    auto doc = parse_json(nested_arrays(100'000), "test document");
    REQUIRE_CODE(doc, ErrorCode::InvalidArgument);
    CHECK_THAT(doc.status().message(), Catch::Contains("test document") && Catch::Contains("nested deeper than 512"));
  }
  SECTION("1,000,000 nested arrays: a recursive parser overflows the stack here") {
    REQUIRE_CODE(parse_json(nested_arrays(1'000'000), "test document"), ErrorCode::InvalidArgument);
  }
  SECTION("100,000 nested objects, and an unterminated tower") {
    REQUIRE_CODE(parse_json(nested_objects(100'000), "test document"), ErrorCode::InvalidArgument);
    REQUIRE_CODE(parse_json(std::string(100'000, '['), "test document"), ErrorCode::InvalidArgument);
  }
  SECTION("the limit itself is accepted, one more level is not") {
    auto at_limit = parse_json(nested_arrays(kMaxJsonDepth), "test document");
    REQUIRE_OK(at_limit);
    CHECK(at_limit->IsArray());
    REQUIRE_CODE(parse_json(nested_arrays(kMaxJsonDepth + 1), "test document"), ErrorCode::InvalidArgument);
    auto objects = parse_json(nested_objects(kMaxJsonDepth), "test document");
    REQUIRE_OK(objects);
    CHECK(objects->HasMember("a"));
  }
  SECTION("brackets inside strings are not nesting") {
    std::string text = "{\"k\":\"" + std::string(100'000, '[') + "\\\"{{{\",\"n\":[1,[2]]}";
    auto doc = parse_json(text, "test document");
    REQUIRE_OK(doc);
    auto k = json_string(*doc, "k", "test document");
    REQUIRE_OK(k);
    CHECK(k->value().size() == 100'000 + 4);
  }
}

TEST_CASE("a deeply nested state file is refused, not a crash", "[json][engine]") {
  TempDir dir;
  const fs::path project = dir / "project";
  SECTION("workspace.json") {
    write_file(project / ".cloudsync/workspace.json",
               "{\"version\":1,\"integrations\":" + nested_arrays(100'000) + "}");
    auto ws = Workspace::open(project);
    REQUIRE_CODE(ws, ErrorCode::InvalidArgument);
    CHECK_THAT(ws.status().message(), Catch::Contains("workspace.json") && Catch::Contains("nested deeper"));
  }
  SECTION("an integration's manifest") {
    auto memory = std::make_shared<MemoryBackend>("bucket");
    memory->insert_raw("a.txt", "a");
    WorkspaceOptions options;
    options.backend_factory = [&](const Integration&,
                                  const BackendOptions&) -> Result<std::shared_ptr<StorageBackend>> {
      return std::shared_ptr<StorageBackend>(memory);
    };
    auto ws = Workspace::open(project, options);
    REQUIRE_OK(ws);
    IntegrationSpec spec;
    spec.name = "Deep";
    spec.url = "mem://bucket";
    auto integ = (*ws)->add_integration(spec);
    REQUIRE_OK(integ);
    REQUIRE_OK((*ws)->import_files("Deep", ImportRequest{{"a.txt"}, false}));
    run_catalog_sql(project / ".cloudsync/catalog.db",
                    "UPDATE manifest_entries SET remote = '" + nested_objects(100'000) + "'");
    auto restored = (*ws)->restore("Deep", {});
    REQUIRE_CODE(restored, ErrorCode::InvalidArgument);
    CHECK_THAT(restored.status().message(), Catch::Contains("manifest") && Catch::Contains("nested deeper"));
  }
}

TEST_CASE("parse_json is strict: trailing data and malformed UTF-8 are errors", "[json]") {
  CHECK(parse_json(" {\"a\": 1} \n\t", "request").ok());  // white space after the document is fine
  for (std::string_view bad : {"{\"a\": 1} x", "{\"a\": 1}{\"b\": 2}", "[1] [2]", "1 2", "{} null"}) {
    INFO(bad);
    auto doc = parse_json(bad, "request");
    REQUIRE_CODE(doc, ErrorCode::InvalidArgument);
    CHECK(doc.status().message().find("request") != std::string::npos);
  }
  auto invalid = parse_json(
      "{\"key\": \"a\xFF"
      "b\"}",
      "request");
  REQUIRE_CODE(invalid, ErrorCode::InvalidArgument);
  CHECK(parse_json("{\"key\": \"caf\xC3\xA9\"}", "request").ok());
  // An escaped surrogate pair is one character; half of one would decode into bytes that are not UTF-8.
  auto pair = parse_json(R"({"key": "\ud83d\ude00"})", "request");
  REQUIRE(pair.ok());
  CHECK(std::string((*pair)["key"].GetString()) == "\xF0\x9F\x98\x80");
  REQUIRE_CODE(parse_json(R"({"key": "a\ude00"})", "request"), ErrorCode::InvalidArgument);
  REQUIRE_CODE(parse_json(R"({"key": "a\ud83dx"})", "request"), ErrorCode::InvalidArgument);
  REQUIRE_CODE(parse_json(R"(["\ude00\ud83d"])", "request"), ErrorCode::InvalidArgument);
  CHECK(parse_json(R"({"key": "\\ude00"})", "request").ok());  // an escaped backslash, then text
}

TEST_CASE("every JSON the library writes is UTF-8, whatever bytes a remote key holds", "[json]") {
  const std::string hostile =
      "bad\xFF"
      "key\xC3(\xE2\x82";  // a stray byte, truncated sequences
  REQUIRE_FALSE(is_valid_utf8(hostile));
  Plan plan;
  plan.source = "s3://bucket";
  plan.destination = "file:///project";
  PlanAction skip;
  skip.kind = ActionKind::Skip;
  skip.path = hostile;
  skip.reason = "the name is not UTF-8: " + hostile;
  skip.source.key = hostile;
  skip.source.metadata[hostile] = hostile;  // an object key too
  skip.has_source = true;
  plan.actions.push_back(skip);
  const std::string json = plan_to_json(plan);
  CHECK(is_valid_utf8(json));
  auto doc = parse_json(json, "plan");  // strict: UTF-8 only
  REQUIRE(doc.ok());
  const std::string written = (*doc)["actions"][0]["path"].GetString();
  CHECK(written == "bad\xEF\xBF\xBDkey\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD");  // one U+FFFD a byte
  // Valid text is passed through untouched.
  CHECK(replace_invalid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80") == "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

}  // namespace cloudsync::test
