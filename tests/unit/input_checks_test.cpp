// Checks on input that reaches the library from users: sizes, storage URLs
// carrying credentials, the providers' option tables (names, kinds,
// defaults, secrets: refused by the engine, masked in messages).
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "backends/option_spec.hpp"
#include "backends/registry.hpp"
#include "cloudsync/backend_options.hpp"
#include "cloudsync/size.hpp"
#include "core/redact.hpp"
#include "core/url.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

TEST_CASE("parse_size: one parser, binary multiples, nothing else", "[core][size]") {
  CHECK(*parse_size("0") == 0);
  CHECK(*parse_size("8388608") == 8388608);
  CHECK(*parse_size("1k") == 1024);
  CHECK(*parse_size("1K") == 1024);
  CHECK(*parse_size("8M") == 8ull << 20);
  CHECK(*parse_size("8MiB") == 8ull << 20);
  CHECK(*parse_size("8mb") == 8ull << 20);
  CHECK(*parse_size("2Gi") == 2ull << 30);
  CHECK(*parse_size("3T") == 3ull << 40);
  CHECK(*parse_size("18446744073709551615") == UINT64_MAX);
  for (const char* bad : {"", "-5", "+5", "1e23", "1.5G", " 5", "5 ", "K", "5X", "5KK", "18446744073709551616",
                          "99999999999999999999", "16777216T"}) {
    INFO(bad);
    REQUIRE_CODE(parse_size(bad), ErrorCode::InvalidArgument);
  }
  CHECK(parse_size("1e23").status().message().find("'1e23' is not a size") != std::string::npos);
}

TEST_CASE("storage URLs never carry credentials, and errors show them redacted", "[core][url]") {
  const std::string sig = "c2VjcmV0LXNpZ25hdHVyZQ";
  const std::string key = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY";
  for (std::string url : {"az://container/dir?sv=2022-11-02&sig=" + sig, "az://container?sig=" + sig,
                          "s3://AKIAIOSFODNN7EXAMPLE:" + key + "@bucket/dir", "s3://" + key + "@bucket",
                          "gdrive://user:" + key + "@folder", "mem://name?token=" + sig}) {
    INFO(url);
    auto parsed = parse_storage_url(url);
    REQUIRE_CODE(parsed, ErrorCode::InvalidArgument);
    const std::string& message = parsed.status().message();
    CHECK(message.find(sig) == std::string::npos);
    CHECK(message.find(key) == std::string::npos);
    CHECK(message.find("credentials callback") != std::string::npos);
    auto opened = open_backend(url, {});
    REQUIRE_CODE(opened, ErrorCode::InvalidArgument);
    CHECK(opened.status().message().find(sig) == std::string::npos);
    CHECK(opened.status().message().find(key) == std::string::npos);
  }
  CHECK(parse_storage_url("az://c?sig=" + sig).status().message().find("AZURE_STORAGE_SAS_TOKEN") != std::string::npos);
  CHECK(parse_storage_url("s3://k:s@b").status().message().find("AWS_ACCESS_KEY_ID") != std::string::npos);
  // A '?' in a name is written %3F; file URLs and plain paths are left alone.
  auto encoded = parse_storage_url("s3://bucket/what%3F.txt");
  REQUIRE_OK(encoded);
  CHECK(encoded->path == "what?.txt");
  CHECK(parse_storage_url("/tmp/a?b@c").ok());
  CHECK(redact_url("az://c/d?sv=1&sig=" + sig) == "az://c/d?***");
  CHECK(redact_url("s3://KEY:" + key + "@bucket/d") == "s3://***@bucket/d");
}

TEST_CASE("redact masks every secret option and passwords in URLs", "[core][redact]") {
  size_t secrets = 0;
  for (const BackendProvider& p : backend_providers()) {
    for (const BackendOption& o : p.options) {
      if (!o.secret) continue;
      INFO(p.scheme << " " << o.name);
      ++secrets;
      std::string text = fmt::format("options {}=v4lue-0f-the-secret, next", o.name);
      CHECK(redact(text) == fmt::format("options {}=***, next", o.name));
      CHECK(is_secret_backend_option(o.name));
    }
  }
  CHECK(secrets >= 9);  // S3's two, Azure's three, Drive's four
  CHECK(redact("proxy http://user:pa55word-xyz@proxy.example.com:3128/ failed") ==
        "proxy http://***@proxy.example.com:3128/ failed");
  CHECK(redact("see https://example.com/a@b") == "see https://example.com/a@b");  // '@' in a path is no credential
}

