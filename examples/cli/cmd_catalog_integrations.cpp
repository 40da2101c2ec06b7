// The organisation's integrations in the shared catalog:
// cloudsync integrations add|list|get|update|remove|check.
// (The project-local `cloudsync integration ...` commands are cmd_integration.cpp.)
#include <algorithm>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backend_option_args.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "human_format.hpp"
#include "interrupt.hpp"
#include "json_output.hpp"
#include "outcome.hpp"

namespace cloudsync::cli {

namespace {

// --- Secrets from the command line --------------------------------------------

// Secrets never travel as argv values (other users see them in ps, shells
// keep them in history): only references to environment variables, or a
// line read from stdin.
struct SecretArgs {
  std::vector<std::string> references;  ///< --secret KEY=env:VAR
  std::vector<std::string> stdin_keys;  ///< --secret-stdin KEY
  bool given() const { return !references.empty() || !stdin_keys.empty(); }
};

constexpr std::string_view kSecretsHelp =
    "Secrets (e.g. secret_access_key, sas, refresh_token) are never taken as values on the command line, where\n"
    "other users and the shell history would see them: --secret KEY=env:VAR stores a reference that is read from\n"
    "the environment each time the integration is used, and --secret-stdin KEY reads the value from one line of\n"
    "stdin (without echo on a terminal) and keeps it in <catalog>/secrets.json (mode 0600). Secrets never enter\n"
    "the catalog database and are never printed.";

CLI::Validator env_reference() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        size_t eq = text.find('=');
        std::string_view value = eq == std::string::npos ? std::string_view() : std::string_view(text).substr(eq + 1);
        std::string_view var = value.substr(std::min<size_t>(4, value.size()));
        bool ok = eq != std::string::npos && eq > 0 && value.starts_with("env:") && !var.empty() &&
                  var.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") ==
                      std::string_view::npos &&
                  !(var.front() >= '0' && var.front() <= '9');
        // The text is not echoed: it may be the secret itself.
        if (!ok)
          return "expected KEY=env:VARIABLE (a secret value is never taken from the command line; see --secret-stdin)";
        return {};
      },
      "");
}

void add_secret_flags(CLI::App& cmd, SecretArgs& a) {
  add_repeated_option(cmd, "--secret", a.references,
                      "A secret as a reference to an environment variable, KEY=env:VAR (repeatable)")
      ->check(env_reference())
      ->type_name("KEY=env:VAR");
  add_repeated_option(cmd, "--secret-stdin", a.stdin_keys,
                      "Read the value of secret KEY from one line of stdin (repeatable: one line each, in order)")
      ->check(not_empty())
      ->type_name("KEY");
}

Result<SecretOptions> read_secrets(const SecretArgs& a) {
  SecretOptions out = to_backend_options(a.references);
  for (const std::string& key : a.stdin_keys) {
    CLOUDSYNC_ASSIGN_OR_RETURN(out[key], read_secret_line(key, fmt::format("--secret-stdin {}", key)));
  }
  return out;
}

// --- Shared pieces ------------------------------------------------------------

std::string with_secret_names(const Catalog& catalog, const Integration& integ) {
  auto names = catalog.secret_names(integ.id);
  return json_object({{"integration", integration_to_json(integ)},
                      {"secret_names", json_strings(names.ok() ? *names : std::vector<std::string>{})}});
}

std::string status_text(const Integration& i) {
  if (i.status_reason.empty()) return i.status;
  return fmt::format("{} ({})", i.status, i.status_reason);
}

// The exit status a DISCONNECTED reason stands for (the library's table).
ErrorCode code_of(DisconnectReason reason) {
  switch (reason) {
    case DisconnectReason::None: return ErrorCode::Ok;
    case DisconnectReason::MissingPermission: return ErrorCode::PermissionDenied;
    case DisconnectReason::InvalidCredentials:
    case DisconnectReason::ExpiredCredentials:
    case DisconnectReason::ClockSkew: return ErrorCode::Unauthenticated;
    case DisconnectReason::NotFound: return ErrorCode::NotFound;
    case DisconnectReason::Unreachable: return ErrorCode::Network;
    case DisconnectReason::Throttled: return ErrorCode::Throttled;
    case DisconnectReason::Error: return ErrorCode::Internal;
  }
  return ErrorCode::Internal;
}

