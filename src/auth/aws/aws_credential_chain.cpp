#include "auth/aws/aws_credential_chain.hpp"

#include <charconv>
#include <set>
#include <vector>

#include "auth/aws/aws_container_credentials.hpp"
#include "auth/aws/aws_credential_process.hpp"
#include "auth/aws/aws_credentials_http.hpp"
#include "auth/aws/aws_instance_metadata.hpp"
#include "auth/aws/aws_sso.hpp"
#include "auth/aws/aws_sts.hpp"
#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/redact.hpp"

namespace cloudsync::auth {

namespace {

using Provider = std::shared_ptr<AwsCredentialsProvider>;

// Profile settings of methods cloudsync does not implement, with why.
struct UnsupportedSetting {
  std::string_view setting;
  std::string_view why;
};
constexpr UnsupportedSetting kUnsupported[] = {
    {"mfa_serial", "it needs an MFA code typed in; use credentials from `aws sts get-session-token` instead"},
    {"login_session", "use `aws configure export-credentials` as a credential_process instead"},
};

bool has(const ProfileSettings& settings, std::string_view key) {
  auto it = settings.find(std::string(key));
  return it != settings.end() && !it->second.empty();
}

class ChainResolver {
 public:
  ChainResolver(const AwsCredentialChainOptions& options, const AwsEnvironment& env, const AwsConfigFiles& files)
      : options_(options), env_(env), files_(files) {}

  Result<Provider> resolve(const AwsProfile& profile) {
    // 0. explicit keys
    const AwsCredentials& keys = options_.keys;
    if (!keys.access_key_id.empty() || !keys.secret_access_key.empty()) {
      if (keys.access_key_id.empty() || keys.secret_access_key.empty()) {
        return make_error(ErrorCode::InvalidArgument,
                          "AWS credentials need both access_key_id and secret_access_key (only one was given)");
      }
      return static_provider(keys, options_.keys_description);
    }
    // 1. the environment
    if (profile.explicit_name) {
      tried_.push_back(fmt::format("environment keys: skipped, {} was named explicitly", profile.describe()));
    } else {
      CLOUDSYNC_ASSIGN_OR_RETURN(Provider env, environment_keys());
      if (env) return env;
    }
    // 2.-7. the profile
    std::set<std::string> visited;
    CLOUDSYNC_ASSIGN_OR_RETURN(Provider from_profile, profile_methods(profile, visited, true));
    if (from_profile) return from_profile;
    // 8. the container endpoint
    CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<ContainerEndpoint> container, container_endpoint_from(env_));
    if (container) return cached(make_container_source(std::move(*container), http()));
    tried_.push_back("container endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI are not set");
    // 9. instance metadata
    CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<InstanceMetadataOptions> imds,
                               instance_metadata_options_from(env_, profile));
    if (!imds) {
      tried_.push_back("instance metadata: AWS_EC2_METADATA_DISABLED is true");
      return make_error(ErrorCode::Unauthenticated, "{}", nothing_found());
    }
    return cached(std::make_unique<LastResortSource>(
        make_instance_metadata_source(std::move(*imds), options_.transport, options_.client), nothing_found()));
  }

 private:
  // Instance metadata is tried last, when nothing else applied: its failure
  // (nothing listening, no role) means "no credentials anywhere", and says
  // what else was tried.
  class LastResortSource final : public AwsCredentialsSource {
   public:
    LastResortSource(std::unique_ptr<AwsCredentialsSource> inner, std::string tried)
        : inner_(std::move(inner)), tried_(std::move(tried)) {}
    Result<AwsCredentials> fetch(const OpContext& ctx, TimePoint now) override {
      Result<AwsCredentials> out = inner_->fetch(ctx, now);
      if (out.ok() || out.status().code() == ErrorCode::Cancelled) return out;
      return make_error(ErrorCode::Unauthenticated, "{}; {}", tried_, out.status().message());
    }
    std::string describe() const override { return inner_->describe(); }

