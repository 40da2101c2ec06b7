#include "json_output.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "outcome.hpp"
#include "utf8_text.hpp"

namespace cloudsync::cli {

namespace {

template <class Writer>
void put_string(Writer& w, std::string_view s) {
  // Keys from a remote store may be invalid UTF-8; a JSON document may not.
  std::string v = valid_utf8(s);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

template <class Writer>
void put_key(Writer& w, std::string_view s) {
  w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

template <class Writer>
void put_raw(Writer& w, const std::string& raw) {
  w.RawValue(raw.data(), raw.size(), rapidjson::kObjectType);
}

}  // namespace

std::string json_object(const std::vector<std::pair<std::string_view, std::string>>& raw_members) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  for (const auto& [key, raw] : raw_members) {
    put_key(w, key);
    put_raw(w, raw);
  }
  w.EndObject();
  return buf.GetString();
}

std::string json_array(const std::vector<std::string>& raw_values) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartArray();
  for (const std::string& raw : raw_values) put_raw(w, raw);
  w.EndArray();
  return buf.GetString();
}

std::string json_string_value(std::string_view text) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  put_string(w, text);
  return buf.GetString();
}

std::string json_strings(const std::vector<std::string>& items) {
  std::vector<std::string> values;
  for (const std::string& item : items) values.push_back(json_string_value(item));
  return json_array(values);
}

std::string error_to_json(const Status& status) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  put_key(w, "code");
  put_string(w, error_code_name(status.code()));
  put_key(w, "message");
  put_string(w, status.message());
  put_key(w, "exit_status");
  w.Int(exit_status_of(status));
  if (status.http_status() != 0) {
    put_key(w, "http_status");
    w.Int(status.http_status());
  }
  if (!status.provider_code().empty()) {
    put_key(w, "provider_code");
    put_string(w, status.provider_code());
  }
  if (!status.request_id().empty()) {
    put_key(w, "request_id");
    put_string(w, status.request_id());
  }
  w.EndObject();
  return buf.GetString();
}

std::string tracked_files_to_json(std::string_view integration, const std::vector<TrackedFile>& files) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  put_key(w, "integration");
  put_string(w, integration);
  put_key(w, "files");
  w.StartArray();
  for (const TrackedFile& f : files) {
    w.StartObject();
    put_key(w, "path");
    put_string(w, f.path);
    put_key(w, "origin");
    put_string(w, f.origin);
    put_key(w, "size");
    w.Uint64(f.size);
    put_key(w, "remote_etag");
    put_string(w, f.remote_etag);
    put_key(w, "sha256");
    put_string(w, f.sha256);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return buf.GetString();
}

}  // namespace cloudsync::cli
