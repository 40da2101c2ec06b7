#include "support/aws_environment.hpp"

namespace cloudsync::test {

auth::AwsEnvironment FakeAwsEnvironment::env() const {
  auth::AwsEnvironment e;
  auto copy = vars;
  e.get = [copy](std::string_view name) -> std::optional<std::string> {
    auto it = copy.find(std::string(name));
    if (it == copy.end()) return std::nullopt;
    return it->second;
  };
  e.home = home.path();
  return e;
}

void FakeAwsEnvironment::file(const std::string& relative, const std::string& text) const {
  write_file(home / relative, text);
}

void FakeAwsEnvironment::config(const std::string& text) const { file(".aws/config", text); }

void FakeAwsEnvironment::credentials(const std::string& text) const { file(".aws/credentials", text); }

Result<std::shared_ptr<auth::AwsCredentialsProvider>> FakeAwsEnvironment::resolve(
    const auth::AwsCredentialChainOptions& options, const std::string& profile) const {
  auth::AwsEnvironment e = env();
  CLOUDSYNC_ASSIGN_OR_RETURN(auth::AwsConfigFiles files, auth::load_aws_config_files(e));
  CLOUDSYNC_ASSIGN_OR_RETURN(auth::AwsProfile chosen, auth::load_aws_profile(files, e, profile));
  return auth::resolve_aws_credential_chain(options, e, files, chosen);
}

}  // namespace cloudsync::test
