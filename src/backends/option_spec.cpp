// The value parsers and errors every option table shares (option_spec.hpp).
#include "backends/option_spec.hpp"

#include <algorithm>
#include <numeric>

#include "cloudsync/size.hpp"
#include "core/ascii.hpp"

namespace cloudsync::backends {

namespace {

// Levenshtein distance: how many single-character edits turn `a` into `b`.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<std::string_view> words_of(std::string_view name) {
  std::vector<std::string_view> words;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('_', start);
    if (end == std::string_view::npos) end = name.size();
    if (end > start) words.push_back(name.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

std::string join(std::span<const std::string_view> items) {
  std::string text;
  for (std::string_view item : items) {
    if (!text.empty()) text += ", ";
    text += item;
  }
  return text;
}

}  // namespace

Result<bool> parse_bool_option(std::string_view name, std::string_view value) {
  if (value == "true" || value == "1" || value == "yes") return true;
  if (value == "false" || value == "0" || value == "no") return false;
  return make_error(ErrorCode::InvalidArgument, "option {} must be true or false, not '{}'", name, value);
}

Result<std::optional<bool>> parse_auto_bool_option(std::string_view name, std::string_view value) {
  if (value == "auto") return std::optional<bool>();
  auto flag = parse_bool_option(name, value);
  if (!flag.ok()) {
    return make_error(ErrorCode::InvalidArgument, "option {} must be auto, true or false, not '{}'", name, value);
  }
  return std::optional<bool>(*flag);
}

Result<uint64_t> parse_number_option(std::string_view name, std::string_view value, uint64_t min, uint64_t max) {
  std::optional<uint64_t> n = parse_u64(value);
  if (!n || *n < min || *n > max) {
    return make_error(ErrorCode::InvalidArgument, "option {} must be a whole number from {} to {}, not '{}'", name, min,
                      max, value);
  }
  return *n;
}

Result<uint64_t> parse_size_option(std::string_view name, std::string_view value) {
  auto size = parse_size(value);
  if (!size.ok()) return size.status().with_context(fmt::format("option {}", name));
  return size;
}

Status check_choice(std::string_view name, std::string_view value, std::span<const std::string_view> choices) {
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return Status::OK();
  return make_error(ErrorCode::InvalidArgument, "option {} must be one of {}, not '{}'", name, join(choices), value);
}

std::optional<std::string_view> closest_option_name(std::string_view name, std::span<const std::string_view> known) {
  // A typo: at most two edits, and fewer than half the name (so that "sas"
  // does not suggest "sig"-like strangers for every three-letter word).
  std::optional<std::string_view> best;
  size_t best_distance = std::min<size_t>(2, name.size() / 2);
  for (std::string_view candidate : known) {
    size_t d = edit_distance(name, candidate);
    if (d <= best_distance && (!best || d < best_distance)) {
      best = candidate;
      best_distance = d;
    }
  }
  if (best) return best;
  // The right words, some left out: "key" for "account_key". The candidate
  // with the fewest extra words wins; the first in table order on a tie.
  std::vector<std::string_view> words = words_of(name);
  if (words.empty()) return std::nullopt;
  size_t fewest_extra = SIZE_MAX;
  for (std::string_view candidate : known) {
    std::vector<std::string_view> candidate_words = words_of(candidate);
    bool all_there = std::all_of(words.begin(), words.end(), [&](std::string_view w) {
      return std::find(candidate_words.begin(), candidate_words.end(), w) != candidate_words.end();
    });
    if (all_there && candidate_words.size() - words.size() < fewest_extra) {
      best = candidate;
      fewest_extra = candidate_words.size() - words.size();
    }
  }
  return best;
}

Status unknown_option(std::string_view name, std::string_view scheme, std::span<const std::string_view> known) {
  std::optional<std::string_view> closest = closest_option_name(name, known);
  if (closest) {
    return make_error(ErrorCode::InvalidArgument, "unknown option '{}' for {} URLs; did you mean '{}'?", name, scheme,
                      *closest);
  }
  if (known.empty())
    return make_error(ErrorCode::InvalidArgument, "unknown option '{}' for {} URLs (they take none)", name, scheme);
  return make_error(ErrorCode::InvalidArgument, "unknown option '{}' for {} URLs (known: {})", name, scheme,
                    join(known));
}

std::string format_size(uint64_t bytes) {
  constexpr std::pair<uint64_t, std::string_view> kUnits[] = {
      {1ull << 40, "TiB"}, {1ull << 30, "GiB"}, {1ull << 20, "MiB"}, {1ull << 10, "KiB"}};
  for (auto [unit, suffix] : kUnits) {
    if (bytes != 0 && bytes % unit == 0) return fmt::format("{}{}", bytes / unit, suffix);
  }
  return std::to_string(bytes);
}

}  // namespace cloudsync::backends
