// cloudsync: the command-line tool. Parses the command line with CLI11, runs
// the chosen subcommand and turns its outcome into an exit status. Everything
// it does goes through the library's public C++ API.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>

#include "cloudsync/status.hpp"
#include "cloudsync/version.hpp"
#include "backend_option_args.hpp"
#include "command_line.hpp"
#include "commands.hpp"
#include "interrupt.hpp"
#include "outcome.hpp"

namespace {

using namespace cloudsync;
using namespace cloudsync::cli;

// The exit statuses, from the library's table so the help cannot drift from it.
std::string exit_status_help() {
  std::vector<std::string> items{"0 success", fmt::format("{} usage error", kUsageExitStatus)};
  for (int i = static_cast<int>(ErrorCode::NotFound); i <= static_cast<int>(kLastErrorCode); ++i) {
    auto code = static_cast<ErrorCode>(i);
    items.push_back(fmt::format("{} {}", error_code_exit_status(code), error_code_name(code)));
  }
  items.push_back(
      fmt::format("{} interrupted (Ctrl-C; {} for SIGTERM)", kSignalExitBase + SIGINT, kSignalExitBase + SIGTERM));
  std::string text = "Exit status:";
  size_t line = text.size();
  for (size_t i = 0; i < items.size(); ++i) {
    std::string item = " " + items[i] + (i + 1 < items.size() ? "," : ".");
    if (line + item.size() > 100) {
      text += "\n ";
      line = 1;
    }
    text += item;
    line += item.size();
  }
  return text;
}

// What --version prints: enough to answer "which build is this?" in a bug report.
std::string version_text() {
  const curl_version_info_data* curl = curl_version_info(CURLVERSION_NOW);
  return fmt::format("cloudsync {}\nlibcurl {}\n{}\nbuild type: {}", CLOUDSYNC_VERSION_STRING,
                     curl != nullptr ? curl->version : "unknown", OpenSSL_version(OPENSSL_VERSION),
                     CLOUDSYNC_CLI_BUILD_TYPE[0] != '\0' ? CLOUDSYNC_CLI_BUILD_TYPE : "unspecified");
}

std::string main_footer() {
  return fmt::format(
      "\nURLs: file:///abs/dir or a local path, mem://name (in this process only), s3://bucket/prefix,\n"
      "az://container/prefix, gdrive://folder-id/path. Credentials come from the environment (AWS_*,\n"
      "AZURE_STORAGE_*, GOOGLE_APPLICATION_CREDENTIALS, ...) or -o KEY=VALUE on each command and are not stored;\n"
      "only 'integrations add/update' keeps secrets, outside the catalog database (see its --help).\n"
      "{}\n"
      "Sizes (--max-file-size, part_size, ...) take K, M, G, T suffixes in multiples of 1024 (8M = 8 MiB).\n\n"
      "{}\n\n"
      "{}\n"
      "A run whose actions failed exits with the status of the first failure; conflicts left unresolved exit\n"
      "with the conflict status.\n{}\n\n"
      "Examples:\n"
      "  cloudsync ls -R s3://my-bucket/reports\n"
      "  cloudsync -v copy ./photos s3://my-bucket/photos --log-file copy.log \\\n"
      "      -o access_key_id=env:MY_KEY_ID -o secret_access_key=env:MY_SECRET\n"
      "  cloudsync copy ./photos file:///mnt/backup/photos --dry-run\n"
      "  cloudsync sync ./site s3://my-bucket/site --delete-extraneous\n"
      "  cloudsync integration add Sales --url s3://acme-sales/exports\n"
      "  cloudsync import Sales \"reports/**/*.csv\"\n"
      "  cloudsync restore\n"
      "  cloudsync watch --project ~/analysis --json\n"
      "  cloudsync integrations add Sales s3://acme-sales/exports --secret secret_access_key=env:SALES_SECRET\n"
      "  cloudsync connections sync 9b1c2d3e4f5a6b7c --dry-run\n"
      "Run 'cloudsync COMMAND --help' for a command's options.\n",
      kOptionValueHelp, kGlobalFlagsHelp, provider_options_help(), exit_status_help());
}

// "cloudsync integration add": the deepest command the user reached.
std::string command_path(const CLI::App* app) {
  std::string path = app->get_name();
  for (const CLI::App* cur = app;;) {
    auto selected = cur->get_subcommands();
    if (selected.empty()) break;
    cur = selected.front();
    path += " " + cur->get_name();
  }
  return path;
}

// `help` and `version` are rewritten before parsing (command_line.hpp); they
// are declared so that the command list and `help help` show them.
void add_help_commands(CLI::App& app) {
  CLI::App* help = app.add_subcommand("help", "Show the help of cloudsync or of a command (same as COMMAND --help)");
  static std::vector<std::string> words;  // never read: the rewrite answers first
  help->add_option("COMMAND", words, "The command, e.g. copy or integration add")->type_name("");
  set_examples(*help, {"cloudsync help", "cloudsync help copy", "cloudsync help integration add"});
  CLI::App* version = app.add_subcommand("version", "Print the version (same as --version)");
  set_examples(*version, {"cloudsync version"});
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(
      "Copy, sync and list files between local folders and cloud storage, and manage a project's "
      "external files.",
      "cloudsync");
  app.set_version_flag("-V,--version", version_text(),
                       "Print the version (and libcurl's, OpenSSL's and the build type)");
  app.footer(main_footer());
  app.require_subcommand(1);
  app.get_formatter()->column_width(32);
  // Set before the subcommands are added: they inherit it.
  app.failure_message([](const CLI::App* failed, const CLI::Error& e) {
    return fmt::format("cloudsync: {}\nRun '{} --help' for usage.\n", e.what(), command_path(failed));
  });

  Action action;
  add_ls_command(app, action);
  add_copy_command(app, action);
  add_sync_command(app, action);
  add_integration_command(app, action);
  add_import_command(app, action);
  add_export_command(app, action);
  add_restore_command(app, action);
  add_watch_command(app, action);
  add_export_records_command(app, action);
  add_status_command(app, action);
  add_integrations_command(app, action);
  add_projects_command(app, action);
  add_connections_command(app, action);
  add_providers_command(app, action);
  add_help_commands(app);

  try {
    std::vector<std::string> args = prepare_arguments(app, std::vector<std::string>(argv + 1, argv + argc));
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    int status = app.exit(e);  // prints help, the version or the error
    return status == 0 ? 0 : kUsageExitStatus;
  }
  try {
    int status = action ? action() : kUsageExitStatus;
    // Cancelled cleanly by Ctrl-C: what the shell expects of a program it interrupted.
    if (int signo = interrupting_signal(); signo != 0) return kSignalExitBase + signo;
    return status;
  } catch (const std::exception& e) {
    // The library reports failures as Status values; this is a bug or out of memory.
    std::fprintf(stderr, "cloudsync: internal error: %s\n", e.what());
    return error_code_exit_status(ErrorCode::Internal);
  }
}
