// cloudsync: the command-line tool. Parses the command line with CLI11, runs
// the chosen subcommand and turns its outcome into an exit status. Everything
// it does goes through the library's public C++ API.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cloudsync/status.hpp"
#include "cloudsync/version.hpp"
#include "commands.hpp"
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

std::string main_footer() {
  return fmt::format(
      "\nURLs: file:///abs/dir or a local path, mem://name (in this process only), s3://bucket/prefix,\n"
      "az://container/prefix, gdrive://folder-id/path. Credentials come from the environment (AWS_*,\n"
      "AZURE_STORAGE_*, GOOGLE_APPLICATION_CREDENTIALS, ...) or -o KEY=VALUE on each command and are not stored;\n"
      "only 'integrations add/update' keeps secrets, outside the catalog database (see its --help).\n\n"
      "{}\n"
      "A run whose actions failed exits with the status of the first failure; conflicts left unresolved exit\n"
      "with the conflict status.\n{}\n\n"
      "Examples:\n"
      "  cloudsync ls -R s3://my-bucket/reports\n"
      "  cloudsync copy ./photos file:///mnt/backup/photos --dry-run\n"
      "  cloudsync sync ./site s3://my-bucket/site --delete-extraneous\n"
      "  cloudsync integration add Sales --url s3://acme-sales/exports\n"
      "  cloudsync import Sales \"reports/**/*.csv\"\n"
      "  cloudsync restore\n"
      "  cloudsync integrations add Sales s3://acme-sales/exports --secret secret_access_key=env:SALES_SECRET\n"
      "  cloudsync connections sync 9b1c2d3e4f5a6b7c --dry-run\n"
      "Run 'cloudsync COMMAND --help' for a command's options.\n",
      provider_options_help(), exit_status_help());
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(
      "Copy, sync and list files between local folders and cloud storage, and manage a project's "
      "external files.",
      "cloudsync");
  app.set_version_flag("--version", std::string("cloudsync ") + CLOUDSYNC_VERSION_STRING);
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
  add_status_command(app, action);
  add_integrations_command(app, action);
  add_projects_command(app, action);
  add_connections_command(app, action);
  add_providers_command(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int status = app.exit(e);  // prints help, the version or the error
    return status == 0 ? 0 : kUsageExitStatus;
  }
  try {
    return action ? action() : kUsageExitStatus;
  } catch (const std::exception& e) {
    // The library reports failures as Status values; this is a bug or out of memory.
    std::fprintf(stderr, "cloudsync: internal error: %s\n", e.what());
    return error_code_exit_status(ErrorCode::Internal);
  }
}
