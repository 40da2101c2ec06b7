#include "catalog/manifest_record.hpp"

#include <cstring>

#include "core/ascii.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"

namespace cloudsync::manifest_record {

namespace {

// How a hash is held: absent, lower-case hex packed into bytes, or as
// given (anything else a store might have reported, kept exactly).
enum class HashForm : uint8_t { Absent, PackedHex, Verbatim };

constexpr uint8_t kHasMtime = 1;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_i64(std::string& out, int64_t v) {
  char bytes[sizeof v];
  std::memcpy(bytes, &v, sizeof v);
  out.append(bytes, sizeof v);
}

void put_text(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

bool packable_hex(std::string_view s) {
  if (s.size() % 2 != 0) return false;
  for (char c : s) {
    if (!is_lower_hex_digit(c)) return false;
  }
  return true;
}

void put_hash(std::string& out, const std::string& hex) {
  if (hex.empty()) {
    out.push_back(static_cast<char>(HashForm::Absent));
  } else if (packable_hex(hex)) {
    out.push_back(static_cast<char>(HashForm::PackedHex));
    put_text(out, from_hex(hex).value());  // packable_hex: even and lower-case hex, so it decodes
  } else {
    out.push_back(static_cast<char>(HashForm::Verbatim));
    put_text(out, hex);
  }
}

void put_fingerprint(std::string& out, const Fingerprint& f) {
  put_varint(out, f.size);
  out.push_back(static_cast<char>(f.mtime ? kHasMtime : 0));
  if (f.mtime) put_i64(out, to_unix_nanos(*f.mtime));
  put_text(out, f.etag);
  put_hash(out, f.hashes.md5);
  put_hash(out, f.hashes.sha256);
  put_hash(out, f.hashes.crc32c);
}

// Reads what pack() wrote. Records are only ever made by pack() in this
// process, so they are trusted to be whole.
class Reader {
 public:
  explicit Reader(std::string_view record) : rest_(record) {}

  uint8_t byte() {
    auto b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }

  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      uint8_t b = byte();
      v |= uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) return v;
    }
  }

  int64_t i64() {
    int64_t v = 0;
    std::memcpy(&v, rest_.data(), sizeof v);
    rest_.remove_prefix(sizeof v);
    return v;
  }

  std::string_view text() {
    size_t n = varint();
    std::string_view s = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return s;
  }

  std::string hash() {
    auto form = static_cast<HashForm>(byte());
    if (form == HashForm::Absent) return {};
    std::string_view s = text();
    return form == HashForm::PackedHex ? to_hex(s) : std::string(s);
  }

  Fingerprint fingerprint() {
    Fingerprint f;
    f.size = varint();
    if (byte() & kHasMtime) f.mtime = from_unix_nanos(i64());
    f.etag = std::string(text());
    f.hashes.md5 = hash();
    f.hashes.sha256 = hash();
    f.hashes.crc32c = hash();
    return f;
  }

 private:
  std::string_view rest_;
};

// The fields in the order pack() writes them.
struct Head {
  ManifestEntry::Origin origin;
  int64_t synced_at_ns;
  std::string_view remote_key;  // empty: the path
};

Head read_head(Reader& r) {
  Head h{};
  h.origin = static_cast<ManifestEntry::Origin>(r.byte());
  h.synced_at_ns = r.i64();
  h.remote_key = r.text();
  return h;
}

}  // namespace

void pack(const ManifestEntry& entry, std::string& out) {
  out.push_back(static_cast<char>(entry.origin));
  put_i64(out, to_unix_nanos(entry.synced_at));
  put_text(out, entry.remote_key == entry.path ? std::string_view() : std::string_view(entry.remote_key));
  put_fingerprint(out, entry.remote);
  put_fingerprint(out, entry.local);
  put_text(out, entry.remote_version);
  put_text(out, entry.remote_id);
}

ManifestEntry unpack(std::string_view path, std::string_view record) {
  Reader r(record);
  Head head = read_head(r);
  ManifestEntry e;
  e.path = std::string(path);
  e.remote_key = std::string(head.remote_key.empty() ? path : head.remote_key);
  e.origin = head.origin;
  e.synced_at = from_unix_nanos(head.synced_at_ns);
  e.remote = r.fingerprint();
  e.local = r.fingerprint();
  e.remote_version = std::string(r.text());
  e.remote_id = std::string(r.text());
  return e;
}

std::string_view remote_key(std::string_view path, std::string_view record) {
  Reader r(record);
  Head head = read_head(r);
  return head.remote_key.empty() ? path : head.remote_key;
}

void unpack_fingerprints(std::string_view record, Fingerprint& remote, Fingerprint& local) {
  Reader r(record);
  read_head(r);
  remote = r.fingerprint();
  local = r.fingerprint();
}

}  // namespace cloudsync::manifest_record
