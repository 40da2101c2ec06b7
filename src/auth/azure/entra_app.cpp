#include "auth/azure/entra_app.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <functional>

#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "core/json.hpp"
#include "core/redact.hpp"

namespace cloudsync::auth {
namespace {

constexpr std::string_view kJwtBearerAssertion = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
constexpr size_t kMaxCredentialFileBytes = 1 << 20;

// The fields that prove who the application is, made afresh at every fetch
// (an assertion is dated, a federated token file is rotated).
using ClientProof = std::function<Result<FormFields>(TimePoint now)>;

class EntraAppSource final : public TokenSource {
 public:
  EntraAppSource(EntraApp app, ClientProof proof, TokenEndpointOptions endpoint, std::string method)
      : app_(std::move(app)), proof_(std::move(proof)), endpoint_(std::move(endpoint)), method_(std::move(method)) {}

  Result<AccessToken> fetch(const OpContext& ctx, TimePoint now) override {
    TokenRequest request;
    request.form = {{"grant_type", "client_credentials"}, {"client_id", app_.client_id}, {"scope", app_.scope}};
    CLOUDSYNC_ASSIGN_OR_RETURN(FormFields proof, proof_(now));
    request.form.insert(request.form.end(), proof.begin(), proof.end());
    request.reauthorise_hint =
        fmt::format("Check the {} of application {} in tenant {}", method_, app_.client_id, app_.tenant_id);
    Result<AccessToken> token = request_token(endpoint_, request, now, ctx);
    if (!token.ok()) return token.status().with_context(describe());
    return token;
  }

  std::string describe() const override {
    return fmt::format("Entra application {} in tenant {} ({})", app_.client_id, app_.tenant_id, method_);
  }

 private:
  const EntraApp app_;
  const ClientProof proof_;
  const TokenEndpointOptions endpoint_;
  const std::string method_;
};

Result<std::unique_ptr<TokenSource>> make_source(EntraApp app, ClientProof proof, TokenEndpointOptions endpoint,
                                                 std::string method) {
  if (app.client_id.empty()) return make_error(ErrorCode::InvalidArgument, "{} needs a client ID", method);
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string uri, entra_token_uri(app));
  CLOUDSYNC_ASSIGN_OR_RETURN(TokenEndpointOptions resolved, resolve_token_endpoint(std::move(endpoint), uri));
  return std::unique_ptr<TokenSource>(
      std::make_unique<EntraAppSource>(std::move(app), std::move(proof), std::move(resolved), std::move(method)));
}

// The text of the first PEM block whose label ends in `label_suffix`, or empty.
std::string pem_block(std::string_view text, std::string_view label_suffix) {
  size_t from = 0;
  while ((from = text.find("-----BEGIN ", from)) != std::string_view::npos) {
    size_t label_end = text.find("-----", from + 11);
    if (label_end == std::string_view::npos) return {};
    std::string_view label = text.substr(from + 11, label_end - from - 11);
    std::string end_marker = "-----END " + std::string(label) + "-----";
    size_t end = text.find(end_marker, label_end);
    if (end == std::string_view::npos) return {};
    if (label.size() >= label_suffix.size() && label.substr(label.size() - label_suffix.size()) == label_suffix) {
      return std::string(text.substr(from, end + end_marker.size() - from));
    }
    from = end;
  }
  return {};
}

Result<std::string> certificate_digest(std::string_view pem, const EVP_MD* md) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) return make_error(ErrorCode::Internal, "out of memory reading a certificate");
  std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (!cert) return make_error(ErrorCode::InvalidArgument, "the certificate is not a valid PEM X.509 certificate");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (X509_digest(cert.get(), md, digest, &size) != 1) {
    return make_error(ErrorCode::Internal, "cannot compute the certificate's thumbprint");
  }
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), size));
}

}  // namespace

