// A made-up AWS environment for credential tests: variables from a map and a
// temporary home folder with the shared files, resolved through the real
// chain (auth/aws/aws_credential_chain.hpp) without touching the process.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "auth/aws/aws_credential_chain.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

struct FakeAwsEnvironment {
  TempDir home;
  std::map<std::string, std::string> vars;

  /// Instance metadata off unless a test turns it on (nothing listens at
  /// 169.254.169.254 here, and a test must not wait for it).
  FakeAwsEnvironment() { vars["AWS_EC2_METADATA_DISABLED"] = "true"; }

  auth::AwsEnvironment env() const;
  /// Writes `text` to `relative` below the home folder.
  void file(const std::string& relative, const std::string& text) const;
  /// Writes `text` to ~/.aws/config.
  void config(const std::string& text) const;
  /// Writes `text` to ~/.aws/credentials.
  void credentials(const std::string& text) const;
  /// The chain's provider for `profile` (empty: the environment's choice).
  Result<std::shared_ptr<auth::AwsCredentialsProvider>> resolve(const auth::AwsCredentialChainOptions& options = {},
                                                                const std::string& profile = {}) const;
};

}  // namespace cloudsync::test
