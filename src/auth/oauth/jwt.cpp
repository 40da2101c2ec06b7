#include "auth/oauth/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <climits>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/redact.hpp"

namespace cloudsync::auth {
namespace {

// RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used".
constexpr int kMinRsaBits = 2048;

// The reason of the newest OpenSSL error (never key material), and an empty
// queue afterwards so that the next caller on this thread starts clean.
std::string openssl_reason() {
  unsigned long code = ERR_peek_last_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason != nullptr ? reason : "unknown OpenSSL error";
}

// Without a callback, OpenSSL would prompt on the terminal for the passphrase
// of an encrypted key; a library must fail instead.
int refuse_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return -1; }

// Real newlines from JSON-escaped "\n" pairs (a key copied out of its JSON
// file or stored in an environment variable), and no CRs.
std::string normalise_pem(std::string_view pem) {
  std::string out;
  out.reserve(pem.size());
  for (size_t i = 0; i < pem.size(); ++i) {
    if (pem[i] == '\\' && i + 1 < pem.size() && pem[i + 1] == 'n') {
      out.push_back('\n');
      ++i;
    } else if (pem[i] != '\r') {
      out.push_back(pem[i]);
    }
  }
  return out;
}

// The whole key and each of its base64 lines, so that a fragment of the key
// that ends up in some text is scrubbed too.
void register_pem_secret(std::string_view raw, std::string_view pem) {
  register_secret(raw);
  register_secret(pem);
  size_t start = 0;
  while (start < pem.size()) {
    size_t end = pem.find('\n', start);
    if (end == std::string_view::npos) end = pem.size();
    std::string_view line = pem.substr(start, end - start);
    if (line.rfind("-----", 0) != 0) register_secret(line);
    start = end + 1;
  }
}

}  // namespace

Result<RsaPrivateKey> RsaPrivateKey::from_pem(std::string_view raw) {
  const std::string pem = normalise_pem(raw);
  register_pem_secret(raw, pem);
  if (pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos) {
    return make_error(ErrorCode::InvalidArgument, "the private key is encrypted; a passphrase-less key is needed");
  }
  if (pem.find("-----BEGIN") == std::string::npos) {
    return make_error(ErrorCode::InvalidArgument, "the private key is not PEM text (no -----BEGIN line)");
  }
  if (pem.size() > static_cast<size_t>(INT_MAX)) {
    return make_error(ErrorCode::InvalidArgument, "the private key is too large");
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) return make_error(ErrorCode::Internal, "cannot read the private key: {}", openssl_reason());
  EVP_PKEY* parsed = PEM_read_bio_PrivateKey(bio.get(), nullptr, &refuse_passphrase, nullptr);
  if (parsed == nullptr) {
    return make_error(ErrorCode::InvalidArgument, "the private key cannot be parsed as PEM ({})", openssl_reason());
  }
  std::shared_ptr<EVP_PKEY> key(parsed, &EVP_PKEY_free);
  if (EVP_PKEY_is_a(key.get(), "RSA") == 0) {
    return make_error(ErrorCode::InvalidArgument, "the private key is a {} key; RS256 needs an RSA key",
                      EVP_PKEY_get0_type_name(key.get()) != nullptr ? EVP_PKEY_get0_type_name(key.get()) : "non-RSA");
  }
  if (EVP_PKEY_get_bits(key.get()) < kMinRsaBits) {
    return make_error(ErrorCode::InvalidArgument, "the RSA key has {} bits; RS256 needs at least {}",
                      EVP_PKEY_get_bits(key.get()), kMinRsaBits);
  }
  return RsaPrivateKey(std::move(key));
}

int RsaPrivateKey::bits() const noexcept { return EVP_PKEY_get_bits(key_.get()); }

Result<std::string> RsaPrivateKey::sign_sha256(std::string_view data) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return make_error(ErrorCode::Internal, "RS256 signing setup failed: {}", openssl_reason());
  }
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  size_t size = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &size, in, data.size()) != 1) {
    return make_error(ErrorCode::Internal, "RS256 signing failed: {}", openssl_reason());
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, in, data.size()) != 1) {
    return make_error(ErrorCode::Internal, "RS256 signing failed: {}", openssl_reason());
  }
  signature.resize(size);
  return signature;
}

std::string jwt_signing_input(std::string_view header_json, std::string_view claims_json) {
  return base64url_encode(header_json) + "." + base64url_encode(claims_json);
}

Result<std::string> sign_jwt_rs256(const RsaPrivateKey& key, std::string_view header_json,
                                   std::string_view claims_json) {
  std::string jwt = jwt_signing_input(header_json, claims_json);
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string signature, key.sign_sha256(jwt));
  jwt += '.';
  jwt += base64url_encode(signature);
  register_secret(jwt);
  return jwt;
}

}  // namespace cloudsync::auth
