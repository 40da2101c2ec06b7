#include "sync/listing_index.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "core/ascii.hpp"
#include "core/utf8.hpp"

namespace cloudsync {

namespace {

// Entry::bits: [63..60] kind, [59..52] flags, [51..0] the record's position
// (block << 20 | offset).
constexpr int kFlagShift = 52;
constexpr int kKindShift = 60;
constexpr uint64_t kPositionMask = (uint64_t{1} << kFlagShift) - 1;
constexpr unsigned kHasMtime = 1;
constexpr unsigned kHasMatchKey = 2;
constexpr unsigned kHasLastModified = 4;
constexpr unsigned kLastModifiedIsMtime = 8;

// Fields a record carries only when set (bit i of its field byte).
enum Field : unsigned { Etag, Version, Id, Md5, Sha256, Crc32c, ContentType, Metadata };

std::string* string_field(ObjectMeta& m, unsigned field) {
  switch (field) {
    case Etag: return &m.etag;
    case Version: return &m.version;
    case Id: return &m.id;
    case Md5: return &m.hashes.md5;
    case Sha256: return &m.hashes.sha256;
    case Crc32c: return &m.hashes.crc32c;
    case ContentType: return &m.content_type;
    default: return nullptr;
  }
}

const std::string* string_field(const ObjectMeta& m, unsigned field) {
  return string_field(const_cast<ObjectMeta&>(m), field);
}

size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

char* put_varint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

uint64_t get_varint(const char*& p) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    auto byte = static_cast<unsigned char>(*p++);
    v |= uint64_t{byte & 0x7fu} << shift;
    if (byte < 0x80) return v;
  }
}

size_t text_size(std::string_view s) { return varint_size(s.size()) + s.size(); }

char* put_text(char* p, std::string_view s) {
  p = put_varint(p, s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

std::string_view get_text(const char*& p) {
  size_t n = get_varint(p);
  std::string_view s(p, n);
  p += n;
  return s;
}

// A string field is stored as a varint header, (n << 2) | form, and n bytes:
//   form 0: n bytes of text;
//   form 1: lower-case hex, packed two digits a byte (MD5, SHA-256, CRC32C);
//   form 3: the same inside double quotes (an ETag as stores send it);
//   form 2: the MD5 is the ETag's digits (S3's single-part objects): no bytes.
// A million S3 objects hold 50 bytes less each this way than as text.
enum FieldForm : unsigned { kText = 0, kHex = 1, kSameAsEtag = 2, kQuotedHex = 3 };

bool is_lower_hex(std::string_view s) {
  return s.size() % 2 == 0 && !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return is_lower_hex_digit(c); });
}

bool is_quoted(std::string_view s) { return s.size() >= 2 && s.front() == '"' && s.back() == '"'; }

/// The hex digits of an ETag that is lower-case hex, quoted (as stores send
/// it) or not (as the S3 backend keeps it); empty for any other ETag.
std::string_view etag_hex_digits(std::string_view etag) {
  std::string_view digits = is_quoted(etag) ? etag.substr(1, etag.size() - 2) : etag;
  return is_lower_hex(digits) ? digits : std::string_view();
}

struct FieldEncoding {
  FieldForm form = kText;
  std::string_view payload;  // the text, or the hex digits
};

FieldEncoding encoding_of(std::string_view value, unsigned field, std::string_view etag_digits) {
  if (field == Md5 && !etag_digits.empty() && value == etag_digits) return {kSameAsEtag, {}};
  if (field == Etag) {
    if (std::string_view digits = etag_hex_digits(value); !digits.empty()) {
      return {is_quoted(value) ? kQuotedHex : kHex, digits};
    }
  } else if (field == Md5 || field == Sha256 || field == Crc32c) {
    if (is_lower_hex(value)) return {kHex, value};
  }
  return {kText, value};
}

size_t payload_bytes(const FieldEncoding& e) { return e.form == kText ? e.payload.size() : e.payload.size() / 2; }

size_t field_size(const FieldEncoding& e) {
  const size_t n = payload_bytes(e);
  return varint_size((uint64_t{n} << 2) | e.form) + n;
}