// --- add ----------------------------------------------------------------------

struct CatalogAddArgs {
  CatalogArgs catalog;
  IntegrationSpec spec;
  std::vector<std::string> options;
  SecretArgs secrets;
  OutputFlags out;
};

int run_add(const CatalogAddArgs& a) {
  return with_catalog(a.catalog, a.out, true, [&](Console& console, Catalog& catalog) {
    auto secrets = read_secrets(a.secrets);
    if (!secrets.ok()) return fail(console, a.out, secrets.status());
    IntegrationSpec spec = a.spec;
    spec.url = stored_url(spec.url);
    spec.options = to_backend_options(a.options);
    auto added = catalog.create_integration(std::move(spec), std::move(*secrets));
    if (!added.ok()) return fail(console, a.out, added.status());
    if (a.out.json) {
      print_json(with_secret_names(catalog, *added));
    } else if (!a.out.quiet) {
      fmt::print("Added integration '{}' (id {}, {}, {}): {}\n", printable(added->spec.name), added->id,
                 added->platform, access_of(*added), printable(added->spec.url));
      fmt::print("Check it with: cloudsync integrations check {}\n", added->id);
    }
    return 0;
  });
}

// --- list ---------------------------------------------------------------------

struct FilterArgs {
  std::string name, platform, status, project;
  bool writeback = false;
  bool read_only = false;

  IntegrationFilter filter() const {
    IntegrationFilter f;
    if (!name.empty()) f.name = name;
    if (!platform.empty()) f.platform = parse_platform(platform);
    if (!status.empty()) f.status = parse_integration_status(status);
    if (!project.empty()) f.project = project;
    if (writeback) f.writeback = true;
    if (read_only) f.writeback = false;
    return f;
  }
};

CLI::Validator parsed_by(std::function<bool(const std::string&)> parses, std::string expected) {
  return CLI::Validator(
      [parses = std::move(parses), expected = std::move(expected)](std::string& text) -> std::string {
        return parses(text) ? std::string() : "expected " + expected;
      },
      "");
}

void add_filter_flags(CLI::App& cmd, FilterArgs& f) {
  cmd.add_option("--name", f.name, "Only the integration with this name (case-insensitive)")->type_name("NAME");
  cmd.add_option("--platform", f.platform, "Only this platform: AWS, Azure, GCP, GoogleDrive, Local or Memory")
      ->check(parsed_by([](const std::string& t) { return parse_platform(t).has_value(); },
                        "AWS, Azure, GCP, GoogleDrive, Local or Memory"))
      ->type_name("PLATFORM");
  cmd.add_option("--status", f.status, "Only this status: UNCHECKED, CHECKING, CONNECTED or DISCONNECTED")
      ->check(parsed_by([](const std::string& t) { return parse_integration_status(t).has_value(); },
                        "UNCHECKED, CHECKING, CONNECTED or DISCONNECTED"))
      ->type_name("STATUS");
  cmd.add_option("--project", f.project, "Only integrations this project (id or name) may use")->type_name("PROJECT");
  auto* wb = cmd.add_flag("--writeback", f.writeback, "Only writeback integrations");
  cmd.add_flag("--read-only", f.read_only, "Only read-only integrations")->excludes(wb);
}

struct CatalogListArgs {
  CatalogArgs catalog;
  FilterArgs filter;
  OptionalCount first;
  uint64_t skip = 0;
  OutputFlags out;
};

