#include "auth/aws/aws_credential_process.hpp"

#include <cstdlib>
#include <optional>

#include "auth/aws/aws_credentials_http.hpp"
#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/redact.hpp"
#include "core/subprocess.hpp"
#include "core/time.hpp"

namespace cloudsync::auth {

namespace {

// A credentials document is a few KiB; more is not one.
constexpr size_t kMaxOutputBytes = 1 << 20;
constexpr size_t kMaxStderrQuoted = 300;

// Runs `argv` (no shell; the program looked up in PATH) with stdin from
// /dev/null, bounded by `timeout` and cancellable.
Result<ProgramResult> run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, const OpContext& ctx,
                          std::string_view what) {
  ProgramRun run;
  run.argv = argv;
  const char* path = std::getenv("PATH");
  if (std::optional<std::string> found = find_program(argv.front(), path != nullptr ? path : "")) {
    run.argv.front() = *found;
  }
  run.timeout = timeout;
  run.max_output = kMaxOutputBytes;
  run.cancelled = [&ctx] { return ctx.cancelled(); };
  Result<ProgramResult> ran = run_program(run);
  if (ran.ok()) register_secret(trim(ran->out));  // whatever it was, it is not shown
  if (!ran.ok()) {
    switch (ran.status().code()) {
      case ErrorCode::Cancelled: return make_error(ErrorCode::Cancelled, "{}: cancelled", what);
      case ErrorCode::Timeout:
        return make_error(ErrorCode::Timeout, "{}: '{}' did not finish within {} ms and was stopped", what, argv[0],
                          timeout.count());
      case ErrorCode::NotFound:
        return make_error(ErrorCode::Unauthenticated, "{}: cannot run '{}': {}", what, argv[0], ran.status().message());
      default: return ran.status().with_context(what);
    }
  }
  if (ran->truncated) {
    return make_error(ErrorCode::Unauthenticated, "{}: '{}' wrote more than {} bytes", what, argv[0], kMaxOutputBytes);
  }
  return ran;
}

class CredentialProcessSource final : public AwsCredentialsSource {
 public:
  explicit CredentialProcessSource(CredentialProcessOptions options) : options_(std::move(options)) {}

  Result<AwsCredentials> fetch(const OpContext& ctx, TimePoint /*now*/) override {
    const std::string& what = options_.description;
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<std::string> argv, split_command_line(options_.command));
    CLOUDSYNC_ASSIGN_OR_RETURN(ProgramResult result, run(argv, options_.timeout, ctx, what));
    if (result.exit_code != 0) {
      std::string_view err = trim(result.err);
      err = err.substr(0, err.find('\n'));
      if (err.size() > kMaxStderrQuoted) err = err.substr(0, kMaxStderrQuoted);
      return make_error(ErrorCode::Unauthenticated, "{}: '{}' exited with status {}{}{}", what, argv[0],
                        result.exit_code, err.empty() ? "" : ": ", err);
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