int hex_value(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

char* put_field(char* p, const FieldEncoding& e) {
  const size_t n = payload_bytes(e);
  p = put_varint(p, (uint64_t{n} << 2) | e.form);
  if (e.form == kText) {
    if (n > 0) std::memcpy(p, e.payload.data(), n);
    return p + n;
  }
  for (size_t i = 0; i < n; ++i) {
    *p++ = static_cast<char>((hex_value(e.payload[2 * i]) << 4) | hex_value(e.payload[2 * i + 1]));
  }
  return p;
}

void append_hex(std::string& out, const char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const size_t at = out.size();
  out.resize(at + 2 * n);  // written in place: a million ETags are read back per plan
  char* to = out.data() + at;
  for (size_t i = 0; i < n; ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    to[2 * i] = kDigits[b >> 4];
    to[2 * i + 1] = kDigits[b & 15];
  }
}

/// Reads one field back as the text it was; `etag` is the record's ETag as
/// already read (the MD5 of form 2 is its digits).
std::string get_field(const char*& p, const std::string& etag) {
  const uint64_t header = get_varint(p);
  const size_t n = header >> 2;
  std::string out;
  switch (static_cast<FieldForm>(header & 3)) {
    case kText: out.assign(p, n); break;
    case kHex: append_hex(out, p, n); break;
    case kQuotedHex:
      out.reserve(2 * n + 2);
      out += '"';
      append_hex(out, p, n);
      out += '"';
      break;
    case kSameAsEtag: out = std::string(etag_hex_digits(etag)); break;
  }
  p += n;
  return out;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// The key two stores match on: NFC, case-folded when either store ignores case.
// ASCII is its own NFC, which spares nearly every key the normaliser.
std::string match_key_for(std::string_view key, bool fold) {
  if (is_ascii(key)) {
    if (!fold || std::none_of(key.begin(), key.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) return {};
    std::string lower(key);
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return lower;
  }
  std::string nfc = to_nfc(key);
  if (fold) nfc = fold_case(nfc);
  return nfc == key ? std::string() : nfc;
}

int64_t nanos_of(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint time_of(int64_t nanos) { return TimePoint(std::chrono::nanoseconds(nanos)); }

}  // namespace

struct ListingIndex::Record {
  std::string_view key;
  std::string_view match_key;  // empty: the key itself
  const char* fields = nullptr;
};

uint64_t ListingIndex::Arena::reserve(size_t n, char*& out) {
  if (n > kBlock / 4) {
    // Rare (a huge metadata map): a block of its own, so small records keep
    // packing into the shared blocks.
    blocks_.push_back(std::make_unique<char[]>(n));
    oversized_ += n;
    out = blocks_.back().get();
    return uint64_t{blocks_.size() - 1} << 20;
  }
  if (used_ + n > kBlock) {
    blocks_.push_back(std::make_unique<char[]>(kBlock));
    used_ = 0;
  }
  out = blocks_.back().get() + used_;
  uint64_t where = (uint64_t{blocks_.size() - 1} << 20) | used_;
  used_ += n;
  return where;
}

const char* ListingIndex::Arena::at(uint64_t where) const {
  return blocks_[where >> 20].get() + (where & ((uint64_t{1} << 20) - 1));
}

void ListingIndex::add(const ObjectMeta& meta) {
  std::string match = match_key_for(meta.key, fold_);
  unsigned flags = 0;
  unsigned fields = 0;
  size_t bytes = text_size(meta.key) + 1;
  if (!match.empty()) {
    flags |= kHasMatchKey;
    bytes += text_size(match);
  }
  const std::string_view etag_digits = etag_hex_digits(meta.etag);
  for (unsigned f = Etag; f <= ContentType; ++f) {
    const std::string& s = *string_field(meta, f);
    if (s.empty()) continue;
    fields |= 1u << f;
    bytes += field_size(encoding_of(s, f, etag_digits));
  }
  if (!meta.metadata.empty()) {
    fields |= 1u << Metadata;
    bytes += varint_size(meta.metadata.size());
    for (const auto& [k, v] : meta.metadata) bytes += text_size(k) + text_size(v);
  }
  if (meta.mtime) flags |= kHasMtime;
  if (meta.last_modified) {
    flags |= kHasLastModified;
    if (meta.mtime && *meta.mtime == *meta.last_modified) {
      flags |= kLastModifiedIsMtime;
    } else {
      bytes += sizeof(int64_t);
    }
  }
  char* p = nullptr;
  uint64_t where = arena_.reserve(bytes, p);
  p = put_text(p, meta.key);
  if (!match.empty()) p = put_text(p, match);
  *p++ = static_cast<char>(fields);
  for (unsigned f = Etag; f <= ContentType; ++f) {
    if (fields & (1u << f)) p = put_field(p, encoding_of(*string_field(meta, f), f, etag_digits));
  }
  if (fields & (1u << Metadata)) {
    p = put_varint(p, meta.metadata.size());
    for (const auto& [k, v] : meta.metadata) p = put_text(put_text(p, k), v);
  }
  if ((flags & kHasLastModified) && !(flags & kLastModifiedIsMtime)) {
    int64_t lm = nanos_of(*meta.last_modified);
    std::memcpy(p, &lm, sizeof lm);
  }
  Entry e;
  e.size = meta.size;
  e.mtime_ns = meta.mtime ? nanos_of(*meta.mtime) : 0;
  e.bits = where | (uint64_t{flags} << kFlagShift) | (uint64_t(static_cast<unsigned>(meta.kind)) << kKindShift);
  entries_.push_back(e);
}

ListingIndex::Record ListingIndex::record(const Entry& e) const {
  const char* p = arena_.at(e.bits & kPositionMask);
  Record r;
  r.key = get_text(p);
  if ((e.bits >> kFlagShift) & kHasMatchKey) r.match_key = get_text(p);
  r.fields = p;
  return r;
}

std::string_view ListingIndex::match_key_of(const Entry& e) const {
  Record r = record(e);
  return r.match_key.empty() ? r.key : r.match_key;
}

void ListingIndex::order() {
  order_.clear();
  bool sorted = true;
  for (size_t i = 1; i < entries_.size() && sorted; ++i) {
    sorted = match_key_of(entries_[i - 1]) <= match_key_of(entries_[i]);
  }
  if (sorted) return;
  order_.resize(entries_.size());
  std::iota(order_.begin(), order_.end(), 0u);
  std::stable_sort(order_.begin(), order_.end(),
                   [this](uint32_t a, uint32_t b) { return match_key_of(entries_[a]) < match_key_of(entries_[b]); });
}

std::string_view ListingIndex::key(size_t i) const { return record(at(i)).key; }

std::string_view ListingIndex::match_key(size_t i) const { return match_key_of(at(i)); }

std::optional<TimePoint> ListingIndex::mtime(size_t i) const {
  const Entry& e = at(i);
  if (!((e.bits >> kFlagShift) & kHasMtime)) return std::nullopt;
  return time_of(e.mtime_ns);
}

ObjectKind ListingIndex::kind(size_t i) const { return static_cast<ObjectKind>(at(i).bits >> kKindShift); }

ListingIndex::ListingIndex(const ListingIndex& other) : fold_(other.fold_) {
  for (const Entry& e : other.entries_) add(other.meta_of(e));
  order_ = other.order_;
}

ListingIndex& ListingIndex::operator=(const ListingIndex& other) {
  if (this != &other) *this = ListingIndex(other);
  return *this;
}

ObjectMeta ListingIndex::meta(size_t i) const { return meta_of(at(i)); }

ObjectMeta ListingIndex::meta_of(const Entry& e) const {
  const unsigned flags = (e.bits >> kFlagShift) & 0xff;
  Record r = record(e);
  ObjectMeta m;
  m.key = std::string(r.key);
  m.kind = static_cast<ObjectKind>(e.bits >> kKindShift);
  m.size = e.size;
  if (flags & kHasMtime) m.mtime = time_of(e.mtime_ns);
  const char* p = r.fields;
  const auto fields = static_cast<unsigned char>(*p++);
  for (unsigned f = Etag; f <= ContentType; ++f) {
    if (fields & (1u << f)) *string_field(m, f) = get_field(p, m.etag);  // the ETag comes first
  }
  if (fields & (1u << Metadata)) {
    for (uint64_t n = get_varint(p); n > 0; --n) {
      std::string k(get_text(p));
      m.metadata.emplace(std::move(k), std::string(get_text(p)));
    }
  }
  if (flags & kHasLastModified) {
    if (flags & kLastModifiedIsMtime) {
      m.last_modified = m.mtime;
    } else {
      int64_t lm = 0;
      std::memcpy(&lm, p, sizeof lm);
      m.last_modified = time_of(lm);
    }
  }
  return m;
}

size_t ListingIndex::lower_bound(std::string_view match_key) const {
  size_t lo = 0, hi = size();
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (this->match_key(mid) < match_key) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

size_t ListingIndex::find(std::string_view match_key) const {
  size_t i = lower_bound(match_key);
  return i < size() && this->match_key(i) == match_key ? i : size();
}

size_t ListingIndex::bytes_held() const {
  return entries_.size() * sizeof(Entry) + order_.size() * sizeof(uint32_t) + arena_.bytes();
}

}  // namespace cloudsync
