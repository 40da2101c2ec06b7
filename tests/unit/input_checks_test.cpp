// Checks on input that reaches the library from users: sizes, storage URLs
// carrying credentials, the credential option names (refused, masked), the
// option names each provider takes.
#include <fmt/format.h>

#include "backends/registry.hpp"
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

TEST_CASE("redact masks every credential option and passwords in URLs", "[core][redact]") {
  for (const CredentialOption& o : credential_options()) {
    INFO(o.name);
    std::string text = fmt::format("options {}=v4lue-0f-the-secret, next", o.name);
    CHECK(redact(text) == fmt::format("options {}=***, next", o.name));
    CHECK(is_credential_option(o.name));
  }
  CHECK(redact("proxy http://user:pa55word-xyz@proxy.example.com:3128/ failed") ==
        "proxy http://***@proxy.example.com:3128/ failed");
  CHECK(redact("see https://example.com/a@b") == "see https://example.com/a@b");  // '@' in a path is no credential
  for (const char* not_secret : {"token_uri", "endpoint", "client_id", "profile", "account", "region", "scope",
                                 "access_key_id",
                                 "service_account_file", "subject", "proxy"}) {
    INFO(not_secret);
    CHECK_FALSE(is_credential_option(not_secret));
  }
}

TEST_CASE("the option names integration add checks are the ones the providers take", "[backends][registry]") {
  // Every credential option belongs to its provider's list...
  for (const CredentialOption& o : credential_options()) {
    INFO(o.name);
    REQUIRE_OK(check_option_names(fmt::format("{}://root", o.scheme), {{std::string(o.name), "x"}}));
  }
  // ...and every listed name is one open_backend() takes: it is never "unknown".
  for (const char* url : {"s3://bucket", "az://container", "gdrive://folder", "file:///tmp", "mem://m"}) {
    for (const char* name : {"region", "endpoint", "token_uri", "fsync", "sas", "block_size", "chunk_size",
                             "part_size", "profile", "subject", "page_size", "create_container"}) {
      BackendOptions options{{name, "1"}};
      bool listed = check_option_names(url, options).ok();
      auto opened = open_backend(url, options);
      bool unknown = !opened.ok() && opened.status().message().find("unknown option") != std::string::npos;
      INFO(url << " " << name << ": " << opened.status().to_string());
      CHECK(listed == !unknown);
    }
  }
  REQUIRE_CODE(check_option_names("s3://bucket", {{"regoin", "eu-west-1"}}), ErrorCode::InvalidArgument);
  REQUIRE_OK(check_option_names("custom://x", {{"anything", "1"}}));  // a host's own backend factory
}

}  // namespace cloudsync::test
