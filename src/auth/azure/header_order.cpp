#include "auth/azure/header_order.hpp"

#include <cstdint>

namespace cloudsync::auth {

namespace {

// Windows' word sort ranks ASCII punctuation in this order, all before digits
// and letters. '-' and '\'' are absent on purpose: word sort ignores them at
// the first level and only consults them to break ties (level 2 below).
constexpr std::string_view kSymbolOrder = " !\"#$%&()*,./:;?@[\\]^_`{|}~+<=>";

// Level-1 weight of a byte; 0 means "ignored at level 1".
uint32_t primary_weight(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return 0x300 + static_cast<uint32_t>(c - 'A');
  if (c >= 'a' && c <= 'z') return 0x300 + static_cast<uint32_t>(c - 'a');
  if (c >= '0' && c <= '9') return 0x200 + static_cast<uint32_t>(c - '0');
  size_t symbol = kSymbolOrder.find(static_cast<char>(c));
  if (symbol != std::string_view::npos) return 0x100 + static_cast<uint32_t>(symbol);
  if (c >= 0x80) return 0x400 + c;
  return 0;  // controls, '-' and '\''
}

// Level-2 weight of the marks word sort set aside; 0 for every other byte.
uint32_t mark_weight(unsigned char c) {
  if (c == '\'') return 1;
  if (c == '-') return 2;
  return 0;
}

template <class Weight>
size_t skip_to_weighted(std::string_view s, size_t from, Weight weight) {
  while (from < s.size() && weight(static_cast<unsigned char>(s[from])) == 0) ++from;
  return from;
}

int sign(bool less) { return less ? -1 : 1; }

}  // namespace

int compare_azure_header_names(std::string_view a, std::string_view b) {
  // Level 1: the sequences of weighted characters, a proper prefix first.
  size_t i = skip_to_weighted(a, 0, primary_weight);
  size_t j = skip_to_weighted(b, 0, primary_weight);
  while (i < a.size() && j < b.size()) {
    uint32_t wa = primary_weight(static_cast<unsigned char>(a[i]));
    uint32_t wb = primary_weight(static_cast<unsigned char>(b[j]));
    if (wa != wb) return sign(wa < wb);
    i = skip_to_weighted(a, i + 1, primary_weight);
    j = skip_to_weighted(b, j + 1, primary_weight);
  }
  if (i < a.size() || j < b.size()) return sign(i == a.size());

  // Level 2: the marks, compared by position in the whole name, then weight.
  i = skip_to_weighted(a, 0, mark_weight);
  j = skip_to_weighted(b, 0, mark_weight);
  while (i < a.size() || j < b.size()) {
    if (i == a.size() || j == b.size()) return sign(i == a.size());
    if (i != j) return sign(i > j);
    uint32_t wa = mark_weight(static_cast<unsigned char>(a[i]));
    uint32_t wb = mark_weight(static_cast<unsigned char>(b[j]));
    if (wa != wb) return sign(wa < wb);
    i = skip_to_weighted(a, i + 1, mark_weight);
    j = skip_to_weighted(b, j + 1, mark_weight);
  }

  // Level 3: only case or ignored control bytes differ.
  int bytes = a.compare(b);
  return bytes == 0 ? 0 : sign(bytes < 0);
}

}  // namespace cloudsync::auth
