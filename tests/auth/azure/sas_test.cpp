// SAS generation against the vectors, and parsing of user-supplied tokens.
#include "auth/azure/sas.hpp"

#include <string>

#include "auth/azure/azure_vectors.hpp"
#include "auth/azure/shared_key.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"
#include "core/url.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

using namespace cloudsync::auth;

namespace {

TimePoint at(const char* rfc3339) {
  Result<TimePoint> t = parse_rfc3339(rfc3339);
  REQUIRE_OK(t);
  return *t;
}

// The inputs behind each SAS vector (edge-cases.md §1.5 lists them).
Result<GeneratedSas> generate_for(const std::string& note, const AzureSharedKeySigner& key) {
  if (note == "blob SAS, sv=2022-11-02, decoded blob name in canonicalized resource") {
    BlobSasOptions o;
    o.container = "c1";
    o.blob = "dir/a b \xC3\xBC.txt";
    o.permissions = "r";
    o.starts = at("2024-01-01T00:00:00Z");
    o.expires = at("2024-01-02T00:00:00Z");
    o.protocol = "https";
    return generate_blob_sas(key, o);
  }
  if (note == "container SAS") {
    BlobSasOptions o;
    o.container = "c1";
    o.permissions = "racwdl";
    o.expires = at("2024-01-02T00:00:00Z");
    return generate_blob_sas(key, o);
  }
  if (note == "account SAS (2020-12-06+ layout, trailing newline)") {
    AccountSasOptions o;
    o.services = "b";
    o.resource_types = "sco";
    o.permissions = "rwdlacup";
    o.expires = at("2024-01-02T00:00:00Z");
    o.protocol = "https";
    return generate_account_sas(key, o);
  }
  FAIL("no SAS inputs for the vector '" << note << "': describe them here");
  return Status(ErrorCode::Internal, "unreachable");
}

// The decoded value of `name` in an encoded query.
std::string param(const std::string& query, const std::string& name) {
  size_t start = query.find(name + "=");
  REQUIRE(start != std::string::npos);
  start += name.size() + 1;
  Result<std::string> value = percent_decode(query.substr(start, query.find('&', start) - start));
  REQUIRE_OK(value);
  return *value;
}

}  // namespace

TEST_CASE("every SAS vector: string-to-sign, signature and token", "[azure][sas]") {
  const AzureVectors& v = azure_vectors();
  REQUIRE(v.sas.size() >= 3);
  AzureSharedKeySigner key = vector_signer();
  for (const AzureSasVector& c : v.sas) {
    INFO(c.note);
    Result<GeneratedSas> sas = generate_for(c.note, key);
    REQUIRE_OK(sas);
    CHECK(sas->string_to_sign == c.string_to_sign);
    CHECK(sas->token == c.token);
    if (!c.sdk_token.empty()) CHECK(sas->token == c.sdk_token);
    CHECK(key.signature(c.string_to_sign) == c.signature);
    CHECK(param(sas->token, "sig") == c.signature);
    CHECK(param(sas->token, "sv") == std::string(kAzureSasVersion));
  }
}

TEST_CASE("a generated blob SAS encodes the time and signature in the token only", "[azure][sas]") {
  AzureSharedKeySigner key = vector_signer();
  BlobSasOptions o;
  o.container = "c1";
  o.blob = "a+b/c d";
  o.permissions = "rw";
  o.expires = at("2024-03-04T05:06:07.891Z");  // fractions are not signed
  o.content_type = "text/csv; charset=utf-8";
  Result<GeneratedSas> sas = generate_blob_sas(key, o);
  REQUIRE_OK(sas);
  CHECK(sas->string_to_sign ==
        "rw\n\n2024-03-04T05:06:07Z\n/blob/devstoreaccount1/c1/a+b/c d\n\n\n\n2022-11-02\nb\n\n\n\n\n\n\n"
        "text/csv; charset=utf-8");
  CHECK(sas->token.find("se=2024-03-04T05%3A06%3A07Z") != std::string::npos);
  CHECK(sas->token.find("rsct=text%2Fcsv%3B%20charset%3Dutf-8") != std::string::npos);
  CHECK(param(sas->token, "sig") == key.signature(sas->string_to_sign));
  // A generated token is something users can parse back.
  Result<AzureSasToken> parsed = parse_sas_token(sas->token);
  REQUIRE_OK(parsed);
  CHECK(parsed->permissions == "rw");
  CHECK(parsed->resource == "b");
  CHECK(parsed->expires == std::optional<TimePoint>(at("2024-03-04T05:06:07Z")));
}

