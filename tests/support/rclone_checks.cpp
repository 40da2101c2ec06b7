#include "support/rclone_checks.hpp"

#include "core/time.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

void check_pulled_files(const Result<OperationResult>& pulled, const std::filesystem::path& folder,
                        const std::map<std::string, std::string>& files,
                        const std::map<std::string, TimePoint>& mtimes) {
  REQUIRE_OK(pulled);
  INFO(operation_result_to_json(*pulled));
  CHECK(pulled->report.count(OutcomeKind::Done) == files.size());
  for (const auto& [key, data] : files) {
    INFO(key);
    CHECK(read_file(folder / key) == data);
    CHECK(file_mtime(folder / key) == mtimes.at(key));
  }
}

void check_rclone_agrees(int exit_code, const std::string& output, size_t matching, bool every_hash_checked) {
  INFO(output);
  CHECK(exit_code == 0);
  CHECK(output.find("0 differences found") != std::string::npos);
  CHECK(output.find(std::to_string(matching) + " matching files") != std::string::npos);
  if (every_hash_checked) CHECK(output.find("could not be checked") == std::string::npos);
}

void check_rclone_lists_mtimes(int exit_code, const std::string& output, const std::filesystem::path& folder,
                               const std::map<std::string, std::string>& files) {
  INFO(output);
  REQUIRE(exit_code == 0);
  for (const auto& [key, data] : files) {
    std::string entry = format_rfc3339(file_mtime(folder / key), 9);  // "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"
    entry[10] = ' ';
    entry.back() = ' ';
    entry += key;  // "YYYY-MM-DD HH:MM:SS.nnnnnnnnn key", as lsl prints it
    INFO(entry);
    CHECK(output.find(entry) != std::string::npos);
  }
}

}  // namespace cloudsync::test
