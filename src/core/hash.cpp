#include "core/hash.hpp"

#include <array>
#include <cstring>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include "core/error.hpp"

namespace cloudsync {

// ---- HashSet (public value type) -------------------------------------------

std::string_view hash_kind_name(HashKind kind) {
  switch (kind) {
    case HashKind::Md5: return "md5";
    case HashKind::Sha256: return "sha256";
    case HashKind::Crc32c: return "crc32c";
  }
  return "unknown";
}

const std::string& HashSet::get(HashKind kind) const {
  switch (kind) {
    case HashKind::Md5: return md5;
    case HashKind::Sha256: return sha256;
    case HashKind::Crc32c: return crc32c;
  }
  return md5;
}

void HashSet::set(HashKind kind, std::string hex) {
  switch (kind) {
    case HashKind::Md5: md5 = std::move(hex); break;
    case HashKind::Sha256: sha256 = std::move(hex); break;
    case HashKind::Crc32c: crc32c = std::move(hex); break;
  }
}

HashKinds HashSet::kinds() const {
  HashKinds k = 0;
  if (!md5.empty()) k |= hash_kinds(HashKind::Md5);
  if (!sha256.empty()) k |= hash_kinds(HashKind::Sha256);
  if (!crc32c.empty()) k |= hash_kinds(HashKind::Crc32c);
  return k;
}

std::optional<bool> HashSet::matches(const HashSet& other) const {
  HashKinds common = kinds() & other.kinds();
  if (common == 0) return std::nullopt;
  for (HashKind k : {HashKind::Sha256, HashKind::Md5, HashKind::Crc32c}) {
    if (has_kind(common, k) && get(k) != other.get(k)) return false;
  }
  return true;
}

void HashSet::merge(const HashSet& other) {
  for (HashKind k : {HashKind::Md5, HashKind::Sha256, HashKind::Crc32c}) {
    if (get(k).empty() && !other.get(k).empty()) set(k, other.get(k));
  }
}

// ---- CRC32C ------------------------------------------------------------------

namespace {

constexpr uint32_t kCrc32cPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

struct Crc32cTables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  constexpr Crc32cTables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kCrc32cPoly : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    }
  }
};
constexpr Crc32cTables kCrcTables;

uint32_t crc32c_portable(uint32_t crc, const unsigned char* p, size_t n) {
  const auto& t = kCrcTables.t;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    v ^= crc;
    crc = t[7][v & 0xFF] ^ t[6][(v >> 8) & 0xFF] ^ t[5][(v >> 16) & 0xFF] ^ t[4][(v >> 24) & 0xFF] ^
          t[3][(v >> 32) & 0xFF] ^ t[2][(v >> 40) & 0xFF] ^ t[1][(v >> 48) & 0xFF] ^ t[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xFF];
  return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(uint32_t crc, const unsigned char* p, size_t n) {
  uint64_t c = crc;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  while (n--) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}
bool have_sse42() {
  static const bool supported = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") != 0;
  }();
  return supported;
}
#endif

}  // namespace

uint32_t crc32c_extend(uint32_t crc, std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  crc = ~crc;
#if defined(__x86_64__)
  crc = have_sse42() ? crc32c_sse42(crc, p, data.size()) : crc32c_portable(crc, p, data.size());
#else
  crc = crc32c_portable(crc, p, data.size());
#endif
  return ~crc;
}

namespace {
// GF(2) 32x32 matrices as 32 column vectors (zlib's crc32_combine).
uint32_t gf2_times(const uint32_t* matrix, uint32_t vec) {
  uint32_t sum = 0;
  for (int i = 0; vec != 0; ++i, vec >>= 1) {
    if (vec & 1u) sum ^= matrix[i];
  }
  return sum;
}
void gf2_square(uint32_t* square, const uint32_t* matrix) {
  for (int n = 0; n < 32; ++n) square[n] = gf2_times(matrix, matrix[n]);
}
}  // namespace

uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b) {
  if (length_b == 0) return crc_a;
  uint32_t even[32], odd[32];
  odd[0] = 0x82F63B78u;  // the reflected Castagnoli polynomial: one zero bit
  for (int n = 1; n < 32; ++n) odd[n] = 1u << (n - 1);
  gf2_square(even, odd);  // two zero bits
  gf2_square(odd, even);  // four zero bits
  // Appends length_b zero bytes to crc_a, squaring the operator per bit of the length.
  do {
    gf2_square(even, odd);
    if (length_b & 1u) crc_a = gf2_times(even, crc_a);
    length_b >>= 1;
    if (length_b == 0) break;
    gf2_square(odd, even);
    if (length_b & 1u) crc_a = gf2_times(odd, crc_a);
    length_b >>= 1;
  } while (length_b != 0);
  return crc_a ^ crc_b;
}

// ---- Hasher ------------------------------------------------------------------

struct Hasher::Impl {
  EVP_MD_CTX* md5 = nullptr;
  EVP_MD_CTX* sha256 = nullptr;
  uint32_t crc = 0;
  ~Impl() {
    EVP_MD_CTX_free(md5);
    EVP_MD_CTX_free(sha256);
  }
};

namespace {
EVP_MD_CTX* new_digest(const EVP_MD* md) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr || EVP_DigestInit_ex(ctx, md, nullptr) != 1) throw std::bad_alloc();
  return ctx;
}
std::string final_hex(EVP_MD_CTX* ctx) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, out, &len);
  EVP_DigestInit_ex(ctx, nullptr, nullptr);
  return to_hex(std::string_view(reinterpret_cast<const char*>(out), len));
}
}  // namespace

Hasher::Hasher(HashKinds kinds) : kinds_(kinds), impl_(std::make_unique<Impl>()) {
  if (has_kind(kinds, HashKind::Md5)) impl_->md5 = new_digest(EVP_md5());
  if (has_kind(kinds, HashKind::Sha256)) impl_->sha256 = new_digest(EVP_sha256());
}
Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::update(std::string_view data) {
  if (impl_->md5) EVP_DigestUpdate(impl_->md5, data.data(), data.size());
  if (impl_->sha256) EVP_DigestUpdate(impl_->sha256, data.data(), data.size());
  if (has_kind(kinds_, HashKind::Crc32c)) impl_->crc = crc32c_extend(impl_->crc, data);
}

HashSet Hasher::finish() {
  HashSet out;
  if (impl_->md5) out.md5 = final_hex(impl_->md5);
  if (impl_->sha256) out.sha256 = final_hex(impl_->sha256);
  if (has_kind(kinds_, HashKind::Crc32c)) {
    out.crc32c = fmt::format("{:08x}", impl_->crc);
    impl_->crc = 0;
  }
  return out;
}

// ---- encodings and one-shot digests ------------------------------------------

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0xF];
  }
  return out;
}

Result<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return make_error(ErrorCode::InvalidArgument, "hex string has odd length");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return make_error(ErrorCode::InvalidArgument, "invalid hex digit");
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

namespace {
std::string base64_with(std::string_view bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto at = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = at(i) << 16;
    if (rest == 2) v |= at(i + 1) << 8;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (rest == 2) out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}
}  // namespace

std::string base64_encode(std::string_view bytes) {
  return base64_with(bytes, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", true);
}

std::string base64url_encode(std::string_view bytes) {
  return base64_with(bytes, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", false);
}

Result<std::string> base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) return make_error(ErrorCode::InvalidArgument, "invalid base64 text");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (bits >= 6) return make_error(ErrorCode::InvalidArgument, "truncated base64 text");
  return out;
}

namespace {
std::string digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return std::string(reinterpret_cast<const char*>(out), len);
}
}  // namespace

std::string md5_digest(std::string_view data) { return digest(EVP_md5(), data); }
std::string sha256_digest(std::string_view data) { return digest(EVP_sha256(), data); }
std::string sha256_hex(std::string_view data) { return to_hex(sha256_digest(data)); }
std::string sha1_hex(std::string_view data) { return to_hex(digest(EVP_sha1(), data)); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return to_hex(raw);
}

}  // namespace cloudsync