int run_list(const CatalogListArgs& a) {
  return with_catalog(a.catalog, a.out, false, [&](Console& console, Catalog& catalog) {
    IntegrationFilter filter = a.filter.filter();
    auto total = catalog.count_integrations(filter);
    if (!total.ok()) return fail(console, a.out, total.status());
    auto found = catalog.integrations(filter, PageRequest{a.first.get().value_or(UINT64_MAX), a.skip});
    if (!found.ok()) return fail(console, a.out, found.status());
    if (a.out.json) {
      std::vector<std::string> items;
      for (const Integration& i : *found) items.push_back(integration_to_json(i));
      print_json(json_object({{"integrations", json_array(items)}, {"total", std::to_string(*total)}}));
      return 0;
    }
    if (a.out.quiet) return 0;
    if (found->empty()) {
      fmt::print("No integrations{}.\n", *total > 0 ? " on this page" : "");
      return 0;
    }
    std::vector<std::vector<std::string>> rows{{"ID", "NAME", "PLATFORM", "STATUS", "ACCESS", "URL"}};
    for (const Integration& i : *found) {
      rows.push_back({i.id, printable(i.spec.name), i.platform, status_text(i), access_of(i), printable(i.spec.url)});
    }
    print_table(stdout, rows);
    if (found->size() < *total) fmt::print("({} of {} shown; see --first and --skip)\n", found->size(), *total);
    return 0;
  });
}

// --- get ----------------------------------------------------------------------

struct GetArgs {
  CatalogArgs catalog;
  std::string name;
  OutputFlags out;
};

int run_get(const GetArgs& a) {
  return with_catalog(a.catalog, a.out, false, [&](Console& console, Catalog& catalog) {
    auto integ = catalog.integration(a.name);
    if (!integ.ok()) return fail(console, a.out, integ.status());
    auto secrets = catalog.secret_names(integ->id);
    if (!secrets.ok()) return fail(console, a.out, secrets.status());
    if (a.out.json) {
      print_json(with_secret_names(catalog, *integ));
      return 0;
    }
    if (a.out.quiet) return 0;
    auto list = [](const std::vector<std::string>& items, std::string_view none) {
      return items.empty() ? std::string(none) : printable(fmt::format("{}", fmt::join(items, ", ")));
    };
    std::vector<std::string> options;
    for (const auto& [k, v] : integ->spec.options) options.push_back(k + "=" + v);
    std::vector<std::vector<std::string>> rows{
        {"name:", printable(integ->spec.name)},
        {"id:", integ->id},
        {"platform:", integ->platform},
        {"url:", printable(integ->spec.url)},
        {"folder:", printable(integ->folder)},
        {"access:", access_of(*integ)},
        {"selected folders:", list(integ->spec.selected_folders, "(all)")},
        {"allowed projects:", list(integ->spec.allowed_projects, "(every project)")},
        {"allowed paths:", list(integ->spec.allowed_paths, "(everything)")},
        {"options:", list(options, "(none)")},
        {"secrets:", list(*secrets, "(none stored)")},
        {"status:", status_text(*integ)},
    };
    if (!integ->missing_action.empty()) rows.push_back({"missing permission:", integ->missing_action});
    if (!integ->status_message.empty()) rows.push_back({"message:", printable(integ->status_message)});
    rows.push_back({"last checked:", integ->last_checked ? format_time(*integ->last_checked, false) : "never"});
    print_table(stdout, rows);
    return 0;
  });
}

// --- update -------------------------------------------------------------------

struct UpdateArgs {
  CatalogArgs catalog;
  std::string name;
  std::string new_name, url;
  bool writeback = false, read_only = false;
  std::vector<std::string> selected_folders, allowed_projects, allowed_paths, options, clear;
  SecretArgs secrets;
  OutputFlags out;
  IntegrationUpdate update;  ///< from the flags, once parsed (secrets are read when it runs)
  bool clear_secrets = false;
};

// The list a repeatable option sets: its values when given, empty with --clear.
std::optional<std::vector<std::string>> list_update(const std::vector<std::string>& values,
                                                    const std::vector<std::string>& clear, std::string_view field) {
  bool cleared = std::find(clear.begin(), clear.end(), field) != clear.end();
  if (cleared && !values.empty()) usage_error(fmt::format("--clear {} and new values for it: give one of them", field));
  if (cleared) return std::vector<std::string>{};
  if (values.empty()) return std::nullopt;
  return values;
}