TEST_CASE("the secret options are the providers' credentials, by exact name", "[backends][registry]") {
  // What the engine refuses to store and never shows.
  for (const char* secret : {"secret_access_key", "session_token", "account_key", "sas", "connection_string",
                             "access_token", "client_secret", "refresh_token", "service_account_key"}) {
    INFO(secret);
    CHECK(is_secret_backend_option(secret));
  }
  // Names a substring guess would have caught, which are no secrets (a token
  // endpoint, a key's ID, a key file's path) or no option at all.
  for (const char* not_secret :
       {"token_uri", "endpoint", "client_id", "profile", "account", "region", "scope", "access_key_id",
        "service_account_file", "subject", "proxy", "secret", "token", "Secret_Access_Key"}) {
    INFO(not_secret);
    CHECK_FALSE(is_secret_backend_option(not_secret));
  }
}

TEST_CASE("the option names integration add checks are the ones the providers take", "[backends][registry]") {
  const std::map<std::string, std::string> urls{{"file", "file:///tmp/cloudsync-options-test"},
                                                {"mem", "mem://options-test"},
                                                {"s3", "s3://bucket"},
                                                {"az", "az://container"},
                                                {"gdrive", "gdrive://folder"}};
  REQUIRE(backend_providers().size() == urls.size());
  std::set<std::string> every_name;
  for (const BackendProvider& p : backend_providers()) {
    REQUIRE(urls.count(p.scheme) == 1);
    CHECK(find_backend_provider(p.scheme) == &p);
    for (const BackendOption& o : p.options) every_name.insert(o.name);
  }
  CHECK(find_backend_provider("ftp") == nullptr);
  // A name is listed for a scheme exactly when open_backend() takes it.
  for (const BackendProvider& p : backend_providers()) {
    const std::string& url = urls.at(p.scheme);
    for (const std::string& name : every_name) {
      BackendOptions options{{name, "1"}};
      bool listed = check_option_names(url, options).ok();
      bool in_table =
          std::any_of(p.options.begin(), p.options.end(), [&](const BackendOption& o) { return o.name == name; });
      auto opened = open_backend(url, options);
      bool unknown = !opened.ok() && opened.status().message().find("unknown option") != std::string::npos;
      INFO(url << " " << name << ": " << opened.status().to_string());
      CHECK(listed == in_table);
      CHECK(listed == !unknown);
    }
  }
  REQUIRE_CODE(check_option_names("s3://bucket", {{"regoin", "eu-west-1"}}), ErrorCode::InvalidArgument);
  REQUIRE_OK(check_option_names("custom://x", {{"anything", "1"}}));  // a host's own backend factory
}

TEST_CASE("option tables: names are unique and every default is a value the option takes", "[backends][registry]") {
  // Each provider opened with just enough to get past its credentials check,
  // so that a refused default shows as an error naming the option.
  const std::map<std::string, std::pair<std::string, BackendOptions>> opening{
      {"file", {"file:///tmp/cloudsync-options-test", {}}},
      {"mem", {"mem://options-test", {}}},
      {"s3", {"s3://bucket", {{"access_key_id", "AKIDEXAMPLE"}, {"secret_access_key", "wJalrXUtnFEMI/K7MDENG"}}}},
      {"az", {"az://container", {{"account", "devstoreaccount1"}, {"account_key", "a2V5LWtleS1rZXk="}}}},
      {"gdrive", {"gdrive://folder", {{"access_token", "ya29.a-token-for-tests"}}}}};
  for (const BackendProvider& p : backend_providers()) {
    std::set<std::string> names;
    for (const BackendOption& o : p.options) {
      INFO(p.scheme << " " << o.name << " default '" << o.default_value << "'");
      CHECK(names.insert(o.name).second);
      CHECK_FALSE(o.help.empty());
      CHECK(o.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos);
      if (o.kind == BackendOptionKind::Enum) {
        CHECK_FALSE(o.choices.empty());
        CHECK_FALSE(o.default_value.empty());
      }
      if (o.default_value.empty()) continue;
      auto [url, options] = opening.at(p.scheme);
      if (o.secret) continue;  // no secret has a default
      options[o.name] = o.default_value;
      auto opened = open_backend(url, options);
      CHECK((opened.ok() || opened.status().message().find(o.name) == std::string::npos));
    }
  }
}

