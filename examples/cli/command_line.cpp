#include "command_line.hpp"

#include <algorithm>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "cloudsync/backend_options.hpp"

namespace cloudsync::cli {

namespace {

// -v, -vv, -vvv, --verbose.
bool is_verbose_flag(std::string_view word) {
  return word == "--verbose" ||
         (word.size() >= 2 && word[0] == '-' && word.find_first_not_of('v', 1) == std::string_view::npos);
}

// How many words a global flag takes at args[i] (0: it is not one).
size_t global_flag_words(const std::vector<std::string>& args, size_t i) {
  std::string_view word = args[i];
  if (is_verbose_flag(word) || word == "-q" || word == "--quiet" || word == "--json" ||
      word.starts_with("--log-file=")) {
    return 1;
  }
  if (word == "--log-file") return i + 1 < args.size() ? 2 : 1;
  return 0;
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  return names;
}

const CLI::App* find_subcommand(const CLI::App& app, std::string_view name) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

[[noreturn]] void unknown_command(std::string_view parent, std::string_view word,
                                  const std::vector<std::string>& names) {
  std::vector<std::string_view> known(names.begin(), names.end());
  std::optional<std::string_view> closest = closest_name(word, known);
  std::string prefix = parent.empty() ? std::string() : std::string(parent) + " ";
  if (closest) {
    usage_error(fmt::format("unknown command '{}{}'; did you mean '{}{}'?", prefix, word, prefix, *closest));
  }
  usage_error(fmt::format("unknown command '{}{}' (commands: {})", prefix, word, fmt::join(names, ", ")));
}

}  // namespace

std::vector<std::string> prepare_arguments(const CLI::App& app, std::vector<std::string> args) {
  // Global flags before the first command word.
  std::vector<std::string> globals;
  size_t i = 0;
  while (i < args.size() && args[i].starts_with("-")) {
    size_t n = global_flag_words(args, i);
    if (n == 0) return args;  // --help, --version or a mistake: CLI11 answers
    globals.insert(globals.end(), args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i + n));
    i += n;
  }
  args.erase(args.begin(), args.begin() + static_cast<long>(i));
  if (args.empty()) return globals;

  // "help --help" and "version --help" describe those commands themselves.
  bool asks_help = args.size() > 1 && (args[1] == "--help" || args[1] == "-h");
  if (args[0] == "version") return asks_help ? args : std::vector<std::string>{"--version"};
  bool help = args[0] == "help" && !asks_help;
  if (help) args.erase(args.begin());

  // The command path: each word names a subcommand of the one before, as long
  // as that one has subcommands.
  const CLI::App* cur = &app;
  std::string path;
  size_t depth = 0;
  while (depth < args.size()) {
    std::vector<std::string> names = subcommand_names(*cur);
    if (names.empty() || args[depth].starts_with("-")) break;
    const CLI::App* next = find_subcommand(*cur, args[depth]);
    if (next == nullptr) {
      // "integration add NAME": below a command that runs by itself, a word is an argument.
      if (cur != &app && cur->get_require_subcommand_min() == 0) break;
      unknown_command(path, args[depth], names);
    }
    path += (path.empty() ? "" : " ") + args[depth];
    cur = next;
    ++depth;
  }
  if (help) {
    args.resize(depth);
    args.push_back("--help");
    return args;
  }
  args.insert(args.begin() + static_cast<long>(depth), globals.begin(), globals.end());
  return args;
}

}  // namespace cloudsync::cli