// Turns the flags into the update (while parsing: contradictions are usage errors).
void prepare_update(UpdateArgs& a) {
  IntegrationUpdate& update = a.update;
  if (!a.new_name.empty()) update.name = a.new_name;
  if (!a.url.empty()) update.url = stored_url(a.url);
  if (a.writeback) update.writeback = true;
  if (a.read_only) update.writeback = false;
  update.selected_folders = list_update(a.selected_folders, a.clear, "selected-folders");
  update.allowed_projects = list_update(a.allowed_projects, a.clear, "allowed-projects");
  update.allowed_paths = list_update(a.allowed_paths, a.clear, "allowed-paths");
  if (auto options = list_update(a.options, a.clear, "options")) update.options = to_backend_options(*options);
  a.clear_secrets = std::find(a.clear.begin(), a.clear.end(), "secrets") != a.clear.end();
  if (a.clear_secrets && a.secrets.given()) usage_error("--clear secrets and new secrets: give one of them");
}

int run_update(const UpdateArgs& a) {
  return with_catalog(a.catalog, a.out, false, [&](Console& console, Catalog& catalog) {
    IntegrationUpdate update = a.update;
    if (a.clear_secrets) update.secrets = SecretOptions{};
    if (a.secrets.given()) {
      auto secrets = read_secrets(a.secrets);
      if (!secrets.ok()) return fail(console, a.out, secrets.status());
      update.secrets = std::move(*secrets);
    }
    auto updated = catalog.update_integration(a.name, update);
    if (!updated.ok()) return fail(console, a.out, updated.status());
    if (a.out.json) {
      print_json(with_secret_names(catalog, *updated));
    } else if (!a.out.quiet) {
      fmt::print("Updated integration '{}' (id {}); status {}\n", printable(updated->spec.name), updated->id,
                 status_text(*updated));
    }
    return 0;
  });
}

// --- remove -------------------------------------------------------------------

struct CatalogRemoveArgs {
  CatalogArgs catalog;
  std::string name;
  bool force = false;
  OutputFlags out;
};

int run_remove(const CatalogRemoveArgs& a) {
  return with_catalog(a.catalog, a.out, false, [&](Console& console, Catalog& catalog) {
    auto integ = catalog.integration(a.name);
    if (!integ.ok()) return fail(console, a.out, integ.status());
    Status removed = catalog.delete_integration(integ->id, a.force);
    if (!removed.ok()) return fail(console, a.out, removed);
    if (a.out.json) {
      print_json(json_object({{"removed", integration_to_json(*integ)}}));
    } else if (!a.out.quiet) {
      fmt::print("Removed integration '{}' (id {}); no file was deleted.\n", printable(integ->spec.name), integ->id);
    }
    return 0;
  });
}

// --- check --------------------------------------------------------------------

struct CheckArgs {
  CatalogArgs catalog;
  std::string name;
  bool all = false;
  uint32_t concurrency = 8;
  OutputFlags out;
};

std::string check_line(const std::string& name, const StatusCheck& c) {
  std::string line = fmt::format("{}  {}", printable(name), integration_status_name(c.status));
  if (c.status == IntegrationStatus::Connected) {
    std::vector<std::string_view> passed;
    for (ProbeAction p : c.passed) passed.push_back(probe_action_name(p));
    return line + fmt::format("  ({} passed in {} ms)", fmt::join(passed, ", "), c.duration.count());
  }
  line += fmt::format("  {}", disconnect_reason_name(c.reason));
  // missing_action also names the step that failed for other reasons; the
  // message says that already, so only a refused permission is called out.
  if (c.reason == DisconnectReason::MissingPermission && c.missing_action) {
    line += fmt::format("  missing permission: {}", probe_action_name(*c.missing_action));
  }
  if (!c.message.empty()) line += ": " + printable(c.message);
  return line;
}

