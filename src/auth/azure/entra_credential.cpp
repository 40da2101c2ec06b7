#include "auth/azure/entra_credential.hpp"

#include <mutex>
#include <vector>

#include "auth/azure/azure_cli_credential.hpp"
#include "auth/azure/entra_app.hpp"
#include "auth/azure/managed_identity.hpp"
#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"

namespace cloudsync::auth {
namespace {

constexpr std::pair<EntraMethod, std::string_view> kMethodNames[] = {
    {EntraMethod::Default, "default"},
    {EntraMethod::ClientSecret, "client_secret"},
    {EntraMethod::ClientCertificate, "client_certificate"},
    {EntraMethod::WorkloadIdentity, "workload_identity"},
    {EntraMethod::ManagedIdentity, "managed_identity"},
    {EntraMethod::AzureCli, "azure_cli"},
};

// The settings with the environment filled in where the options are silent.
struct Resolved {
  EntraSettings s;
  std::string identity_endpoint;
  std::string identity_header;
  std::string imds_host;
  std::string path;
};

Resolved resolve(const EntraSettings& settings, const EnvLookup& env) {
  auto var = [&env](std::string_view name) {
    std::optional<std::string> value = env(name);
    return value ? std::string(trim(*value)) : std::string();
  };
  auto fill = [&](std::string& field, std::string_view name) {
    if (field.empty()) field = var(name);
  };
  Resolved r{settings, var("IDENTITY_ENDPOINT"), var("IDENTITY_HEADER"), var("AZURE_POD_IDENTITY_AUTHORITY_HOST"),
             var("PATH")};
  fill(r.s.tenant_id, "AZURE_TENANT_ID");
  fill(r.s.client_id, "AZURE_CLIENT_ID");
  fill(r.s.client_secret, "AZURE_CLIENT_SECRET");
  fill(r.s.client_certificate_path, "AZURE_CLIENT_CERTIFICATE_PATH");
  fill(r.s.client_certificate_password, "AZURE_CLIENT_CERTIFICATE_PASSWORD");
  fill(r.s.federated_token_file, "AZURE_FEDERATED_TOKEN_FILE");
  fill(r.s.authority_host, "AZURE_AUTHORITY_HOST");
  register_secret(r.s.client_secret);
  register_secret(r.s.client_certificate_password);
  register_secret(r.identity_header);
  return r;
}

EntraApp app_of(const Resolved& r) { return EntraApp{r.s.authority_host, r.s.tenant_id, r.s.client_id}; }

// InvalidArgument naming what a method lacks: the option and its variable.
Status require(const std::string& value, std::string_view method, std::string_view option, std::string_view var) {
  if (!value.empty()) return Status::OK();
  return make_error(ErrorCode::InvalidArgument, "credential={} needs {} (or {})", method, option, var);
}

Status require_app(const Resolved& r, std::string_view method) {
  CLOUDSYNC_RETURN_IF_ERROR(require(r.s.tenant_id, method, "tenant_id", "AZURE_TENANT_ID"));
  return require(r.s.client_id, method, "client_id", "AZURE_CLIENT_ID");
}

Result<std::unique_ptr<TokenSource>> client_secret(const Resolved& r, const TokenEndpointOptions& endpoint) {
  CLOUDSYNC_RETURN_IF_ERROR(require_app(r, "client_secret"));
  CLOUDSYNC_RETURN_IF_ERROR(require(r.s.client_secret, "client_secret", "client_secret", "AZURE_CLIENT_SECRET"));
  return make_client_secret_source(app_of(r), r.s.client_secret, endpoint);
}

Result<std::unique_ptr<TokenSource>> client_certificate(const Resolved& r, const TokenEndpointOptions& endpoint) {
  CLOUDSYNC_RETURN_IF_ERROR(require_app(r, "client_certificate"));
  CLOUDSYNC_RETURN_IF_ERROR(require(r.s.client_certificate_path, "client_certificate", "client_certificate_path",
                                    "AZURE_CLIENT_CERTIFICATE_PATH"));
  CLOUDSYNC_ASSIGN_OR_RETURN(ClientCertificate cert,
                             load_client_certificate(r.s.client_certificate_path, r.s.client_certificate_password));
  return make_client_certificate_source(app_of(r), std::move(cert), endpoint);
}

Result<std::unique_ptr<TokenSource>> workload_identity(const Resolved& r, const TokenEndpointOptions& endpoint) {
  CLOUDSYNC_RETURN_IF_ERROR(require_app(r, "workload_identity"));
  CLOUDSYNC_RETURN_IF_ERROR(
      require(r.s.federated_token_file, "workload_identity", "federated_token_file", "AZURE_FEDERATED_TOKEN_FILE"));
  return make_workload_identity_source(app_of(r), r.s.federated_token_file, endpoint);
}

Result<std::unique_ptr<TokenSource>> managed_identity(const Resolved& r, const TokenEndpointOptions& endpoint,
                                                      const http::ClientOptions& client) {
  ManagedIdentityOptions options;
  options.client_id = r.s.client_id;
  options.identity_endpoint = r.identity_endpoint;
  options.identity_header = r.identity_header;
  options.imds_host = r.imds_host;
  TokenEndpointOptions own = endpoint;
  if (options.identity_endpoint.empty() || options.identity_header.empty()) own.transport = nullptr;
  return make_managed_identity_source(std::move(options), std::move(own), client);
}

Result<std::unique_ptr<TokenSource>> azure_cli(const Resolved& r) {
  AzureCliOptions options;
  options.search_path = r.path;
  return make_azure_cli_source(std::move(options));
}

// DefaultAzureCredential: the members that apply, tried in order; the first
// that gives a token is kept.
class ChainedTokenSource final : public TokenSource {
 public:
  struct Member {
    std::string name;
    std::unique_ptr<TokenSource> source;  ///< null: not applicable, `why_not` says why
    std::string why_not;
  };
  explicit ChainedTokenSource(std::vector<Member> members) : members_(std::move(members)) {}

