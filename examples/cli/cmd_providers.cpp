// cloudsync providers [SCHEME]: the URL schemes this build opens and the
// backend options (-o KEY=VALUE) each takes, read from the providers' own
// option tables (cloudsync/backend_options.hpp), so the help cannot drift from
// what open_backend() accepts. The main --help lists the option names too.
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cloudsync/backend_options.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "json_output.hpp"
#include "outcome.hpp"

namespace cloudsync::cli {

namespace {

// Continuation lines of the option lists start under the first name.
constexpr size_t kSchemeColumn = 10;
constexpr size_t kHelpWidth = 110;

struct ProvidersArgs {
  std::string scheme;
  OutputFlags out;
};

// "enum: auto|path|virtual", "integer 1..100", "size".
std::string kind_text(const BackendOption& o) {
  std::string text(backend_option_kind_name(o.kind));
  if (o.kind == BackendOptionKind::Enum) {
    text += ":";
    for (size_t i = 0; i < o.choices.size(); ++i) text += (i == 0 ? " " : "|") + o.choices[i];
  } else if (o.kind == BackendOptionKind::Integer || o.kind == BackendOptionKind::Milliseconds) {
    text += fmt::format(" {}..{}", o.min, o.max);
  }
  return text;
}

std::string option_json(const BackendOption& o) {
  std::vector<std::pair<std::string_view, std::string>> members{
      {"name", json_string_value(o.name)},
      {"kind", json_string_value(backend_option_kind_name(o.kind))},
      {"default", json_string_value(o.default_value)},
      {"secret", o.secret ? "true" : "false"},
      {"help", json_string_value(o.help)}};
  if (o.kind == BackendOptionKind::Enum) members.emplace_back("choices", json_strings(o.choices));
  if (o.kind == BackendOptionKind::Integer || o.kind == BackendOptionKind::Milliseconds) {
    members.emplace_back("min", std::to_string(o.min));
    members.emplace_back("max", std::to_string(o.max));
  }
  return json_object(members);
}

std::string provider_json(const BackendProvider& p) {
  std::vector<std::string> options;
  for (const BackendOption& o : p.options) options.push_back(option_json(o));
  return json_object({{"scheme", json_string_value(p.scheme)},
                      {"url", json_string_value(p.url_form)},
                      {"title", json_string_value(p.title)},
                      {"options", json_array(options)}});
}

void print_provider(const BackendProvider& p) {
  fmt::print("{}: {} ({})\n", p.scheme, p.title, p.url_form);
  if (p.options.empty()) fmt::print("  no options\n");
  for (const BackendOption& o : p.options) {
    std::string facts = kind_text(o);
    if (!o.default_value.empty()) facts += ", default " + o.default_value;
    if (o.secret) facts += ", secret";
    fmt::print("  {:<22} {}\n  {:<22} {}\n", o.name, facts, "", o.help);
  }
}

int run_providers(const ProvidersArgs& a) {
  std::vector<const BackendProvider*> shown;
  if (a.scheme.empty()) {
    for (const BackendProvider& p : backend_providers()) shown.push_back(&p);
  } else if (const BackendProvider* p = find_backend_provider(a.scheme)) {
    shown.push_back(p);
  } else {
    Console console(a.out);
    std::string message = fmt::format("no provider for URL scheme '{}' in this build", a.scheme);
    return fail(console, a.out, Status(ErrorCode::InvalidArgument, message));
  }
  if (a.out.json) {
    std::vector<std::string> providers;
    for (const BackendProvider* p : shown) providers.push_back(provider_json(*p));
    print_json(json_object({{"providers", json_array(providers)}}));
    return 0;
  }
  for (size_t i = 0; i < shown.size(); ++i) {
    if (i > 0) fmt::print("\n");
    print_provider(*shown[i]);
  }
  return 0;
}

}  // namespace

std::string provider_options_help() {
  std::string text =
      "Backend options, -o KEY=VALUE per URL scheme (* marks a secret: never stored; see 'integrations add --help'):\n";
  for (const BackendProvider& p : backend_providers()) {
    std::string line = fmt::format("  {:<{}}", p.scheme, kSchemeColumn - 2);
    if (p.options.empty()) line += "(none)";
    for (size_t i = 0; i < p.options.size(); ++i) {
      std::string item = p.options[i].name + (p.options[i].secret ? "*" : "") + (i + 1 < p.options.size() ? "," : "");
      if (line.size() > kSchemeColumn && line.size() + 1 + item.size() > kHelpWidth) {
        text += line + "\n";
        line = std::string(kSchemeColumn, ' ');
      } else if (line.size() > kSchemeColumn) {
        line += " ";
      }
      line += item;
    }
    text += line + "\n";
  }
  text += "Run 'cloudsync providers [SCHEME]' for each option's kind, default and meaning.\n";
  return text;
}

void add_providers_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<ProvidersArgs>();
  CLI::App* cmd =
      app.add_subcommand("providers", "List the URL schemes this build opens and the backend options each takes");
  cmd->add_option("SCHEME", a->scheme, "Only this scheme's provider (file, mem, s3, az, gdrive)")->type_name("");
  add_output_flags(*cmd, a->out);
  set_examples(*cmd, {"cloudsync providers", "cloudsync providers s3", "cloudsync providers --json"},
               "Each option: its name, kind, default (when it has one), whether it is a secret, and what it does.\n"
               "Give options as -o KEY=VALUE; secrets are given through the environment or, for a catalog's\n"
               "integrations, with --secret / --secret-stdin, never stored in a catalog or project.");
  cmd->callback([a, &action] { action = [a] { return run_providers(*a); }; });
}

}  // namespace cloudsync::cli
