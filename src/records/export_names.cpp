#include "records/export_names.hpp"

#include <ctime>

#include "core/error.hpp"

namespace cloudsync {

namespace {

bool key_safe(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

}  // namespace

std::string window_folder_name(TimePoint opened) {
  const std::time_t seconds =
      std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::system_clock::duration>(opened));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char out[16];
  std::strftime(out, sizeof out, "%Y%m%d%H%M", &utc);
  return out;
}

Status check_model_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 128 && name != "." && name != "..";
  for (char c : name) ok = ok && key_safe(c);
  if (!ok) {
    return make_error(ErrorCode::InvalidArgument,
                      "'{}' is not a model name (1 to 128 letters, digits, '_', '-' or '.', not '.' or '..')", name);
  }
  return Status::OK();
}

std::string key_safe_id(std::string_view json_id) {
  // A string id is named by its text; JSON escapes inside it are kept as
  // they are and encoded below, which keeps the name a function of the id.
  if (json_id.size() >= 2 && json_id.front() == '"' && json_id.back() == '"') {
    json_id = json_id.substr(1, json_id.size() - 2);
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(json_id.size());
  for (char c : json_id) {
    if (key_safe(c)) {
      out += c;
    } else {
      auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

}  // namespace cloudsync
