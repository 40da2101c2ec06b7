#include "auth/azure/azure_vectors.hpp"

#include "core/json.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace {

std::string field(const rapidjson::Value& obj, const char* key, bool required = true) {
  Result<std::optional<std::string>> value = json_string(obj, key, "azure vectors");
  REQUIRE_OK(value);
  if (required) {
    INFO("missing field " << key);
    REQUIRE(value->has_value());
  }
  return value->value_or("");
}

const rapidjson::Value& array(const rapidjson::Value& obj, const char* key) {
  INFO("missing array " << key);
  REQUIRE((obj.HasMember(key) && obj[key].IsArray()));
  return obj[key];
}

AzureVectors load() {
  std::string text = read_file(std::string(CLOUDSYNC_VECTORS_DIR) + "/generated-signing-vectors.json");
  Result<rapidjson::Document> doc = parse_json(text, "generated-signing-vectors.json");
  REQUIRE_OK(doc);
  REQUIRE((doc->IsObject() && doc->HasMember("azure")));
  const rapidjson::Value& azure = (*doc)["azure"];
  REQUIRE(azure.HasMember("common"));
  AzureVectors v;
  v.account = field(azure["common"], "account");
  v.key = field(azure["common"], "accountKeyBase64");
  for (const auto& c : array(azure, "sharedKey").GetArray()) {
    v.shared_key.push_back(
        {field(c, "note"), field(c, "method"), field(c, "url"), field(c, "stringToSign"), field(c, "authorization")});
  }
  for (const auto& c : array(azure, "sharedKeyWrongOnPurpose").GetArray()) {
    v.wrong_on_purpose.push_back({field(c, "bug"), field(c, "stringToSign"), field(c, "signature")});
  }
  for (const auto& c : array(azure, "sas").GetArray()) {
    v.sas.push_back({field(c, "note"), field(c, "stringToSign"), field(c, "signature"), field(c, "token"),
                     field(c, "sdkToken", false)});
  }
  return v;
}

}  // namespace

auth::AzureSharedKeySigner vector_signer() {
  Result<auth::AzureSharedKeySigner> signer =
      auth::AzureSharedKeySigner::create(azure_vectors().account, azure_vectors().key);
  REQUIRE_OK(signer);
  return *signer;
}

const AzureVectors& azure_vectors() {
  static const AzureVectors vectors = load();
  return vectors;
}

}  // namespace cloudsync::test