int run_check(const CheckArgs& a) {
  return with_catalog(a.catalog, a.out, false, [&](Console& console, Catalog& catalog) {
    std::vector<std::pair<std::string, StatusCheck>> checks;
    std::map<std::string, std::string> names;  // id -> name
    if (a.all) {
      Status listed = catalog.for_each_integration({}, [&](const Integration& i) {
        names[i.id] = i.spec.name;
        return true;
      });
      if (!listed.ok()) return fail(console, a.out, listed);
      auto all = catalog.check_integrations({}, a.concurrency, interrupt_token());
      if (!all.ok()) return fail(console, a.out, all.status());
      checks = std::move(*all);
    } else {
      auto integ = catalog.integration(a.name);
      if (!integ.ok()) return fail(console, a.out, integ.status());
      names[integ->id] = integ->spec.name;
      auto check = catalog.check_integration(integ->id, interrupt_token());
      if (!check.ok()) return fail(console, a.out, check.status());
      checks.emplace_back(integ->id, std::move(*check));
    }
    RunVerdict verdict;
    size_t disconnected = 0;
    std::vector<std::string> items;
    for (const auto& [id, check] : checks) {
      if (check.status != IntegrationStatus::Connected) {
        ++disconnected;
        if (verdict.exit_status == 0) {
          // Not connected is never success, whatever the reason says.
          ErrorCode code = check.status == IntegrationStatus::Checking ? ErrorCode::Conflict : code_of(check.reason);
          verdict.exit_status = error_code_exit_status(code == ErrorCode::Ok ? ErrorCode::Internal : code);
        }
      }
      if (a.out.json) {
        items.push_back(json_object({{"integration_id", json_string_value(id)},
                                     {"integration_name", json_string_value(names[id])},
                                     {"check", status_check_to_json(check)}}));
      } else if (!a.out.quiet || check.status != IntegrationStatus::Connected) {
        fmt::print("{}\n", check_line(names[id], check));
      }
    }
    if (a.out.json) print_json(json_object({{"checks", json_array(items)}}));
    if (disconnected > 0) {
      verdict.message = fmt::format("{} of {} integration{} not connected", disconnected, checks.size(),
                                    checks.size() == 1 ? "" : "s");
    }
    return conclude(console, verdict);
  });
}

// --- Registration -------------------------------------------------------------

void add_add(CLI::App& parent, Action& action) {
  auto a = std::make_shared<CatalogAddArgs>();
  CLI::App* cmd = parent.add_subcommand("add", "Register a storage integration in the catalog");
  cmd->add_option("NAME", a->spec.name, "Display name, unique in the catalog (case-insensitive)")
      ->required()
      ->type_name("");
  cmd->add_option("URL", a->spec.url, "Where its files are: s3://bucket/prefix, az://container, file:///dir, a path...")
      ->required()
      ->type_name("");
  cmd->add_option("--type", a->spec.type, "Folder type below external-files/ (default: from the URL)")
      ->type_name("TYPE");
  cmd->add_flag("--writeback", a->spec.writeback, "Allow writing back (default: read-only)");
  add_repeated_option(*cmd, "--selected-folder", a->spec.selected_folders,
                      "A remote folder connections cover by default (repeatable; default: all)")
      ->check(not_empty())
      ->type_name("FOLDER");
  add_repeated_option(*cmd, "--allowed-project", a->spec.allowed_projects,
                      "A project (id or name) that may use it (repeatable; default: every project)")
      ->type_name("PROJECT");
  add_repeated_option(*cmd, "--allowed-path", a->spec.allowed_paths,
                      "A remote path prefix it may reach (repeatable; default: everything)")
      ->check(not_empty())
      ->type_name("PATH");
  add_key_value_option(*cmd, "-o,--option", a->options, "Non-secret backend option KEY=VALUE to store (repeatable)");
  add_secret_flags(*cmd, a->secrets);
  add_catalog_flag(*cmd, a->catalog);
  add_output_flags(*cmd, a->out);
  set_examples(
      *cmd,
      {"cloudsync integrations add Sales s3://acme-sales/exports -o region=eu-west-1 \\",
       "    --secret access_key_id=env:SALES_KEY_ID --secret secret_access_key=env:SALES_SECRET",
       "cloudsync integrations add Shared /mnt/shared --writeback --allowed-project analysis",
       "printf '%s\\n' \"$TOKEN\" | cloudsync integrations add Drive gdrive://1AbC --secret-stdin refresh_token"},
      kSecretsHelp);
  cmd->callback([a, &action] { action = [a] { return run_add(*a); }; });
}

