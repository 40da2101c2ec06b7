#include "support/command.hpp"

#include <sys/wait.h>

#include <cstdlib>

#include "support/test_util.hpp"

namespace cloudsync::test {

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int run_command(const std::string& command, const std::map<std::string, std::string>& env, std::string& output) {
  TempDir dir;
  std::string script;
  for (const auto& [name, value] : env) script += "export " + name + "=" + shell_quote(value) + "\n";
  script += command + " >" + shell_quote((dir / "out").string()) + " 2>&1\n";
  write_file(dir / "run.sh", script);
  int rc = std::system(("bash " + shell_quote((dir / "run.sh").string())).c_str());
  output = read_file(dir / "out");
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace cloudsync::test