TEST_CASE("option values of the wrong kind are refused with a message naming the option", "[backends][registry]") {
  struct Case {
    std::string url;
    std::string name;
    std::string value;
    std::string says;
  };
  for (const Case& c :
       std::vector<Case>{{"s3://bucket", "part_size", "8 parsecs", "option part_size"},
                         {"s3://bucket", "max_attempts", "0", "from 1 to 100"},
                         {"s3://bucket", "max_attempts", "-1", "from 1 to 100"},
                         {"s3://bucket", "sign_payload", "maybe", "true or false"},
                         {"s3://bucket", "conditional_writes", "sometimes", "auto, true or false"},
                         {"s3://bucket", "addressing_style", "dns", "one of auto, path, virtual"},
                         {"s3://bucket", "provider", "azure", "one of auto, aws, minio, ceph, r2, gcs, other"},
                         {"az://container", "block_size", "8X", "option block_size"},
                         {"gdrive://folder", "page_size", "5000", "from 1 to 1000"},
                         {"gdrive://folder", "pacer_min_sleep_ms", "1s", "from 0 to 60000"},
                         {"file:///tmp/cloudsync-options-test", "fsync", "often", "true or false"}}) {
    auto r = open_backend(c.url, {{c.name, c.value}});
    INFO(c.url << " " << c.name << "=" << c.value << ": " << r.status().to_string());
    REQUIRE_CODE(r, ErrorCode::InvalidArgument);
    CHECK(r.status().message().find(c.says) != std::string::npos);
  }
}

TEST_CASE("an unknown option names the closest known one, never its value", "[backends][registry]") {
  struct Case {
    std::string url;
    std::string name;
    std::string suggestion;
  };
  for (const Case& c : std::vector<Case>{{"s3://bucket", "regoin", "region"},
                                         {"s3://bucket", "secret_key", "secret_access_key"},
                                         {"s3://bucket", "part-size", "part_size"},
                                         {"az://container", "key", "account_key"},
                                         {"az://container", "blocksize", "block_size"},
                                         {"gdrive://folder", "use_trashh", "use_trash"},
                                         {"gdrive://folder", "pacer_min_sleep", "pacer_min_sleep_ms"}}) {
    const std::string value = "v4lue-that-may-be-a-secret";
    auto opened = open_backend(c.url, {{c.name, value}});
    Status checked = check_option_names(c.url, {{c.name, value}});
    INFO(c.url << " " << c.name << ": " << opened.status().to_string());
    REQUIRE_CODE(opened, ErrorCode::InvalidArgument);
    REQUIRE_CODE(checked, ErrorCode::InvalidArgument);
    for (const Status& s : {opened.status(), checked}) {
      CHECK(s.message().find(fmt::format("unknown option '{}'", c.name)) != std::string::npos);
      CHECK(s.message().find(fmt::format("did you mean '{}'?", c.suggestion)) != std::string::npos);
      CHECK(s.message().find(value) == std::string::npos);
    }
  }
  // Nothing close: the known names are listed instead.
  Status far = check_option_names("az://container", {{"colour", "blue"}});
  REQUIRE_CODE(far, ErrorCode::InvalidArgument);
  CHECK(far.message().find("did you mean") == std::string::npos);
  CHECK(far.message().find("known: account, account_key, sas") != std::string::npos);
  Status none = check_option_names("mem://m", {{"fsync", "true"}});
  REQUIRE_CODE(none, ErrorCode::InvalidArgument);
  CHECK(none.message().find("they take none") != std::string::npos);
}

TEST_CASE("closest_option_name: typos and missing words, nothing for strangers", "[backends][registry]") {
  constexpr std::string_view known[] = {"region", "endpoint", "access_key_id", "secret_access_key", "sas"};
  CHECK(backends::closest_option_name("regon", known) == "region");
  CHECK(backends::closest_option_name("endpiont", known) == "endpoint");
  CHECK(backends::closest_option_name("secret_access", known) == "secret_access_key");
  CHECK(backends::closest_option_name("key", known) == "access_key_id");  // fewest extra words, first on a tie
  CHECK_FALSE(backends::closest_option_name("sig", known).has_value());   // three letters: one edit at most
  CHECK_FALSE(backends::closest_option_name("colour", known).has_value());
  CHECK_FALSE(backends::closest_option_name("", known).has_value());
}

TEST_CASE("format_size writes sizes parse_size reads back", "[backends][registry]") {
  for (uint64_t bytes : {uint64_t{0}, uint64_t{1000}, uint64_t{1} << 10, uint64_t{8} << 20, uint64_t{5} << 30,
                         (uint64_t{3} << 40), uint64_t{1536} << 10, UINT64_MAX}) {
    INFO(bytes);
    CHECK(*parse_size(backends::format_size(bytes)) == bytes);
  }
  CHECK(backends::format_size(8ull << 20) == "8MiB");
  CHECK(backends::format_size(1536ull << 10) == "1536KiB");
  CHECK(backends::format_size(0) == "0");
}

}  // namespace cloudsync::test