Result<std::string> entra_token_uri(const EntraApp& app) {
  std::string host = app.authority_host.empty() ? std::string(kEntraAuthorityHost) : app.authority_host;
  while (!host.empty() && host.back() == '/') host.pop_back();
  if (host.rfind("https://", 0) != 0 && host.rfind("http://", 0) != 0) {
    return make_error(ErrorCode::InvalidArgument, "the authority host '{}' is not an http(s) URL", host);
  }
  bool tenant_ok = !app.tenant_id.empty() && std::all_of(app.tenant_id.begin(), app.tenant_id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
  if (!tenant_ok) {
    return make_error(ErrorCode::InvalidArgument,
                      "the tenant ID must be a directory ID or domain (letters, digits, '-', '.'), not '{}'",
                      app.tenant_id);
  }
  return host + "/" + app.tenant_id + "/oauth2/v2.0/token";
}

Result<ClientCertificate> load_client_certificate(const std::filesystem::path& pem_file, std::string_view password) {
  if (!password.empty()) {
    register_secret(password);
    return make_error(ErrorCode::Unsupported,
                      "'{}': password-protected certificates (PKCS#12, encrypted keys) are not supported; convert it "
                      "to a PEM file with the certificate and an unencrypted key (openssl pkcs12 -nodes)",
                      pem_file.string());
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string text, read_small_file(pem_file, kMaxCredentialFileBytes));
  std::string key_pem = pem_block(text, "PRIVATE KEY");
  std::string cert_pem = pem_block(text, "CERTIFICATE");
  OPENSSL_cleanse(text.data(), text.size());
  auto in_file = [&](const Status& s) { return s.with_context(fmt::format("'{}'", pem_file.string())); };
  if (key_pem.empty()) {
    return in_file(make_error(ErrorCode::InvalidArgument, "no PEM private key (BEGIN PRIVATE KEY) in the file"));
  }
  if (cert_pem.empty()) {
    return in_file(make_error(ErrorCode::InvalidArgument, "no PEM certificate (BEGIN CERTIFICATE) in the file"));
  }
  Result<RsaPrivateKey> key = RsaPrivateKey::from_pem(key_pem);
  OPENSSL_cleanse(key_pem.data(), key_pem.size());
  if (!key.ok()) return in_file(key.status());
  Result<std::string> x5t = certificate_digest(cert_pem, EVP_sha1());
  if (!x5t.ok()) return in_file(x5t.status());
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string x5t_s256, certificate_digest(cert_pem, EVP_sha256()));
  return ClientCertificate{std::move(key).value(), std::move(x5t).value(), std::move(x5t_s256)};
}

std::string client_assertion_header_json(const ClientCertificate& cert) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  json_write_key(w, "alg");
  json_write_string(w, "RS256");
  json_write_key(w, "typ");
  json_write_string(w, "JWT");
  json_write_key(w, "x5t");
  json_write_string(w, cert.x5t);
  json_write_key(w, "x5t#S256");
  json_write_string(w, cert.x5t_s256);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string client_assertion_claims_json(std::string_view client_id, std::string_view token_uri, TimePoint now,
                                         std::string_view jti) {
  const int64_t iat = std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  json_write_key(w, "aud");
  json_write_string(w, token_uri);
  json_write_key(w, "iss");
  json_write_string(w, client_id);
  json_write_key(w, "sub");
  json_write_string(w, client_id);
  json_write_key(w, "jti");
  json_write_string(w, jti);
  json_write_key(w, "nbf");
  w.Int64(iat);
  json_write_key(w, "iat");
  w.Int64(iat);
  json_write_key(w, "exp");
  w.Int64(iat + kClientAssertionLifetime.count());
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<std::unique_ptr<TokenSource>> make_client_secret_source(EntraApp app, std::string secret,
                                                               TokenEndpointOptions endpoint) {
  register_secret(secret);
  if (secret.empty()) return make_error(ErrorCode::InvalidArgument, "the client secret is empty");
  ClientProof proof = [secret = std::move(secret)](TimePoint) -> Result<FormFields> {
    return FormFields{{"client_secret", secret}};
  };
  return make_source(std::move(app), std::move(proof), std::move(endpoint), "client secret");
}

Result<std::unique_ptr<TokenSource>> make_client_certificate_source(EntraApp app, ClientCertificate cert,
                                                                    TokenEndpointOptions endpoint) {
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string uri, entra_token_uri(app));
  // The audience is the token endpoint actually asked (an override included).
  std::string audience = endpoint.token_uri.empty() ? uri : endpoint.token_uri;
  ClientProof proof = [cert = std::move(cert), audience,
                       client_id = app.client_id](TimePoint now) -> Result<FormFields> {
    CLOUDSYNC_ASSIGN_OR_RETURN(std::string assertion,
                               sign_jwt_rs256(cert.key, client_assertion_header_json(cert),
                                              client_assertion_claims_json(client_id, audience, now, random_hex(16))));
    return FormFields{{"client_assertion_type", std::string(kJwtBearerAssertion)},
                      {"client_assertion", std::move(assertion)}};
  };
  return make_source(std::move(app), std::move(proof), std::move(endpoint), "client certificate");
}

Result<std::unique_ptr<TokenSource>> make_workload_identity_source(EntraApp app, std::filesystem::path token_file,
                                                                   TokenEndpointOptions endpoint) {
  if (token_file.empty()) return make_error(ErrorCode::InvalidArgument, "workload identity needs a token file");
  ClientProof proof = [token_file = std::move(token_file)](TimePoint) -> Result<FormFields> {
    Result<std::string> text = read_small_file(token_file, kMaxCredentialFileBytes);
    if (!text.ok()) return text.status().with_context("the federated token file");
    std::string token(trim(*text));
    register_secret(token);
    if (token.empty()) {
      return make_error(ErrorCode::Unauthenticated, "the federated token file '{}' is empty", token_file.string());
    }
    return FormFields{{"client_assertion_type", std::string(kJwtBearerAssertion)}, {"client_assertion", token}};
  };
  return make_source(std::move(app), std::move(proof), std::move(endpoint), "workload identity");
}

}  // namespace cloudsync::auth
