// Loading the signing vectors of tests/vectors: the published aws-c-auth SigV4
// suite (one folder per case) and the generated S3 vectors (JSON).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "auth/aws/sigv4.hpp"
#include "cloudsync/types.hpp"
#include "http/http.hpp"

namespace cloudsync::test {

/// ${PROJECT_SOURCE_DIR}/tests/vectors (a compile definition).
std::filesystem::path vectors_dir();

/// One HTTP/1.1 message of the suite (request.txt, *-signed-request.txt):
/// request line, headers (folded continuation lines joined with '\n', as
/// sent), and the body after the blank line.
struct HttpMessage {
  std::string method;
  std::string target;  ///< path and query exactly as in the request line (may hold raw spaces/UTF-8)
  std::vector<http::Headers::Entry> headers;
  std::string body;

  /// First value of a header (case-insensitive), or "".
  std::string header(std::string_view name) const;
};
HttpMessage parse_http_message(const std::string& text);

/// One case of tests/vectors/aws-sigv4.
struct SuiteCase {
  std::string name;
  auth::AwsCredentials credentials;  ///< with the context's token, if any
  std::string region;
  std::string service;
  TimePoint time;
  std::chrono::seconds expires{0};
  bool normalize = false;
  bool sign_body = false;
  bool omit_session_token = false;  ///< the token is added after signing (old STS behaviour)
  HttpMessage request;
  std::string header_canonical_request, header_string_to_sign, header_signature;
  HttpMessage header_signed_request;
  std::string query_canonical_request, query_string_to_sign, query_signature;
  HttpMessage query_signed_request;
};

/// The case folder names, sorted.
std::vector<std::string> suite_case_names();
/// Loads a case; fails the running test (REQUIRE) when a file is missing or malformed.
SuiteCase load_suite_case(const std::string& name);

/// An http::Request for a suite message: "https://<Host header><target>" with
/// every header of the message (Host included).
http::Request to_request(const HttpMessage& message);

/// The "s3" object of generated-signing-vectors.json (kept alive for the process).
const rapidjson::Value& generated_s3_vectors();
/// A string member; fails the running test when absent.
std::string json_str(const rapidjson::Value& obj, const char* key);

/// "20130524T000000Z" -> TimePoint.
TimePoint parse_amz_date(const std::string& amz_date);

/// Decoded query parameters of a URL, sorted (to compare queries regardless of order).
std::vector<std::pair<std::string, std::string>> sorted_query(const std::string& url);

/// Line `index` (0-based) of a canonical request.
std::string line_of(const std::string& text, size_t index);

}  // namespace cloudsync::test
