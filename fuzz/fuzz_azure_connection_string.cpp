// The Azure connection-string parser on arbitrary text: InvalidArgument or
// credentials that are usable as documented (an endpoint without a trailing
// '/', and exactly one of an account key and a SAS).
#include "auth/azure/credentials.hpp"
#include "fuzz_check.hpp"

using namespace cloudsync;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  Result<auth::AzureCredentials> creds = auth::parse_connection_string(text);
  if (!creds.ok()) {
    FUZZ_CHECK(creds.status().code() == ErrorCode::InvalidArgument);
    return 0;
  }
  FUZZ_CHECK(!creds->blob_endpoint.empty());
  FUZZ_CHECK(creds->blob_endpoint.back() != '/');
  FUZZ_CHECK(creds->account_key.empty() != !creds->sas.has_value());
  return 0;
}