void add_list(CLI::App& parent, Action& action) {
  auto a = std::make_shared<CatalogListArgs>();
  CLI::App* cmd = parent.add_subcommand("list", "List the catalog's integrations, one per line");
  add_filter_flags(*cmd, a->filter);
  add_optional_count(*cmd, "--first", a->first, "Show at most N (default: all)");
  cmd->add_option("--skip", a->skip, "Skip the first N matches (creation order)")
      ->check(whole_number(0))
      ->type_name("N");
  add_catalog_flag(*cmd, a->catalog);
  add_output_flags(*cmd, a->out);
  set_examples(*cmd,
               {"cloudsync integrations list", "cloudsync integrations list --platform AWS --status DISCONNECTED",
                "cloudsync integrations list --project analysis --first 20 --skip 40 --json"},
               "With --json: {\"integrations\": [...], \"total\": N}, total counting every match.");
  cmd->callback([a, &action] { action = [a] { return run_list(*a); }; });
}

void add_get(CLI::App& parent, Action& action) {
  auto a = std::make_shared<GetArgs>();
  CLI::App* cmd = parent.add_subcommand("get", "Show one integration (its secrets by name only)");
  cmd->add_option("NAME", a->name, "The integration's name or id")->required()->type_name("");
  add_catalog_flag(*cmd, a->catalog);
  add_output_flags(*cmd, a->out);
  set_examples(*cmd, {"cloudsync integrations get Sales", "cloudsync integrations get 3f2a9c0d1e4b5a67 --json"},
               "With --json: {\"integration\": {...}, \"secret_names\": [...]}.");
  cmd->callback([a, &action] { action = [a] { return run_get(*a); }; });
}

void add_update(CLI::App& parent, Action& action) {
  auto a = std::make_shared<UpdateArgs>();
  CLI::App* cmd = parent.add_subcommand("update", "Change an integration; what is not given stays");
  cmd->add_option("NAME", a->name, "The integration's name or id")->required()->type_name("");
  cmd->add_option("--name", a->new_name, "Rename it")->type_name("NEW");
  cmd->add_option("--url", a->url, "Point it elsewhere")->type_name("URL");
  auto* wb = cmd->add_flag("--writeback", a->writeback, "Allow writing back");
  cmd->add_flag("--read-only", a->read_only, "Forbid writing back")->excludes(wb);
  add_repeated_option(*cmd, "--selected-folder", a->selected_folders, "Replace the selected folders (repeatable)")
      ->check(not_empty())
      ->type_name("FOLDER");
  add_repeated_option(*cmd, "--allowed-project", a->allowed_projects, "Replace the allowed projects (repeatable)")
      ->type_name("PROJECT");
  add_repeated_option(*cmd, "--allowed-path", a->allowed_paths, "Replace the allowed paths (repeatable)")
      ->check(not_empty())
      ->type_name("PATH");
  add_key_value_option(*cmd, "-o,--option", a->options, "Replace the stored options (repeatable)");
  add_secret_flags(*cmd, a->secrets);
  add_repeated_option(*cmd, "--clear", a->clear,
                      "Empty a list: selected-folders, allowed-projects, allowed-paths, "
                      "options or secrets (repeatable)")
      ->check(CLI::IsMember({"selected-folders", "allowed-projects", "allowed-paths", "options", "secrets"}))
      ->type_name("FIELD");
  add_catalog_flag(*cmd, a->catalog);
  add_output_flags(*cmd, a->out);
  set_examples(*cmd,
               {"cloudsync integrations update Sales --allowed-project analysis --allowed-project reporting",
                "cloudsync integrations update Sales --secret access_key_id=env:NEW_KEY_ID --secret "
                "secret_access_key=env:NEW_SECRET",
                "cloudsync integrations update Shared --read-only --clear allowed-paths"},
               "A repeatable option replaces the whole list (or map) when given. A change of URL, access, options,\n"
               "allowed paths or secrets sets the status back to UNCHECKED.\n" +
                   std::string(kSecretsHelp));
  cmd->callback([a, &action] {
    prepare_update(*a);
    action = [a] { return run_update(*a); };
  });
}