TEST_CASE("SAS generation rejects incomplete options", "[azure][sas]") {
  AzureSharedKeySigner key = vector_signer();
  BlobSasOptions no_container;
  no_container.permissions = "r";
  no_container.expires = at("2024-01-02T00:00:00Z");
  REQUIRE_CODE(generate_blob_sas(key, no_container), ErrorCode::InvalidArgument);
  BlobSasOptions no_expiry;
  no_expiry.container = "c1";
  no_expiry.permissions = "r";
  REQUIRE_CODE(generate_blob_sas(key, no_expiry), ErrorCode::InvalidArgument);
  no_expiry.identifier = "policy1";  // a stored access policy supplies it
  REQUIRE_OK(generate_blob_sas(key, no_expiry));
  AccountSasOptions account;
  account.expires = at("2024-01-02T00:00:00Z");
  account.permissions = "r";
  REQUIRE_CODE(generate_account_sas(key, account), ErrorCode::InvalidArgument);  // no resource types
}

TEST_CASE("user-supplied SAS tokens expose version, permissions and expiry", "[azure][sas]") {
  const AzureVectors& v = azure_vectors();
  for (const AzureSasVector& c : v.sas) {
    INFO(c.note);
    for (const std::string& text : {c.token, "?" + c.token, "  ?" + c.token + "\n"}) {
      Result<AzureSasToken> token = parse_sas_token(text);
      REQUIRE_OK(token);
      CHECK(token->query == c.token);
      CHECK(token->version == "2022-11-02");
      CHECK(token->expires == std::optional<TimePoint>(at("2024-01-02T00:00:00Z")));
    }
  }
  Result<AzureSasToken> blob = parse_sas_token(v.sas.at(0).token);
  REQUIRE_OK(blob);
  CHECK(blob->resource == "b");
  CHECK(blob->permissions == "r");
  CHECK(blob->starts == std::optional<TimePoint>(at("2024-01-01T00:00:00Z")));
  CHECK_FALSE(blob->is_account_sas());
  Result<AzureSasToken> account = parse_sas_token(v.sas.at(2).token);
  REQUIRE_OK(account);
  CHECK(account->is_account_sas());
  CHECK(account->services == "b");
  CHECK(account->resource_types == "sco");
  CHECK(account->grants('w'));
  CHECK_FALSE(account->grants('x'));
}

TEST_CASE("SAS checks explain expiry and missing permissions", "[azure][sas]") {
  const AzureVectors& v = azure_vectors();
  Result<AzureSasToken> blob = parse_sas_token(v.sas.at(0).token);  // sp=r, st=01-01, se=01-02
  REQUIRE_OK(blob);
  REQUIRE_OK(check_sas_token(*blob, "r", at("2024-01-01T12:00:00Z")));
  Status expired = check_sas_token(*blob, "r", at("2024-01-02T00:00:00Z"));
  REQUIRE_CODE(expired, ErrorCode::Unauthenticated);
  CHECK(expired.message().find("expired at 2024-01-02T00:00:00Z") != std::string::npos);
  Status early = check_sas_token(*blob, "r", at("2023-12-31T23:00:00Z"));
  REQUIRE_CODE(early, ErrorCode::Unauthenticated);
  CHECK(early.message().find("not valid before") != std::string::npos);
  Status no_write = check_sas_token(*blob, "rw", at("2024-01-01T12:00:00Z"));
  REQUIRE_CODE(no_write, ErrorCode::PermissionDenied);
  CHECK(no_write.message().find("'w' (write)") != std::string::npos);
  for (const Status& s : {expired, early, no_write}) {
    CHECK(s.to_string().find("RoSZIdZzB5") == std::string::npos);
  }
  // An account SAS for queues only does not cover blobs.
  Result<AzureSasToken> queues =
      parse_sas_token("sv=2022-11-02&ss=q&srt=sco&sp=rl&se=2024-01-02&sig=c2lnbmF0dXJlc2lnbmF0dXJl");
  REQUIRE_OK(queues);
  REQUIRE_CODE(check_sas_token(*queues, "r", at("2024-01-01T00:00:00Z")), ErrorCode::PermissionDenied);
  // With a stored access policy and no sp, the policy decides.
  Result<AzureSasToken> policy = parse_sas_token("sv=2022-11-02&si=readers&sr=c&sig=c2lnbmF0dXJlc2lnbmF0dXJl");
  REQUIRE_OK(policy);
  REQUIRE_OK(check_sas_token(*policy, "rw", at("2024-01-01T00:00:00Z")));
}

