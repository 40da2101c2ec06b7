#include "cli_common.hpp"

#include "cloudsync/size.hpp"

namespace cloudsync::cli {

void add_output_flags(CLI::App& cmd, OutputFlags& flags, bool with_json) {
  if (with_json) cmd.add_flag("--json", flags.json, "Print one JSON document on stdout instead of text");
  cmd.add_flag("-q,--quiet", flags.quiet, "Print no progress and no summary, only problems");
  cmd.add_flag("-v,--verbose", flags.verbose,
               "Print the library's log lines on stderr (repeat for more: -v info, -vv debug, -vvv trace)");
  cmd.add_option("--log-file", flags.log_file,
                 "Append log lines and errors to PATH, with UTC timestamps, instead of stderr (at least -v's)")
      ->type_name("PATH");
}

CLI::Option* add_repeated_option(CLI::App& cmd, const std::string& names, std::vector<std::string>& into,
                                 const std::string& help) {
  return cmd.add_option(names, into, help)->expected(1)->take_all()->allow_extra_args(false);
}

CLI::Option* add_key_value_option(CLI::App& cmd, const std::string& names, std::vector<std::string>& into,
                                  const std::string& help) {
  CLI::Validator key_value(
      [](std::string& text) -> std::string {
        size_t eq = text.find('=');
        if (eq == std::string::npos || eq == 0)
          return "expected KEY=VALUE";  // the text is not echoed: it may be a secret
        return {};
      },
      "");
  return add_repeated_option(cmd, names, into, help)->check(key_value)->type_name("KEY=VALUE");
}

BackendOptions to_backend_options(const std::vector<std::string>& pairs) {
  BackendOptions out;
  for (const std::string& pair : pairs) {
    size_t eq = pair.find('=');
    out[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return out;
}

void add_optional_count(CLI::App& cmd, const std::string& names, OptionalCount& into, const std::string& help) {
  into.option = cmd.add_option(names, into.value, help)->check(whole_number(0))->type_name("N");
}

CLI::Validator whole_number(uint64_t min, uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        bool digits = !text.empty() && text.size() <= 19 && text.find_first_not_of("0123456789") == std::string::npos;
        uint64_t value = digits ? std::stoull(text) : 0;
        if (!digits || value < min || value > max) {
          return max == UINT64_MAX
                     ? "expected a whole number of at least " + std::to_string(min)
                     : "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max);
        }
        return {};
      },
      "");
}

CLI::Validator byte_size() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        auto bytes = parse_size(text);
        if (!bytes.ok()) return bytes.status().message();
        text = std::to_string(*bytes);
        return {};
      },
      "");
}

CLI::Validator not_empty() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text.find_first_not_of("/ \t") == std::string::npos) {
          return "an empty value ('" + text + "') is not allowed: it would select everything";
        }
        return {};
      },
      "");
}

void set_examples(CLI::App& cmd, std::initializer_list<std::string_view> lines, std::string_view notes) {
  std::string text = "\n";
  if (!notes.empty()) {
    text.append(notes);
    text.append("\n\n");
  }
  text.append("Examples:\n");
  for (std::string_view line : lines) {
    text.append("  ");
    text.append(line);
    text.append("\n");
  }
  cmd.footer(text);
}

void usage_error(const std::string& message) { throw CLI::ValidationError(message); }

}  // namespace cloudsync::cli