void add_remove(CLI::App& parent, Action& action) {
  auto a = std::make_shared<CatalogRemoveArgs>();
  CLI::App* cmd = parent.add_subcommand("remove", "Delete an integration from the catalog (no file is deleted)");
  cmd->add_option("NAME", a->name, "The integration's name or id")->required()->type_name("");
  cmd->add_flag("--force", a->force, "Also when projects are connected to it (their connections go too)");
  add_catalog_flag(*cmd, a->catalog);
  add_output_flags(*cmd, a->out);
  set_examples(*cmd, {"cloudsync integrations remove Shared", "cloudsync integrations remove Sales --force"});
  cmd->callback([a, &action] { action = [a] { return run_remove(*a); }; });
}

void add_check(CLI::App& parent, Action& action) {
  auto a = std::make_shared<CheckArgs>();
  CLI::App* cmd = parent.add_subcommand("check", "Probe integrations and record CONNECTED or DISCONNECTED");
  cmd->add_option("NAME", a->name, "The integration's name or id")->type_name("");
  cmd->add_flag("--all", a->all, "Check every integration");
  cmd->add_option("--concurrency", a->concurrency, "With --all: checks run at once")
      ->check(whole_number(1, kMaxTransfers))
      ->type_name("N")
      ->capture_default_str();
  add_run_option_flag(*cmd, a->catalog);
  add_catalog_flag(*cmd, a->catalog);
  add_output_flags(*cmd, a->out);
  set_examples(
      *cmd, {"cloudsync integrations check Sales", "cloudsync integrations check --all --concurrency 4 --json"},
      fmt::format("A check lists, reads and, with writeback, writes and deletes a probe object. One line per\n"
                  "integration: its status and, when DISCONNECTED, the reason and the missing permission.\n"
                  "The exit status is non-zero when any is not connected: that of the first one's reason\n"
                  "({} NOT_FOUND, {} MISSING_PERMISSION, {} credentials, {} UNREACHABLE).",
                  error_code_exit_status(ErrorCode::NotFound), error_code_exit_status(ErrorCode::PermissionDenied),
                  error_code_exit_status(ErrorCode::Unauthenticated), error_code_exit_status(ErrorCode::Network)));
  cmd->callback([a, &action] {
    if (a->all == !a->name.empty()) usage_error("check needs an integration NAME or --all (not both)");
    action = [a] { return run_check(*a); };
  });
}

}  // namespace

void add_integrations_command(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "integrations", "Manage the organisation's integrations in the shared catalog (see also: projects, connections)");
  cmd->require_subcommand(1);
  add_add(*cmd, action);
  add_list(*cmd, action);
  add_get(*cmd, action);
  add_update(*cmd, action);
  add_remove(*cmd, action);
  add_check(*cmd, action);
  set_examples(*cmd,
               {"cloudsync integrations add Archive /srv/archive", "cloudsync integrations check --all",
                "cloudsync integrations list --status DISCONNECTED"},
               std::string(kCatalogLocationHelp) +
                   "\n'cloudsync integration ...' (singular) manages a project's own integrations instead.");
}

}  // namespace cloudsync::cli