TEST_CASE("SAS times accept date, minute and second precision", "[azure][sas]") {
  Result<AzureSasToken> t = parse_sas_token(
      "sv=2022-11-02&st=2024-01-01T10:30Z&se=2024-01-02&ske=2024-01-01T23:59:59.5Z&skoid=x&sp=r&"
      "sr=c&sig=c2lnbmF0dXJlc2lnbmF0dXJl");
  REQUIRE_OK(t);
  CHECK(t->starts == std::optional<TimePoint>(at("2024-01-01T10:30:00Z")));
  CHECK(t->expires == std::optional<TimePoint>(at("2024-01-02T00:00:00Z")));
  CHECK(t->is_user_delegation());
  REQUIRE_CODE(check_sas_token(*t, "r", at("2024-01-01T23:59:59.6Z")), ErrorCode::Unauthenticated);
  REQUIRE_OK(check_sas_token(*t, "r", at("2024-01-01T23:59:59Z")));
}

TEST_CASE("malformed SAS tokens are rejected without echoing the signature", "[azure][sas]") {
  // Shorter than register_secret()'s minimum: only the parser's wording keeps it out.
  const std::string sig = "Zz9qX";
  struct Case {
    std::string text;
    const char* expect;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"sp=r&se=2024-01-02&sig=" + sig, "(sv)"},
           {"sv=2022-11-02&sp=r&se=2024-01-02", "(sig)"},
           {"sv=2022-11-02&sv=2021-01-01&se=2024-01-02&sig=" + sig, "more than one sv"},
           {"sv=2022-11-02&se=tomorrow&sig=" + sig, "se is not a UTC time"},
           {"sv=2022-11-02&sp=r&sig=" + sig, "neither an expiry"},
           {"sv=2022-11-02&se=2024-01-02&sig=%zz" + sig, "sig is not correctly percent-encoded"},
           {"https://a.blob.core.windows.net/c?sv=2022-11-02&se=2024-01-02&sig=" + sig, "got a URL"},
           {"", "(sv)"},
       }) {
    INFO(c.text);
    Result<AzureSasToken> token = parse_sas_token(c.text);
    REQUIRE_CODE(token, ErrorCode::InvalidArgument);
    CHECK(token.status().message().find(c.expect) != std::string::npos);
    CHECK(token.status().to_string().find(sig) == std::string::npos);
  }
}

TEST_CASE("a parsed SAS signature becomes a secret", "[azure][sas]") {
  const std::string sig = "dGhpcmQrc2lnbmF0dXJlL3dpdGgvc2xhc2hlcz0=";  // '+', '/', '=' as in real signatures
  std::string encoded = percent_encode(sig);
  Result<AzureSasToken> token = parse_sas_token("sv=2022-11-02&se=2024-01-02&sp=r&sr=c&sig=" + encoded);
  REQUIRE_OK(token);
  // Both spellings vanish even where no "sig=" precedes them.
  CHECK(redact("value " + sig + " end").find(sig) == std::string::npos);
  CHECK(redact("value " + encoded + " end").find(encoded) == std::string::npos);
}

TEST_CASE("appending a SAS token to request URLs", "[azure][sas]") {
  Result<AzureSasToken> token = parse_sas_token("?sv=2022-11-02&se=2024-01-02&sr=c&sp=rl&sig=c2lnbmF0dXJlc2lnbmF0dXJl");
  REQUIRE_OK(token);
  const std::string q = "sv=2022-11-02&se=2024-01-02&sr=c&sp=rl&sig=c2lnbmF0dXJlc2lnbmF0dXJl";
  CHECK(append_sas_token("https://a.blob.core.windows.net/c/b%20c", *token) ==
        "https://a.blob.core.windows.net/c/b%20c?" + q);
  CHECK(append_sas_token("https://a.blob.core.windows.net/c?restype=container&comp=list", *token) ==
        "https://a.blob.core.windows.net/c?restype=container&comp=list&" + q);
  CHECK(append_sas_token("https://a.blob.core.windows.net/c?", *token) == "https://a.blob.core.windows.net/c?" + q);
}

TEST_CASE("SAS URLs split into the resource and the token", "[azure][sas]") {
  const AzureSasVector& container = azure_vectors().sas.at(1);
  Result<AzureSasUrl> url = parse_sas_url("https://devstoreaccount1.blob.core.windows.net/c1?" + container.token);
  REQUIRE_OK(url);
  CHECK(url->resource_url == "https://devstoreaccount1.blob.core.windows.net/c1");
  CHECK(url->token.query == container.token);
  CHECK(url->token.resource == "c");
  REQUIRE_CODE(parse_sas_url("https://devstoreaccount1.blob.core.windows.net/c1"), ErrorCode::InvalidArgument);
  Result<AzureSasUrl> bad = parse_sas_url("devstoreaccount1/c1?" + container.token);
  REQUIRE_CODE(bad, ErrorCode::InvalidArgument);
  CHECK(bad.status().to_string().find("NeduUKB3") == std::string::npos);
}

}  // namespace cloudsync::test
