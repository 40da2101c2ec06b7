// RS256 signing against RFC 7515 Appendix A.2 and the Google-shaped
// service-account assertion of tests/vectors, PEM parsing, and the claims the
// service-account flow builds.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <sstream>

#include "auth/google/google_endpoints.hpp"
#include "auth/google/google_auth_fixture.hpp"
#include "core/hash.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"

namespace cloudsync::auth {

namespace {

// The JWS header and claims of RFC 7515 A.2, byte for byte (CRLFs included).
constexpr std::string_view kRfcHeader = R"({"alg":"RS256"})";
constexpr std::string_view kRfcClaims =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";

std::string rfc_signing_input() { return test::google_vector("rfc7515A2", "signingInput"); }

RsaPrivateKey vector_key() {
  Result<RsaPrivateKey> key = RsaPrivateKey::from_pem(test::vector_private_key_pem());
  REQUIRE_OK(key);
  return *key;
}

ServiceAccountOptions drive_readonly() {
  ServiceAccountOptions options;
  options.scopes = {std::string(kDriveReadonlyScope)};
  return options;
}

TimePoint unix_seconds(int64_t seconds) { return from_unix_nanos(seconds * 1'000'000'000); }

// A PEM written by OpenSSL for a freshly generated key.
std::string pem_of(EVP_PKEY* key, const EVP_CIPHER* cipher = nullptr, const char* passphrase = nullptr) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  REQUIRE(bio);
  REQUIRE(PEM_write_bio_PKCS8PrivateKey(bio.get(), key, cipher, nullptr, 0, nullptr, const_cast<char*>(passphrase)) ==
          1);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string generated_pem(const char* type, unsigned bits_or_zero, const EVP_CIPHER* cipher = nullptr) {
  EVP_PKEY* key = bits_or_zero != 0 ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, static_cast<size_t>(bits_or_zero))
                                    : EVP_PKEY_Q_keygen(nullptr, nullptr, type, "P-256");
  REQUIRE(key != nullptr);
  std::string pem = pem_of(key, cipher, cipher != nullptr ? "correct horse" : nullptr);
  EVP_PKEY_free(key);
  return pem;
}

// The base64 body lines of a PEM (the key material).
std::vector<std::string> pem_body_lines(const std::string& pem) {
  std::vector<std::string> lines;
  std::istringstream in(pem);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("-----", 0) != 0 && line.size() >= 16) lines.push_back(line);
  }
  REQUIRE(lines.size() > 10);
  return lines;
}

}  // namespace

TEST_CASE("RS256: RFC 7515 Appendix A.2 signing input and signature") {
  const std::string signing_input = rfc_signing_input();
  CHECK(jwt_signing_input(kRfcHeader, kRfcClaims) == signing_input);

  RsaPrivateKey key = vector_key();
  CHECK(key.bits() == 2048);
  Result<std::string> signature = key.sign_sha256(signing_input);
  REQUIRE_OK(signature);
  CHECK(signature->size() == 256);
  CHECK(base64url_encode(*signature) == test::google_vector("rfc7515A2", "signature"));

  Result<std::string> jwt = sign_jwt_rs256(key, kRfcHeader, kRfcClaims);
  REQUIRE_OK(jwt);
  CHECK(*jwt == signing_input + "." + test::google_vector("rfc7515A2", "signature"));

  SECTION("one changed byte of the claims changes the signature") {
    std::string claims(kRfcClaims);
    claims[claims.find("joe")] = 'J';
    Result<std::string> other = sign_jwt_rs256(key, kRfcHeader, claims);
    REQUIRE_OK(other);
    CHECK(other->substr(other->rfind('.') + 1) != test::google_vector("rfc7515A2", "signature"));
  }
}

