// The "azure" section of tests/vectors/generated-signing-vectors.json.
#pragma once

#include <string>
#include <vector>

#include "auth/azure/shared_key.hpp"

namespace cloudsync::test {

struct AzureSharedKeyVector {
  std::string note, method, url, string_to_sign, authorization;
};
struct AzureWrongVector {
  std::string bug, string_to_sign, signature;
};
struct AzureSasVector {
  std::string note, string_to_sign, signature, token, sdk_token;  // sdk_token may be empty
};
struct AzureVectors {
  std::string account, key;
  std::vector<AzureSharedKeyVector> shared_key;
  std::vector<AzureWrongVector> wrong_on_purpose;
  std::vector<AzureSasVector> sas;
};

/// Loaded once; a missing or malformed file fails the calling test.
const AzureVectors& azure_vectors();

/// A Shared Key signer with the vectors' account and key (fails the calling test if it cannot be made).
auth::AzureSharedKeySigner vector_signer();

}  // namespace cloudsync::test
