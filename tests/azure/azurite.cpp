#include "azure/azurite.hpp"

#include <atomic>

#include <pugixml.hpp>

#include "backends/azure/azure_client.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"

namespace cloudsync::test {

using namespace std::chrono_literals;

namespace {

auth::AzureSharedKeySigner make_signer() {
  auto signer = auth::AzureSharedKeySigner::create(std::string(auth::kAzuriteAccount), auth::kAzuriteAccountKey);
  REQUIRE_OK(signer);
  return *signer;
}

}  // namespace

PeerSpec azurite_spec(const std::vector<std::string>& flags) {
  PeerSpec spec;
  spec.name = "azurite";
  spec.command = {"{peers}/start-azurite.sh", "{port}", "{dir}", CLOUDSYNC_PEERS_NPM_DIR};
  spec.command.insert(spec.command.end(), flags.begin(), flags.end());
  spec.launcher_exits = true;
  // The first start in a build tree installs Azurite from npm.
  spec.ready_timeout = std::chrono::milliseconds(300'000);
  return spec;
}

Azurite::Azurite()
    : server_(azurite_spec()), transport_(http::make_curl_transport(http::ClientOptions{})), signer_(make_signer()) {}

std::string Azurite::endpoint() const { return server_.url() + "/" + std::string(auth::kAzuriteAccount); }

std::string Azurite::new_container() {
  std::string name = unique_name("t");
  http::Response r = raw("PUT", "/" + name + "?restype=container");
  INFO(r.body);
  REQUIRE(r.status == 201);
  return name;
}

AzureBackendOptions Azurite::key_options(const std::string& container, const std::string& endpoint_url) const {
  AzureBackendOptions o;
  o.container = container;
  o.account = std::string(auth::kAzuriteAccount);
  o.account_key = std::string(auth::kAzuriteAccountKey);
  o.endpoint = endpoint_url.empty() ? endpoint() : endpoint_url;
  return o;
}

std::shared_ptr<StorageBackend> Azurite::backend(const std::string& container, azure::AzureEnvironment env,
                                                 AzureBackendOptions options) const {
  AzureBackendOptions base = key_options(container);
  options.container = base.container;
  if (options.account.empty() && options.sas.empty() && options.connection_string.empty()) {
    options.account = base.account;
    options.account_key = base.account_key;
  }
  if (options.endpoint.empty() && options.connection_string.empty() && options.sas.find("://") == std::string::npos) {
    options.endpoint = base.endpoint;
  }
  auto b = azure::make_azure_backend(options, std::move(env));
  REQUIRE_OK(b);
  return *b;
}

std::string Azurite::container_sas(const std::string& container, const std::string& permissions,
                                   TimePoint expires) const {
  auth::BlobSasOptions o;
  o.container = container;
  o.permissions = permissions;
  o.expires = expires;
  auto sas = auth::generate_blob_sas(signer_, o);
  REQUIRE_OK(sas);
  return sas->token;
}

void Azurite::set_access_policies(const std::string& container,
                                  const std::vector<std::pair<std::string, std::string>>& policies, TimePoint expires) {
  std::string body = R"(<?xml version="1.0" encoding="utf-8"?><SignedIdentifiers>)";
  for (const auto& [id, permissions] : policies) {
    body += "<SignedIdentifier><Id>" + id + "</Id><AccessPolicy><Start>" + format_rfc3339(now_utc() - 1h, 0) +
            "</Start><Expiry>" + format_rfc3339(expires, 0) + "</Expiry><Permission>" + permissions +
            "</Permission></AccessPolicy></SignedIdentifier>";
  }
  http::Response r = raw("PUT", "/" + container + "?restype=container&comp=acl", {}, body + "</SignedIdentifiers>");
  INFO(r.body);
  REQUIRE(r.status == 200);
}

std::string Azurite::policy_sas(const std::string& container, const std::string& identifier) const {
  auth::BlobSasOptions o;
  o.container = container;
  o.identifier = identifier;
  auto sas = auth::generate_blob_sas(signer_, o);
  REQUIRE_OK(sas);
  return sas->token;
}

std::string Azurite::blob_sas(const std::string& container, const std::string& blob, const std::string& permissions,
                              TimePoint expires) const {
  auth::BlobSasOptions o;
  o.container = container;
  o.blob = blob;
  o.permissions = permissions;
  o.expires = expires;
  auto sas = auth::generate_blob_sas(signer_, o);
  REQUIRE_OK(sas);
  return sas->token;
}

std::string Azurite::account_sas(const std::string& resource_types, const std::string& permissions,
                                 TimePoint expires) const {
  auth::AccountSasOptions o;
  o.resource_types = resource_types;
  o.permissions = permissions;
  o.expires = expires;
  auto sas = auth::generate_account_sas(signer_, o);
  REQUIRE_OK(sas);
  return sas->token;
}

http::Response Azurite::raw(const std::string& method, const std::string& path, const http::Headers& headers,
                            const std::string& body) {
  MemorySource source(body);
  http::Request request;
  request.method = method;
  request.url = endpoint() + path;
  request.headers = headers;
  request.headers.set("x-ms-version", azure::kAzureApiVersion);
  if (!body.empty() || method == "PUT") {
    request.body = &source;
    request.body_size = body.size();
  }
  REQUIRE_OK(signer_.sign(request, now_utc()));
  auto response = transport_->send(request, nullptr, {});
  REQUIRE_OK(response);
  return *response;
}

std::vector<std::string> Azurite::blob_names(const std::string& container, bool uncommitted) {
  std::vector<std::string> names;
  std::string marker;
  do {
    std::string path = "/" + container + "?restype=container&comp=list&maxresults=5000";
    if (uncommitted) path += "&include=uncommittedblobs";
    if (!marker.empty()) path += "&marker=" + marker;
    http::Response r = raw("GET", path);
    REQUIRE(r.status == 200);
    pugi::xml_document doc;
    REQUIRE(doc.load_buffer(r.body.data(), r.body.size(), pugi::parse_default | pugi::parse_ws_pcdata));
    pugi::xml_node root = doc.child("EnumerationResults");
    for (pugi::xml_node blob : root.child("Blobs").children("Blob")) names.push_back(blob.child_value("Name"));
    marker = root.child_value("NextMarker");
  } while (!marker.empty());
  return names;
}

Azurite& azurite() {
  static Azurite instance;
  return instance;
}

std::string unique_name(const std::string& stem) { return stem + "-" + random_hex(6); }

}  // namespace cloudsync::test