  Result<AccessToken> fetch(const OpContext& ctx, TimePoint now) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (chosen_ != nullptr) return chosen_->fetch(ctx, now);
    }
    std::vector<std::string> failures;
    for (Member& member : members_) {
      if (!member.source) {
        failures.push_back(member.name + ": " + member.why_not);
        continue;
      }
      Result<AccessToken> token = member.source->fetch(ctx, now);
      if (token.ok()) {
        log(LogLevel::Info, "azure: signed in with {} ({})", member.name, member.source->describe());
        std::lock_guard<std::mutex> lock(mutex_);
        chosen_ = member.source.get();
        return token;
      }
      if (token.status().code() == ErrorCode::Cancelled) return token;
      failures.push_back(member.name + ": " + token.status().message());
    }
    // One line: terminals and logs escape newlines inside a message.
    std::string message = "no Microsoft Entra ID credential worked (DefaultAzureCredential order)";
    for (size_t i = 0; i < failures.size(); ++i) message += (i == 0 ? ": " : "; ") + failures[i];
    return make_error(ErrorCode::Unauthenticated, "{}", redact(message));
  }

  std::string describe() const override { return "DefaultAzureCredential chain"; }

 private:
  std::vector<Member> members_;
  std::mutex mutex_;
  TokenSource* chosen_ = nullptr;
};

ChainedTokenSource::Member member(std::string name, Result<std::unique_ptr<TokenSource>> made) {
  if (made.ok()) return {std::move(name), std::move(made).value(), {}};
  return {std::move(name), nullptr, std::string(made.status().message())};
}

Result<std::unique_ptr<TokenSource>> default_chain(const Resolved& r, const TokenEndpointOptions& endpoint,
                                                   const http::ClientOptions& client) {
  std::vector<ChainedTokenSource::Member> members;
  const bool app = !r.s.tenant_id.empty() && !r.s.client_id.empty();
  if (app && !r.s.client_secret.empty()) {
    members.push_back(member("EnvironmentCredential (client secret)", client_secret(r, endpoint)));
  } else if (app && !r.s.client_certificate_path.empty()) {
    members.push_back(member("EnvironmentCredential (client certificate)", client_certificate(r, endpoint)));
  } else {
    members.push_back({"EnvironmentCredential", nullptr,
                       "not configured (needs AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or "
                       "AZURE_CLIENT_CERTIFICATE_PATH)"});
  }
  if (app && !r.s.federated_token_file.empty()) {
    members.push_back(member("WorkloadIdentityCredential", workload_identity(r, endpoint)));
  } else {
    members.push_back({"WorkloadIdentityCredential", nullptr,
                       "not configured (needs AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID and AZURE_CLIENT_ID)"});
  }
  members.push_back(member("ManagedIdentityCredential", managed_identity(r, endpoint, client)));
  members.push_back(member("AzureCliCredential", azure_cli(r)));
  return std::unique_ptr<TokenSource>(std::make_unique<ChainedTokenSource>(std::move(members)));
}

}  // namespace

Result<EntraMethod> parse_entra_method(std::string_view name) {
  for (const auto& [method, spelled] : kMethodNames) {
    if (spelled == name) return method;
  }
  return make_error(ErrorCode::InvalidArgument,
                    "unknown credential '{}': use default, client_secret, client_certificate, workload_identity, "
                    "managed_identity or azure_cli",
                    name);
}

std::string_view entra_method_name(EntraMethod method) {
  for (const auto& [m, spelled] : kMethodNames) {
    if (m == method) return spelled;
  }
  return "default";
}

Result<std::unique_ptr<TokenSource>> make_entra_source(const EntraSettings& settings, const EnvLookup& env,
                                                       const TokenEndpointOptions& endpoint,
                                                       const http::ClientOptions& client) {
  Resolved r = resolve(settings, env);
  switch (r.s.method) {
    case EntraMethod::ClientSecret: return client_secret(r, endpoint);
    case EntraMethod::ClientCertificate: return client_certificate(r, endpoint);
    case EntraMethod::WorkloadIdentity: return workload_identity(r, endpoint);
    case EntraMethod::ManagedIdentity: return managed_identity(r, endpoint, client);
    case EntraMethod::AzureCli: return azure_cli(r);
    case EntraMethod::Default: break;
  }
  return default_chain(r, endpoint, client);
}

}  // namespace cloudsync::auth
