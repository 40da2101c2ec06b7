#include "auth/azure/azure_cli_credential.hpp"

#include <ctime>

#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/redact.hpp"
#include "core/subprocess.hpp"
#include "core/time.hpp"

namespace cloudsync::auth {
namespace {

constexpr std::string_view kWhat = "the Azure CLI";

// "2024-05-01 12:34:56.123456", in the machine's local time zone.
std::optional<TimePoint> parse_local_time(const std::string& text) {
  std::tm tm{};
  if (std::sscanf(text.c_str(), "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec) != 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_isdst = -1;
  std::time_t t = std::mktime(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return TimePoint(std::chrono::seconds(t));
}

class AzureCliSource final : public TokenSource {
 public:
  AzureCliSource(AzureCliOptions options, std::string program)
      : options_(std::move(options)), program_(std::move(program)) {}

  Result<AccessToken> fetch(const OpContext& /*ctx*/, TimePoint now) override {
    ProgramRun run;
    run.argv = {program_, "account", "get-access-token", "--resource", options_.resource, "--output", "json"};
    if (!options_.tenant_id.empty()) {
      run.argv.push_back("--tenant");
      run.argv.push_back(options_.tenant_id);
    }
    run.timeout = options_.timeout;
    Result<ProgramResult> ran = run_program(run);
    if (!ran.ok()) return ran.status().with_context(kWhat);
    if (ran->exit_code != 0) {
      std::string said(trim(redact(ran->err)));
      if (said.find("az login") != std::string::npos) {
        return make_error(ErrorCode::Unauthenticated, "{}: nobody is signed in; run 'az login'", kWhat);
      }
      if (said.size() > 400) said = said.substr(0, 400) + "...";
      return make_error(ErrorCode::Unauthenticated, "{}: 'az account get-access-token' failed (exit {}): {}", kWhat,
                        ran->exit_code, said);
    }
    return parse_azure_cli_token(ran->out, now);
  }

  std::string describe() const override { return "the Azure CLI (" + program_ + ")"; }

 private:
  const AzureCliOptions options_;
  const std::string program_;
};

}  // namespace

Result<AccessToken> parse_azure_cli_token(std::string_view json, TimePoint now) {
  Result<rapidjson::Document> doc = parse_json(json, kWhat);
  if (!doc.ok() || !doc->IsObject()) {
    return make_error(ErrorCode::BadResponse, "{}: the answer of 'az account get-access-token' is not a JSON object",
                      kWhat);
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<std::string> value, json_string(*doc, "accessToken", kWhat));
  if (value) register_secret(*value);
  if (!value || value->empty()) return make_error(ErrorCode::BadResponse, "{}: the answer has no accessToken", kWhat);
  AccessToken token;
  token.value = std::move(*value);
  std::optional<TimePoint> expires;
  auto on = doc->FindMember("expires_on");
  if (on != doc->MemberEnd() && on->value.IsInt64()) expires = TimePoint(std::chrono::seconds(on->value.GetInt64()));
  if (!expires) {
    CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<std::string> local, json_string(*doc, "expiresOn", kWhat));
    if (local) expires = parse_local_time(*local);
  }
  if (!expires) return make_error(ErrorCode::BadResponse, "{}: the answer has no expires_on or expiresOn", kWhat);
  // Carried over to the cache's clock: the CLI speaks in system time.
  token.expires_at = now + std::chrono::duration_cast<std::chrono::nanoseconds>(*expires - now_utc());
  return token;
}

Result<std::unique_ptr<TokenSource>> make_azure_cli_source(AzureCliOptions options) {
  std::optional<std::string> program = find_program("az", options.search_path);
  if (!program) {
    return make_error(ErrorCode::Unauthenticated, "{}: 'az' is not on PATH (install the Azure CLI and run 'az login')",
                      kWhat);
  }
  return std::unique_ptr<TokenSource>(std::make_unique<AzureCliSource>(std::move(options), std::move(*program)));
}

}  // namespace cloudsync::auth