TEST_CASE("RS256: the Google-shaped service-account assertion, exact bytes") {
  const std::string header = test::google_vector("serviceAccountJwt", "headerJson");
  const std::string claims = test::google_vector("serviceAccountJwt", "claimsJson");
  CHECK(jwt_signing_input(header, claims) == test::google_vector("serviceAccountJwt", "signingInput"));
  Result<std::string> direct = sign_jwt_rs256(vector_key(), header, claims);
  REQUIRE_OK(direct);
  CHECK(*direct == test::google_vector("serviceAccountJwt", "assertion"));

  SECTION("built by the service-account flow from a key file") {
    ServiceAccountKey account = test::vector_service_account(std::string(kGoogleTokenUri));
    CHECK(account.client_email == test::kVectorClientEmail);
    CHECK(account.project_id == "example-project");
    CHECK(account.token_uri == kGoogleTokenUri);
    const TimePoint iat = unix_seconds(1328550785);
    CHECK(assertion_header_json(account, drive_readonly()) == header);
    CHECK(assertion_claims_json(account, drive_readonly(), kGoogleTokenUri, iat) == claims);
    Result<std::string> assertion = make_service_account_assertion(account, drive_readonly(), kGoogleTokenUri, iat);
    REQUIRE_OK(assertion);
    CHECK(*assertion == test::google_vector("serviceAccountJwt", "assertion"));
    // Sub-second parts of the clock do not leak into iat.
    Result<std::string> later = make_service_account_assertion(account, drive_readonly(), kGoogleTokenUri,
                                                               iat + std::chrono::milliseconds(999));
    REQUIRE_OK(later);
    CHECK(*later == *assertion);
  }
  SECTION("the token request body") {
    std::string expected = test::google_vector("serviceAccountJwt", "tokenRequestBody");
    const std::string assertion = test::google_vector("serviceAccountJwt", "assertion");
    expected.replace(expected.find("<assertion>"), std::string_view("<assertion>").size(), assertion);
    CHECK(encode_form({{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"}, {"assertion", assertion}}) ==
          expected);
  }
}

TEST_CASE("RS256: assertion header and claims options") {
  ServiceAccountKey account =
      test::vector_service_account(std::string(kGoogleTokenUri), "0123456789abcdef0123456789abcdef01234567");
  ServiceAccountOptions options = drive_readonly();
  const TimePoint iat = unix_seconds(1700000000);

  SECTION("kid comes from private_key_id, unless turned off") {
    CHECK(assertion_header_json(account, options) ==
          R"({"alg":"RS256","typ":"JWT","kid":"0123456789abcdef0123456789abcdef01234567"})");
    options.include_key_id = false;
    CHECK(assertion_header_json(account, options) == R"({"alg":"RS256","typ":"JWT"})");
  }
  SECTION("several scopes, a subject and a shorter lifetime") {
    options.scopes = {std::string(kDriveScope), "https://www.googleapis.com/auth/userinfo.email"};
    options.subject = "alice@example.com";
    options.lifetime = std::chrono::seconds(600);
    CHECK(assertion_claims_json(account, options, "http://127.0.0.1:9/token", iat) ==
          R"({"iss":"test-sa@example-project.iam.gserviceaccount.com",)"
          R"("scope":"https://www.googleapis.com/auth/drive https://www.googleapis.com/auth/userinfo.email",)"
          R"("aud":"http://127.0.0.1:9/token","exp":1700000600,"iat":1700000000,"sub":"alice@example.com"})");
    Result<std::string> assertion = make_service_account_assertion(account, options, kGoogleTokenUri, iat);
    REQUIRE_OK(assertion);
    // Three base64url parts, the last one 256 bytes of signature.
    const size_t first = assertion->find('.');
    const size_t last = assertion->rfind('.');
    REQUIRE(first != last);
    CHECK(assertion->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") ==
          std::string::npos);
    CHECK(assertion->size() - last - 1 == 342);  // ceil(256 * 4 / 3) without padding
  }
  SECTION("options Google would refuse") {
    options.lifetime = std::chrono::seconds(3601);
    REQUIRE_CODE(make_service_account_assertion(account, options, kGoogleTokenUri, iat), ErrorCode::InvalidArgument);
    options.lifetime = std::chrono::seconds(0);
    REQUIRE_CODE(make_service_account_assertion(account, options, kGoogleTokenUri, iat), ErrorCode::InvalidArgument);
    options = drive_readonly();
    options.scopes.clear();
    REQUIRE_CODE(make_service_account_assertion(account, options, kGoogleTokenUri, iat), ErrorCode::InvalidArgument);
    options.scopes = {"https://a https://b"};
    REQUIRE_CODE(make_service_account_assertion(account, options, kGoogleTokenUri, iat), ErrorCode::InvalidArgument);
    REQUIRE_CODE(make_service_account_source(account, options), ErrorCode::InvalidArgument);
  }
}

TEST_CASE("RS256: PEM forms of the private key") {
  const std::string pem = test::vector_private_key_pem();
  const std::string expected = test::google_vector("rfc7515A2", "signature");
  auto signature_with = [&](const std::string& text) {
    Result<RsaPrivateKey> key = RsaPrivateKey::from_pem(text);
    REQUIRE_OK(key);
    Result<std::string> signature = key->sign_sha256(rfc_signing_input());
    REQUIRE_OK(signature);
    return base64url_encode(*signature);
  };

  SECTION("newlines as the two characters \\n (pasted out of the JSON file)") {
    std::string escaped;
    for (char c : pem) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
    REQUIRE(escaped.find('\n') == std::string::npos);
    CHECK(signature_with(escaped) == expected);
  }
  SECTION("CRLF line ends") {
    std::string crlf;
    for (char c : pem) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    CHECK(signature_with(crlf) == expected);
  }
  SECTION("PKCS#1 (BEGIN RSA PRIVATE KEY)") {
    std::unique_ptr<BIO, decltype(&BIO_free)> in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr);
    REQUIRE(key != nullptr);
    std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), &BIO_free);
    REQUIRE(PEM_write_bio_PrivateKey_traditional(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
    EVP_PKEY_free(key);
    char* data = nullptr;
    long size = BIO_get_mem_data(out.get(), &data);
    const std::string pkcs1(data, static_cast<size_t>(size));
    REQUIRE(pkcs1.find("BEGIN RSA PRIVATE KEY") != std::string::npos);
    CHECK(signature_with(pkcs1) == expected);
  }
}

TEST_CASE("RS256: unusable keys fail with InvalidArgument and no key material") {
  SECTION("encrypted PKCS#8 (no passphrase prompt)") {
    const std::string pem = generated_pem("RSA", 2048, EVP_aes_256_cbc());
    REQUIRE(pem.find("ENCRYPTED") != std::string::npos);
    Result<RsaPrivateKey> key = RsaPrivateKey::from_pem(pem);
    REQUIRE_CODE(key, ErrorCode::InvalidArgument);
    CHECK(key.status().message().find("encrypted") != std::string::npos);
  }
  SECTION("an EC key") {
    Result<RsaPrivateKey> key = RsaPrivateKey::from_pem(generated_pem("EC", 0));
    REQUIRE_CODE(key, ErrorCode::InvalidArgument);
    CHECK(key.status().message().find("RSA") != std::string::npos);
  }
  SECTION("an RSA key shorter than 2048 bits") {
    Result<RsaPrivateKey> key = RsaPrivateKey::from_pem(generated_pem("RSA", 1024));
    REQUIRE_CODE(key, ErrorCode::InvalidArgument);
    CHECK(key.status().message().find("1024") != std::string::npos);
  }
  SECTION("not PEM at all") {
    REQUIRE_CODE(RsaPrivateKey::from_pem("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"), ErrorCode::InvalidArgument);
    REQUIRE_CODE(RsaPrivateKey::from_pem(""), ErrorCode::InvalidArgument);
  }
  SECTION("a damaged key: the message quotes none of it") {
    std::string pem = test::vector_private_key_pem();
    const std::vector<std::string> lines = pem_body_lines(pem);
    pem.replace(pem.find(lines[5]), 8, "!!!!!!!!");
    Result<RsaPrivateKey> key = RsaPrivateKey::from_pem(pem);
    REQUIRE_CODE(key, ErrorCode::InvalidArgument);
    for (const std::string& line : lines) CHECK(key.status().to_string().find(line.substr(0, 16)) == std::string::npos);
  }
  SECTION("a parsed key is registered as a secret, line by line") {
    const std::string pem = generated_pem("RSA", 2048);
    REQUIRE_OK(RsaPrivateKey::from_pem(pem));
    for (const std::string& line : pem_body_lines(pem)) CHECK(redact("key line " + line) == "key line ***");
  }
}

TEST_CASE("service-account key files") {
  test::TempDir dir;
  const std::string json = test::service_account_key_json("http://127.0.0.1:9/token", "kid-1");
  // Google's files carry the PEM's newlines as "\n" escapes.
  REQUIRE(json.find("-----BEGIN PRIVATE KEY-----\\nMII") != std::string::npos);

  SECTION("from a path, or from GOOGLE_APPLICATION_CREDENTIALS") {
    test::write_file(dir / "key.json", json);
    Result<ServiceAccountKey> key = load_service_account_key(dir / "key.json");
    REQUIRE_OK(key);
    CHECK(key->client_email == test::kVectorClientEmail);
    CHECK(key->private_key_id == "kid-1");
    CHECK(key->token_uri == "http://127.0.0.1:9/token");

    test::ScopedEnv env("GOOGLE_APPLICATION_CREDENTIALS", (dir / "key.json").c_str());
    Result<ServiceAccountKey> from_env = load_service_account_key();
    REQUIRE_OK(from_env);
    CHECK(from_env->private_key_id == "kid-1");
    // Both sign with the same key.
    ServiceAccountOptions options = drive_readonly();
    Result<std::string> a = make_service_account_assertion(*key, options, "aud", unix_seconds(1));
    Result<std::string> b = make_service_account_assertion(*from_env, options, "aud", unix_seconds(1));
    REQUIRE_OK(a);
    REQUIRE_OK(b);
    CHECK(*a == *b);
  }
  SECTION("no path and no GOOGLE_APPLICATION_CREDENTIALS") {
    test::ScopedEnv env("GOOGLE_APPLICATION_CREDENTIALS", nullptr);
    REQUIRE_CODE(load_service_account_key(), ErrorCode::Unauthenticated);
  }
  SECTION("a missing file") {
    Result<ServiceAccountKey> key = load_service_account_key(dir / "absent.json");
    REQUIRE_CODE(key, ErrorCode::NotFound);
    CHECK(key.status().message().find("absent.json") != std::string::npos);
  }
  SECTION("other credential types and incomplete files") {
    std::string user = R"({"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"})";
    Result<ServiceAccountKey> key = parse_service_account_key(user);
    REQUIRE_CODE(key, ErrorCode::InvalidArgument);
    CHECK(key.status().message().find("refresh-token flow") != std::string::npos);

    std::string no_email = json;
    no_email.replace(no_email.find("\"client_email\""), 14, "\"client_mail\"");
    REQUIRE_CODE(parse_service_account_key(no_email), ErrorCode::InvalidArgument);
    REQUIRE_CODE(parse_service_account_key(R"({"type":"service_account","client_email":"a@b"})"),
                 ErrorCode::InvalidArgument);
    REQUIRE_CODE(parse_service_account_key("{\"type\":"), ErrorCode::InvalidArgument);
    REQUIRE_CODE(parse_service_account_key("[]"), ErrorCode::InvalidArgument);
  }
  SECTION("a file whose key is damaged names the file but not the key") {
    std::string damaged = json;
    damaged.replace(damaged.find("MIIEvQIBADAN"), 12, "############");
    test::write_file(dir / "damaged.json", damaged);
    Result<ServiceAccountKey> key = load_service_account_key(dir / "damaged.json");
    REQUIRE_CODE(key, ErrorCode::InvalidArgument);
    CHECK(key.status().message().find("damaged.json") != std::string::npos);
    for (const std::string& line : pem_body_lines(test::vector_private_key_pem())) {
      CHECK(key.status().message().find(line.substr(8, 16)) == std::string::npos);
    }
  }
}

}  // namespace cloudsync::auth
