// The x-ms-* header order the Azure service uses (.NET en-US culture compare).
#include "auth/azure/header_order.hpp"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "support/test_util.hpp"

namespace cloudsync::test {

using auth::AzureHeaderNameLess;
using auth::compare_azure_header_names;

namespace {

// The service's order for tricky metadata names, as observed against Azure
// (Azure/azure-sdk-for-python#33951; /work/shared/notes/edge-cases.md §1.5).
std::vector<std::string> expected_service_order() {
  std::vector<std::string> names;
  for (const char* suffix : {"test", "test-", "test--", "test_-", "test-_", "test__", "test_a", "test_a-", "test-_a",
                             "test_a_", "test_a-_", "test_z", "test-a"}) {
    names.push_back(std::string("x-ms-meta-") + suffix);
  }
  return names;
}

void require_strictly_ordered(const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    CHECK(compare_azure_header_names(names[i], names[i]) == 0);
    for (size_t j = i + 1; j < names.size(); ++j) {
      INFO(names[i] << " should sort before " << names[j]);
      CHECK(compare_azure_header_names(names[i], names[j]) < 0);
      CHECK(compare_azure_header_names(names[j], names[i]) > 0);
    }
  }
}

}  // namespace

TEST_CASE("metadata names sort in the service's order, pairwise", "[azure][order]") {
  require_strictly_ordered(expected_service_order());
}

TEST_CASE("sorting shuffled metadata names reproduces the service's order", "[azure][order]") {
  const std::vector<std::string> expected = expected_service_order();
  std::mt19937 rng(20240101);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::string> names = expected;
    std::shuffle(names.begin(), names.end(), rng);
    std::sort(names.begin(), names.end(), AzureHeaderNameLess{});
    CHECK(names == expected);
  }
  std::vector<std::string> reversed(expected.rbegin(), expected.rend());
  std::sort(reversed.begin(), reversed.end(), AzureHeaderNameLess{});
  CHECK(reversed == expected);
}

TEST_CASE("the service's order is not byte order", "[azure][order]") {
  // Guards the test data: a byte-order comparator must fail the tests above.
  const std::vector<std::string> expected = expected_service_order();
  CHECK_FALSE(std::is_sorted(expected.begin(), expected.end()));
  // The metadata vector's names: '_' sorts before digits, '-' is skipped.
  require_strictly_ordered({"x-ms-meta-a-b", "x-ms-meta-i_", "x-ms-meta-i0"});
  CHECK(std::string("x-ms-meta-i0") < std::string("x-ms-meta-i_"));
}

TEST_CASE("common x-ms headers keep their alphabetical order", "[azure][order]") {
  require_strictly_ordered({"x-ms-blob-content-type", "x-ms-blob-type", "x-ms-client-request-id", "x-ms-date",
                            "x-ms-meta-mtime", "x-ms-range", "x-ms-version"});
}

TEST_CASE("letters compare without case, apostrophe before hyphen", "[azure][order]") {
  // Byte order puts 'B' (0x42) before 'a' (0x61); the culture order does not.
  CHECK(compare_azure_header_names("x-ms-meta-a", "x-ms-meta-B") < 0);
  CHECK(compare_azure_header_names("x-ms-meta-B", "x-ms-meta-a") > 0);
  // Equal but for case: not equivalent (the order is total), but adjacent.
  CHECK(compare_azure_header_names("x-ms-meta-A", "x-ms-meta-a") != 0);
  CHECK(compare_azure_header_names("x-ms-meta-a", "x-ms-meta-a") == 0);
  // Same position: ' before -. A mark further right sorts first.
  CHECK(compare_azure_header_names("a'b", "a-b") < 0);
  CHECK(compare_azure_header_names("ab-c", "a-bc") < 0);
  // Symbols before digits before letters; '+' after the other symbols.
  require_strictly_ordered({"a!", "a.", "a_", "a~", "a+", "a0", "a9", "aa", "az"});
}

}  // namespace cloudsync::test