   private:
    std::unique_ptr<AwsCredentialsSource> inner_;
    std::string tried_;
  };

  std::string nothing_found() const {
    std::string list;
    for (const std::string& t : tried_) list += (list.empty() ? "" : "; ") + t;
    return fmt::format(
        "no AWS credentials found (tried: {}); give access_key_id and secret_access_key, a profile, "
        "or anonymous=true",
        list);
  }

  AwsHttpSettings http() {
    if (!transport_) transport_ = options_.transport ? options_.transport : http::make_curl_transport(options_.client);
    return AwsHttpSettings{transport_, aws_credentials_retry_policy()};
  }

  Provider static_provider(const AwsCredentials& keys, std::string description) const {
    return std::make_shared<StaticAwsCredentialsProvider>(keys, std::move(description));
  }
  Provider cached(std::unique_ptr<AwsCredentialsSource> source) const {
    return std::make_shared<CachingAwsCredentialsProvider>(std::move(source), options_.cache);
  }

  Result<Provider> environment_keys() {
    auto id = env_.value("AWS_ACCESS_KEY_ID");
    auto secret = env_.value("AWS_SECRET_ACCESS_KEY");
    if (id && secret) {
      AwsCredentials keys{*id, *secret, env_.value("AWS_SESSION_TOKEN").value_or(""), TimePoint::max()};
      return Provider(static_provider(keys, "environment (AWS_ACCESS_KEY_ID)"));
    }
    if (id || secret) {
      return make_error(ErrorCode::InvalidArgument, "the environment sets {} but not {}",
                        id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                        id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    }
    tried_.push_back("environment: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set");
    return Provider();
  }

  // An endpoint_url override for `service` ("sts", "sso"; `variable` is
  // its AWS_ENDPOINT_URL_* variable), as the SDKs read them.
  std::optional<std::string> endpoint_override(std::string_view service, std::string_view variable,
                                               const AwsProfile& profile) const {
    std::string ignore = env_.value("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
                             .value_or(profile.setting("ignore_configured_endpoint_urls").value_or(""));
    if (ascii_lower(ignore) == "true") return std::nullopt;
    if (auto v = env_.value(variable)) return v;
    if (auto v = env_.value("AWS_ENDPOINT_URL")) return v;
    if (auto v = profile.setting(std::string(service) + ".endpoint_url")) return v;
    return profile.setting("endpoint_url");
  }

  StsEndpoint sts_endpoint(const AwsProfile& profile) const {
    std::string region = profile.setting("region").value_or(options_.region);
    const bool regional =
        !region.empty() && region != "auto" &&
        ascii_lower(env_.value("AWS_STS_REGIONAL_ENDPOINTS")
                        .value_or(profile.setting("sts_regional_endpoints").value_or(""))) != "legacy";
    StsEndpoint endpoint;
    endpoint.signing_region = regional ? region : "us-east-1";
    endpoint.url = regional ? fmt::format("https://sts.{}.amazonaws.com", region) : "https://sts.amazonaws.com";
    if (auto v = endpoint_override("sts", "AWS_ENDPOINT_URL_STS", profile)) endpoint.url = *v;
    return endpoint;
  }

  Result<AssumeRoleParams> role_params(const AwsProfile& profile, bool with_external_id) const {
    AssumeRoleParams params;
    params.role_arn = profile.setting("role_arn").value_or("");
    params.session_name = profile.setting("role_session_name").value_or("");
    if (with_external_id) params.external_id = profile.setting("external_id").value_or("");
    if (auto d = profile.setting("duration_seconds")) {
      int64_t value = 0;
      auto [end, ec] = std::from_chars(d->data(), d->data() + d->size(), value);
      if (ec != std::errc() || end != d->data() + d->size() || value < 900 || value > 43200) {
        return make_error(ErrorCode::InvalidArgument,
                          "{}: duration_seconds must be a whole number from 900 to 43200, not '{}'", profile.describe(),
                          *d);
      }
      params.duration_seconds = value;
    }
    return params;
  }

  Status check_supported(const AwsProfile& profile) const {
    for (const UnsupportedSetting& u : kUnsupported) {
      if (has(profile.config, u.setting) || has(profile.credentials, u.setting)) {
        return make_error(ErrorCode::Unsupported, "{} uses {}, which cloudsync does not support ({})",
                          profile.describe(), u.setting, u.why);
      }
    }
    return Status::OK();
  }

  static std::optional<AwsCredentials> keys_in(const ProfileSettings& settings) {
    auto get = [&](const char* k) {
      auto it = settings.find(k);
      return it == settings.end() ? std::string() : it->second;
    };
    AwsCredentials keys{get("aws_access_key_id"), get("aws_secret_access_key"), get("aws_session_token"),
                        TimePoint::max()};
    if (keys.access_key_id.empty() || keys.secret_access_key.empty()) return std::nullopt;
    return keys;
  }

  // Methods 2-7 for `profile` (null: none applies); `main` is false for a
  // source_profile, where the environment's web identity variables do not apply.
  Result<Provider> profile_methods(const AwsProfile& profile, std::set<std::string>& visited, bool main) {
    const std::string& name = profile.name;
    if (!visited.insert(name).second) {
      return make_error(ErrorCode::InvalidArgument, "AWS profiles form a loop through source_profile '{}'", name);
    }
    CLOUDSYNC_RETURN_IF_ERROR(check_supported(profile));
    const bool role = profile.setting("role_arn").has_value();
    const bool web_identity_setting = profile.setting("web_identity_token_file").has_value();

    // 2. role_arn with source_profile or credential_source
    if (role && !web_identity_setting) {
      auto source_profile = profile.setting("source_profile");
      auto credential_source = profile.setting("credential_source");
      if (source_profile && credential_source) {
        return make_error(ErrorCode::InvalidArgument, "{} has both source_profile and credential_source; keep one",
                          profile.describe());
      }
      if (!source_profile && !credential_source) {
        return make_error(ErrorCode::InvalidArgument,
                          "{} has role_arn but neither source_profile, credential_source nor web_identity_token_file",
                          profile.describe());
      }
      Provider source;
      std::string via;
      if (source_profile) {
        via = fmt::format("source_profile '{}'", *source_profile);
        CLOUDSYNC_ASSIGN_OR_RETURN(source, source_profile_provider(profile, *source_profile, visited));
      } else {
        via = fmt::format("credential_source {}", *credential_source);
        CLOUDSYNC_ASSIGN_OR_RETURN(source, credential_source_provider(profile, *credential_source));
      }
      CLOUDSYNC_ASSIGN_OR_RETURN(AssumeRoleParams params, role_params(profile, true));
      std::string description = fmt::format("{} (role_arn via {}, STS AssumeRole)", profile.describe(), via);
      return Provider(cached(make_assume_role_source(std::move(source), std::move(params), sts_endpoint(profile),
                                                     http(), std::move(description))));
    }
    if (main)
      tried_.push_back(fmt::format("{}: no role_arn with source_profile or credential_source", profile.describe()));

    // 3. web identity
    std::optional<std::string> token_file;
    std::string description;
    AssumeRoleParams params;
    if (main && (token_file = env_.value("AWS_WEB_IDENTITY_TOKEN_FILE"))) {
      params.role_arn = env_.value("AWS_ROLE_ARN").value_or(profile.setting("role_arn").value_or(""));
      params.session_name =
          env_.value("AWS_ROLE_SESSION_NAME").value_or(profile.setting("role_session_name").value_or(""));
      description = "web identity (AWS_WEB_IDENTITY_TOKEN_FILE, STS AssumeRoleWithWebIdentity)";
    } else if ((token_file = profile.setting("web_identity_token_file"))) {
      CLOUDSYNC_ASSIGN_OR_RETURN(params, role_params(profile, false));
      description = fmt::format("{} (web_identity_token_file, STS AssumeRoleWithWebIdentity)", profile.describe());
    }
    if (token_file) {
      if (params.role_arn.empty()) {
        return make_error(ErrorCode::InvalidArgument,
                          "{} names a web identity token file but no role ARN "
                          "(AWS_ROLE_ARN or role_arn)",
                          description);
      }
      return Provider(cached(make_web_identity_source(env_.expand(*token_file), std::move(params),
                                                      sts_endpoint(profile), http(), std::move(description))));
    }
    if (main)
      tried_.push_back(
          "web identity: AWS_WEB_IDENTITY_TOKEN_FILE is not set and the profile has no "
          "web_identity_token_file");

    // 4. SSO
    if (profile.setting("sso_session") || profile.setting("sso_start_url")) {
      CLOUDSYNC_ASSIGN_OR_RETURN(SsoProfile sso, sso_profile(profile));
      return Provider(cached(make_sso_source(std::move(sso), http())));
    }
    // 5.-7. keys in the credentials file, credential_process, keys in the config file
    if (auto keys = keys_in(profile.credentials)) {
      return Provider(
          static_provider(*keys, fmt::format("{} in {}", profile.describe(), profile.credentials_file.string())));
    }
    if (auto command = profile.setting("credential_process")) {
      CredentialProcessOptions process{*command, options_.process_timeout,
                                       fmt::format("{} (credential_process)", profile.describe())};
      return Provider(cached(make_credential_process_source(std::move(process))));
    }
    if (auto keys = keys_in(profile.config)) {
      return Provider(
          static_provider(*keys, fmt::format("{} in {}", profile.describe(), profile.config_file.string())));
    }
    if (main) {
      tried_.push_back(fmt::format("{}: {}", profile.describe(),
                                   profile.found ? "no sso_session, keys or credential_process"
                                                 : fmt::format("not in {} or {}", profile.credentials_file.string(),
                                                               profile.config_file.string())));
    }
    return Provider();
  }

  Result<Provider> source_profile_provider(const AwsProfile& profile, const std::string& source_name,
                                           std::set<std::string>& visited) {
    AwsProfile source = find_aws_profile(files_, source_name);
    if (!source.found) {
      return make_error(ErrorCode::InvalidArgument, "source_profile '{}' of {} is in neither {} nor {}", source_name,
                        profile.describe(), files_.config_file.string(), files_.credentials_file.string());
    }
    // A profile that is its own source uses its own keys (botocore's rule).
    if (source_name == profile.name) {
      auto keys = keys_in(profile.credentials);
      if (!keys) keys = keys_in(profile.config);
      if (!keys) {
        return make_error(ErrorCode::InvalidArgument, "{} is its own source_profile but has no keys",
                          profile.describe());
      }
      return static_provider(*keys, profile.describe() + " (its own keys)");
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(Provider found, profile_methods(source, visited, false));
    if (!found) {
      return make_error(ErrorCode::InvalidArgument, "source_profile '{}' of {} has no credentials", source_name,
                        profile.describe());
    }
    return found;
  }

  Result<Provider> credential_source_provider(const AwsProfile& profile, const std::string& source) {
    if (source == "Environment") {
      auto id = env_.value("AWS_ACCESS_KEY_ID");
      auto secret = env_.value("AWS_SECRET_ACCESS_KEY");
      if (!id || !secret) {
        return make_error(ErrorCode::Unauthenticated,
                          "{} has credential_source Environment, but AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not "
                          "set",
                          profile.describe());
      }
      return static_provider({*id, *secret, env_.value("AWS_SESSION_TOKEN").value_or(""), TimePoint::max()},
                             "environment (AWS_ACCESS_KEY_ID)");
    }
    if (source == "EcsContainer") {
      CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<ContainerEndpoint> container, container_endpoint_from(env_));
      if (!container) {
        return make_error(ErrorCode::Unauthenticated,
                          "{} has credential_source EcsContainer, but AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI "
                          "are not set",
                          profile.describe());
      }
      return cached(make_container_source(std::move(*container), http()));
    }
    if (source == "Ec2InstanceMetadata") {
      CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<InstanceMetadataOptions> imds,
                                 instance_metadata_options_from(env_, profile));
      if (!imds) {
        return make_error(ErrorCode::Unauthenticated,
                          "{} has credential_source Ec2InstanceMetadata, but AWS_EC2_METADATA_DISABLED is true",
                          profile.describe());
      }
      return cached(make_instance_metadata_source(std::move(*imds), options_.transport, options_.client));
    }
    return make_error(ErrorCode::InvalidArgument,
                      "{} has credential_source '{}'; the valid values are Environment, Ec2InstanceMetadata and "
                      "EcsContainer",
                      profile.describe(), source);
  }

  Result<SsoProfile> sso_profile(const AwsProfile& profile) const {
    SsoProfile sso;
    std::optional<std::string> start_url = profile.setting("sso_start_url");
    std::optional<std::string> region = profile.setting("sso_region");
    if (auto session = profile.setting("sso_session")) {
      auto section = files_.config.find("sso-session " + *session);
      if (section == files_.config.end()) {
        return make_error(ErrorCode::InvalidArgument, "{} names sso_session '{}', but {} has no [sso-session {}]",
                          profile.describe(), *session, files_.config_file.string(), *session);
      }
      auto get = [&](const char* k) -> std::optional<std::string> {
        auto it = section->second.find(k);
        if (it == section->second.end() || it->second.empty()) return std::nullopt;
        return it->second;
      };
      start_url = get("sso_start_url");
      region = get("sso_region");
      sso.cache_key = *session;
      sso.login_command = "aws sso login --sso-session " + *session;
      sso.description = fmt::format("{} (sso_session '{}')", profile.describe(), *session);
    } else {
      sso.cache_key = start_url.value_or("");
      sso.login_command = "aws sso login --profile " + profile.name;
      sso.description = fmt::format("{} (sso_start_url)", profile.describe());
    }
    auto account = profile.setting("sso_account_id");
    auto role = profile.setting("sso_role_name");
    if (!start_url || !region || !account || !role) {
      return make_error(ErrorCode::InvalidArgument,
                        "{} needs sso_start_url, sso_region, sso_account_id and "
                        "sso_role_name",
                        sso.description);
    }
    sso.account_id = *account;
    sso.role_name = *role;
    sso.portal_url = fmt::format("https://portal.sso.{}.amazonaws.com", *region);
    if (auto v = endpoint_override("sso", "AWS_ENDPOINT_URL_SSO", profile)) sso.portal_url = *v;
    while (sso.portal_url.ends_with("/")) sso.portal_url.pop_back();
    sso.cache_dir = env_.home / ".aws" / "sso" / "cache";
    return sso;
  }

  const AwsCredentialChainOptions& options_;
  const AwsEnvironment& env_;
  const AwsConfigFiles& files_;
  std::shared_ptr<http::Transport> transport_;
  std::vector<std::string> tried_;  ///< each method that did not apply, and why
};

}  // namespace

Result<std::shared_ptr<AwsCredentialsProvider>> resolve_aws_credential_chain(const AwsCredentialChainOptions& options,
                                                                             const AwsEnvironment& env,
                                                                             const AwsConfigFiles& files,
                                                                             const AwsProfile& profile) {
  register_secret(options.keys.secret_access_key);
  register_secret(options.keys.session_token);
  return ChainResolver(options, env, files).resolve(profile);
}

}  // namespace cloudsync::auth
