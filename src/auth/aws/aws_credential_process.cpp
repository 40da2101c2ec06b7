#include "auth/aws/aws_credential_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "auth/aws/aws_credentials_http.hpp"
#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"

extern char** environ;

namespace cloudsync::auth {

namespace {

// A credentials document is a few KiB; more is not one.
constexpr size_t kMaxOutputBytes = 1 << 20;
constexpr size_t kMaxStderrQuoted = 300;
// How often a waiting run looks at cancellation.
constexpr int kPollSliceMs = 50;

struct Pipe {
  int fds[2] = {-1, -1};
  ~Pipe() {
    for (int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
  }
  void close_end(int i) {
    if (fds[i] >= 0) ::close(fds[i]);
    fds[i] = -1;
  }
};

struct RunResult {
  std::string out;
  std::string err;
  int exit_status = 0;  ///< the exit code, or 128 + signal
};

// Runs `argv` with stdin from /dev/null, reading stdout and stderr until both
// close or `timeout` passes (then the child is killed).
Result<RunResult> run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, const OpContext& ctx,
                      std::string_view what) {
  Pipe out, err;
  if (::pipe2(out.fds, O_CLOEXEC) != 0 || ::pipe2(err.fds, O_CLOEXEC) != 0) {
    return make_error(ErrorCode::Internal, "{}: pipe: {}", what, std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err.fds[1], 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Its own process group, so that a timeout stops what it started too.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) {
    return make_error(ErrorCode::Unauthenticated, "{}: cannot run '{}': {}", what, argv[0], std::strerror(rc));
  }
  out.close_end(1);
  err.close_end(1);

  RunResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false, cancelled = false, too_long = false;
  std::array<pollfd, 2> polls{pollfd{out.fds[0], POLLIN, 0}, pollfd{err.fds[0], POLLIN, 0}};
  while (polls[0].fd >= 0 || polls[1].fd >= 0) {
    if (ctx.cancelled()) {
      cancelled = true;
      break;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    int n = ::poll(polls.data(), polls.size(), static_cast<int>(std::min<int64_t>(left.count(), kPollSliceMs)));
    if (n < 0 && errno != EINTR) break;
    for (size_t i = 0; i < polls.size(); ++i) {
      if (polls[i].fd < 0 || polls[i].revents == 0) continue;
      char buf[4096];
      ssize_t got = ::read(polls[i].fd, buf, sizeof buf);
      if (got <= 0) {
        polls[i].fd = -1;
        continue;
      }
      std::string& target = i == 0 ? result.out : result.err;
      target.append(buf, static_cast<size_t>(got));
      if (target.size() > kMaxOutputBytes) too_long = true;
    }
    if (too_long) break;
  }
  if (timed_out || cancelled || too_long) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  register_secret(trim(result.out));  // whatever it was, it is not shown
  if (cancelled) return make_error(ErrorCode::Cancelled, "{}: cancelled", what);
  if (timed_out) {
    return make_error(ErrorCode::Timeout, "{}: '{}' did not finish within {} ms and was stopped", what, argv[0],
                      timeout.count());
  }
  if (too_long) {
    return make_error(ErrorCode::Unauthenticated, "{}: '{}' wrote more than {} bytes", what, argv[0], kMaxOutputBytes);
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

class CredentialProcessSource final : public AwsCredentialsSource {
 public:
  explicit CredentialProcessSource(CredentialProcessOptions options) : options_(std::move(options)) {}

  Result<AwsCredentials> fetch(const OpContext& ctx, TimePoint /*now*/) override {
    const std::string& what = options_.description;
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<std::string> argv, split_command_line(options_.command));
    CLOUDSYNC_ASSIGN_OR_RETURN(RunResult result, run(argv, options_.timeout, ctx, what));
    if (result.exit_status != 0) {
      std::string_view err = trim(result.err);
      err = err.substr(0, err.find('\n'));
      if (err.size() > kMaxStderrQuoted) err = err.substr(0, kMaxStderrQuoted);
      return make_error(ErrorCode::Unauthenticated, "{}: '{}' exited with status {}{}{}", what, argv[0],
                        result.exit_status, err.empty() ? "" : ": ", err);
    }
    return parse_credential_process_output(result.out, what);
  }
  std::string describe() const override { return options_.description; }

 private:
  CredentialProcessOptions options_;
};

}  // namespace

Result<std::vector<std::string>> split_command_line(std::string_view command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\' && i + 1 < command.size()) {
      word.push_back(command[++i]);
    } else if (c == '\'' || c == '"') {
      size_t end = i + 1;
      for (; end < command.size() && command[end] != c; ++end) {
        // Inside double quotes a backslash escapes only $ ` " \ and newline.
        if (c == '"' && command[end] == '\\' && end + 1 < command.size() &&
            std::string_view("$`\"\\\n").find(command[end + 1]) != std::string_view::npos) {
          ++end;
        }
        word.push_back(command[end]);
      }
      if (end >= command.size()) {
        return make_error(ErrorCode::InvalidArgument, "credential_process has an unterminated {} quote",
                          c == '"' ? "double" : "single");
      }
      i = end;
    } else {
      word.push_back(c);
    }
  }
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) return make_error(ErrorCode::InvalidArgument, "credential_process is empty");
  return words;
}

Result<AwsCredentials> parse_credential_process_output(std::string_view output, std::string_view what) {
  Result<rapidjson::Document> doc = parse_json(output, what);
  if (!doc.ok() || !doc->IsObject()) {
    return make_error(ErrorCode::Unauthenticated, "{}: the output is not a JSON object", what);
  }
  auto version = doc->FindMember("Version");
  if (version == doc->MemberEnd() || !version->value.IsInt() || version->value.GetInt() != 1) {
    return make_error(ErrorCode::Unsupported, "{}: the output must have \"Version\": 1", what);
  }
  CredentialFields fields;
  fields.session_token = "SessionToken";
  Result<AwsCredentials> credentials = credentials_from_json(output, fields, nullptr, what);
  if (!credentials.ok()) return Status(ErrorCode::Unauthenticated, credentials.status().message());
  return credentials;
}

std::unique_ptr<AwsCredentialsSource> make_credential_process_source(CredentialProcessOptions options) {
  return std::make_unique<CredentialProcessSource>(std::move(options));
}

}  // namespace cloudsync::auth
