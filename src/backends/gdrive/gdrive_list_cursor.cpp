#include "backends/gdrive/gdrive_list_cursor.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/json.hpp"

namespace cloudsync::gdrive {

namespace {
constexpr int kVersion = 1;

Status bad_token() { return Status(ErrorCode::InvalidArgument, "not a page token of a Google Drive listing"); }

// Drive's tokens can be long; 64 bits of their SHA-256 tell them apart and
// keep our own page token small however many pages a folder has.
std::string token_digest(std::string_view token) { return sha256_hex(token).substr(0, 16); }
}  // namespace

Status ListingCursor::advance(std::string next_token, uint64_t max_pages, std::string_view describe) {
  const std::string digest = token_digest(next_token);
  const std::string where = folders.empty() ? std::string() : " for folder " + folders.front().id;
  if (std::find(tokens_seen.begin(), tokens_seen.end(), digest) != tokens_seen.end()) {
    return make_error(ErrorCode::BadResponse,
                      "listing {}: Google Drive repeated a nextPageToken{} (after page {}): the listing would never "
                      "end; nothing was changed",
                      describe, where, tokens_seen.size() + 1);
  }
  // The first page is asked for without a token: tokens_seen + 1 pages so far.
  if (tokens_seen.size() + 1 >= max_pages) {
    return make_error(ErrorCode::LimitExceeded,
                      "listing {}: Google Drive still has more{} after {} pages; giving up (max_pages)", describe,
                      where, tokens_seen.size() + 1);
  }
  tokens_seen.push_back(digest);
  drive_token = std::move(next_token);
  return Status::OK();
}

void ListingCursor::next_folder() {
  if (!folders.empty()) folders.pop_front();
  drive_token.clear();
  page_size = 0;
  tokens_seen.clear();
}

std::string ListingCursor::encode() const {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  json_write_key(w, "v");
  w.Int(kVersion);
  json_write_key(w, "t");
  json_write_string(w, drive_token);
  json_write_key(w, "n");
  w.Uint(page_size);
  json_write_key(w, "s");
  w.Uint(skip);
  json_write_key(w, "h");
  w.StartArray();
  for (const std::string& digest : tokens_seen) json_write_string(w, digest);
  w.EndArray();
  json_write_key(w, "f");
  w.StartArray();
  for (const WalkFolder& f : folders) {
    w.StartArray();
    json_write_string(w, f.id);
    json_write_string(w, f.key_prefix);
    for (const std::string& id : f.chain) json_write_string(w, id);
    w.EndArray();
  }
  w.EndArray();
  w.EndObject();
  return base64_encode(std::string_view(buffer.GetString(), buffer.GetSize()));
}

Result<ListingCursor> ListingCursor::decode(std::string_view token) {
  auto json = base64_decode(token);
  if (!json.ok()) return bad_token();
  auto doc = parse_json(*json, "page token");
  if (!doc.ok() || !doc->IsObject()) return bad_token();
  auto version = json_int(*doc, "v", "page token");
  auto drive_token = json_string(*doc, "t", "page token");
  auto page_size = json_int(*doc, "n", "page token");
  auto skip = json_int(*doc, "s", "page token");
  if (!version.ok() || *version != kVersion || !drive_token.ok() || !*drive_token || !page_size.ok() || !*page_size ||
      !skip.ok() || !*skip || **page_size < 0 || **skip < 0) {
    return bad_token();
  }
  ListingCursor cursor;
  cursor.drive_token = std::move(**drive_token);
  cursor.page_size = static_cast<uint32_t>(**page_size);
  cursor.skip = static_cast<uint32_t>(**skip);
  // "h" is absent from the tokens of versions that did not keep it.
  auto seen = json_string_array(*doc, "h", "page token");
  if (!seen.ok()) return bad_token();
  cursor.tokens_seen = std::move(*seen);
  auto folders = doc->FindMember("f");
  if (folders == doc->MemberEnd() || !folders->value.IsArray()) return bad_token();
  for (const auto& item : folders->value.GetArray()) {
    if (!item.IsArray() || item.Size() < 2) return bad_token();
    WalkFolder f;
    for (rapidjson::SizeType i = 0; i < item.Size(); ++i) {
      if (!item[i].IsString()) return bad_token();
      std::string text(item[i].GetString(), item[i].GetStringLength());
      if (i == 0) {
        f.id = std::move(text);
      } else if (i == 1) {
        f.key_prefix = std::move(text);
      } else {
        f.chain.push_back(std::move(text));
      }
    }
    cursor.folders.push_back(std::move(f));
  }
  return cursor;
}

}  // namespace cloudsync::gdrive
