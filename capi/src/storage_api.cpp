// Storage handles: open/close, head, delete, the listing iterator, and
// cloudsync_list (one call, over the same cursor). Object transfers are in
// object_io_api.cpp.
#include "capi_internal.hpp"
#include "cloudsync/listing.hpp"
#include "core/error.hpp"
#include "list_cursor.hpp"
#include "sync/json_writers.hpp"

using namespace cloudsync;

struct cloudsync_list_iter {
  capi::ListCursor cursor;
};

namespace cloudsync::capi {
namespace {

// A cursor's entry in the listing-entry form.
void write_entry(JsonWriter& w, const ListCursor::Entry& entry) {
  if (entry.rolled_up) {
    write_folder_entry(w, entry.meta.key);
  } else {
    write_object_meta(w, entry.meta);
  }
}

}  // namespace
}  // namespace cloudsync::capi

extern "C" {

int cloudsync_storage_open(const char* url, const char* options_json, cloudsync_storage** out) {
  if (out != nullptr) *out = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(url, "url"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out, "out"));
    CLOUDSYNC_ASSIGN_OR_RETURN(BackendOptions options, capi::options_document(options_json, "storage options"));
    auto handle = std::make_unique<cloudsync_storage>();
    CLOUDSYNC_ASSIGN_OR_RETURN(handle->backend, open_backend(url, options));
    *out = handle.release();
    return Status::OK();
  });
}

void cloudsync_storage_close(cloudsync_storage* storage) { delete storage; }

int cloudsync_storage_head(cloudsync_storage* storage, const char* key, cloudsync_cancel* cancel, char** entry_json) {
  if (entry_json != nullptr) *entry_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(storage, "storage"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(entry_json, "entry_json"));
    CLOUDSYNC_ASSIGN_OR_RETURN(Path path, capi::key_arg(key));
    OpContext ctx{capi::token_of(cancel)};
    if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "head cancelled");
    CLOUDSYNC_ASSIGN_OR_RETURN(ObjectMeta meta, storage->backend->head(path, ctx));
    capi::hand_out(entry_json, listing_entry_to_json(meta));
    return Status::OK();
  });
}

int cloudsync_storage_delete(cloudsync_storage* storage, const char* key, cloudsync_cancel* cancel) {
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(storage, "storage"));
    CLOUDSYNC_ASSIGN_OR_RETURN(Path path, capi::key_arg(key));
    OpContext ctx{capi::token_of(cancel)};
    // Stores that delete in one request do not look at the token: a delete
    // cancelled before it began must not happen.
    if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "delete cancelled");
    return storage->backend->remove(path, ctx);
  });
}

int cloudsync_storage_list_begin(cloudsync_storage* storage, const char* prefix, const char* options_json,
                                 cloudsync_cancel* cancel, cloudsync_list_iter** out) {
  if (out != nullptr) *out = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(storage, "storage"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out, "out"));
    std::string_view what = "list options";
    CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc,
                               capi::parse_request(options_json, what, {"recursive", "page_size"}));
    ListOptions list;
    list.prefix = prefix == nullptr ? "" : prefix;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto recursive, json_bool(doc, "recursive", what));
    list.recursive = recursive.value_or(true);
    CLOUDSYNC_ASSIGN_OR_RETURN(auto page_size, capi::uint_member(doc, "page_size", what));
    if (page_size && *page_size > UINT32_MAX) {
      return make_error(ErrorCode::InvalidArgument, "{}: \"page_size\" is too large", what);
    }
    list.max_keys = static_cast<uint32_t>(page_size.value_or(0));
    *out = new cloudsync_list_iter{capi::ListCursor(storage->backend, std::move(list), capi::token_of(cancel))};
    return Status::OK();
  });
}

int cloudsync_list_next(cloudsync_list_iter* iter, char** entry_json) {
  if (entry_json != nullptr) *entry_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(iter, "iter"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(entry_json, "entry_json"));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto entry, iter->cursor.next());
    if (!entry) return Status::OK();
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    capi::write_entry(w, *entry);
    capi::hand_out(entry_json, std::string(buf.GetString(), buf.GetSize()));
    return Status::OK();
  });
}

void cloudsync_list_end(cloudsync_list_iter* iter) { delete iter; }

int cloudsync_list(const char* url, const char* options_json, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(url, "url"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_json, "out_json"));
    std::string_view what = "list options";
    CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc,
                               capi::parse_request(options_json, what, {"recursive", "prefix", "options"}));
    CLOUDSYNC_ASSIGN_OR_RETURN(BackendOptions options, capi::options_member(doc, "options", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(std::shared_ptr<StorageBackend> backend, open_backend(url, options));
    ListOptions list;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto recursive, json_bool(doc, "recursive", what));
    list.recursive = recursive.value_or(true);
    CLOUDSYNC_ASSIGN_OR_RETURN(auto prefix, json_string(doc, "prefix", what));
    list.prefix = prefix.value_or("");

    capi::ListCursor cursor(backend, std::move(list), nullptr);
    std::vector<capi::ListCursor::Entry> entries;
    for (;;) {
      CLOUDSYNC_ASSIGN_OR_RETURN(auto entry, cursor.next());
      if (!entry) break;
      entries.push_back(std::move(*entry));
    }
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    w.Key("url");
    json_write_string(w, backend->describe());
    w.Key("entries");
    w.StartArray();
    for (const auto& e : entries) capi::write_entry(w, e);
    w.EndArray();
    // The version 1.0 members: objects, and folders (rolled up or marker objects) by key.
    w.Key("objects");
    w.StartArray();
    for (const auto& e : entries) {
      if (e.meta.kind != ObjectKind::DirectoryMarker) write_object_meta(w, e.meta);
    }
    w.EndArray();
    w.Key("folders");
    w.StartArray();
    for (const auto& e : entries) {
      if (e.meta.kind == ObjectKind::DirectoryMarker) json_write_string(w, e.meta.key);
    }
    w.EndArray();
    w.EndObject();
    capi::hand_out(out_json, std::string(buf.GetString(), buf.GetSize()));
    return Status::OK();
  });
}

}  // extern "C"
