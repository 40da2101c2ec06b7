#include "backends/azure/azure_client.hpp"

#include <algorithm>

#include "auth/azure/azure_authorizers.hpp"
#include "auth/oauth/bearer_authorizer.hpp"
#include "backends/azure/azure_errors.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/url.hpp"

namespace cloudsync::azure {

namespace {

// learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata
Status check_container_name(std::string_view name) {
  if (name == "$root" || name == "$web" || name == "$logs") return Status::OK();
  auto fail = [&](std::string_view why) {
    return make_error(ErrorCode::InvalidArgument, "'{}' is not a valid Azure container name: {}", name, why);
  };
  if (name.empty()) return make_error(ErrorCode::InvalidArgument, "no Azure container given (az://CONTAINER/...)");
  if (name.size() < 3 || name.size() > 63) return fail("it must have 3 to 63 characters");
  bool chars_ok = std::all_of(name.begin(), name.end(),
                              [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
  if (!chars_ok) return fail("only lower-case letters, digits and '-' are allowed");
  if (name.front() == '-' || name.back() == '-' || name.find("--") != std::string_view::npos) {
    return fail("'-' may not start or end it, nor appear twice in a row");
  }
  return Status::OK();
}

}  // namespace

AzureClient::AzureClient(Settings settings, std::shared_ptr<http::ServerClock> clock,
                         std::shared_ptr<http::Authorizer> authorizer)
    : settings_(std::move(settings)),
      clock_(std::move(clock)),
      http_(http::Client::Settings{settings_.transport, settings_.retry, std::move(authorizer), clock_, nullptr}) {}

Result<std::unique_ptr<AzureClient>> AzureClient::create(Settings settings) {
  CLOUDSYNC_RETURN_IF_ERROR(check_container_name(settings.container));
  if (!settings.transport) return make_error(ErrorCode::Internal, "azure: no transport");
  auto clock = std::make_shared<http::ServerClock>(settings.clock);
  std::shared_ptr<http::Authorizer> authorizer;
  if (!settings.credentials.account_key.empty()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(
        auth::AzureSharedKeySigner signer,
        auth::AzureSharedKeySigner::create(settings.credentials.account, settings.credentials.account_key));
    authorizer = std::make_shared<auth::SharedKeyAuthorizer>(std::move(signer), clock);
  } else if (settings.credentials.sas) {
    authorizer = std::make_shared<auth::SasAuthorizer>(*settings.credentials.sas);
  } else if (settings.credentials.bearer) {
    // Bearer tokens need x-ms-version 2017-11-09 or later; kAzureApiVersion is.
    authorizer = std::make_shared<auth::BearerAuthorizer>(settings.credentials.bearer);
  } else {
    return make_error(ErrorCode::Unauthenticated, "azure: no account key, SAS or Entra ID token provider was given");
  }
  return std::unique_ptr<AzureClient>(new AzureClient(std::move(settings), std::move(clock), std::move(authorizer)));
}

std::string AzureClient::describe(std::string_view name) const {
  std::string out = "az://" + settings_.container;
  if (!name.empty()) {
    out += '/';
    out += name;
  }
  return out;
}

std::string AzureClient::container_url() const {
  return settings_.credentials.blob_endpoint + "/" + settings_.container;
}

std::string AzureClient::blob_url(std::string_view name) const {
  return container_url() + "/" + percent_encode(name, "/");
}

bool AzureClient::may(char permission) const {
  const auto& sas = settings_.credentials.sas;
  return !sas || sas->grants(permission) || (sas->permissions.empty() && !sas->identifier.empty());
}

Status AzureClient::check_sas(std::string_view permissions, SasScope scope) const {
  const auto& sas = settings_.credentials.sas;
  if (!sas) return Status::OK();
  // What the token can address at all comes first: no permission helps there.
  if (sas->is_account_sas()) {
    char type = scope == SasScope::Container ? 'c' : 'o';
    if (sas->resource_types.find(type) == std::string::npos) {
      return make_error(ErrorCode::PermissionDenied,
                        "{}: the account SAS does not cover {} (srt={}); it needs '{}' in srt", describe(),
                        scope == SasScope::Container ? "container operations such as listing" : "blobs",
                        sas->resource_types, type);
    }
  } else if (scope == SasScope::Container && (sas->resource == "b" || sas->resource == "bs" || sas->resource == "bv")) {
    return make_error(ErrorCode::PermissionDenied,
                      "{}: a blob SAS (sr={}) gives access to one blob only and cannot list; use a container SAS",
                      describe(), sas->resource);
  }
  Status visible = auth::check_sas_token(*sas, permissions, clock_->now());
  if (!visible.ok()) return visible.with_context(describe());
  return Status::OK();
}

Result<http::Response> AzureClient::send_once(AzureCall& call, const OpContext& ctx) {
  call.headers.set("x-ms-version", kAzureApiVersion);
  AzureAnswerReader reader(call.create_only);
  http::SendInfo info;
  Result<http::Response> result = http_.send(call, reader, ctx, &info);
  call.attempts = info.attempts;
  call.sink_bytes = info.sink_bytes;
  return result;
}

Result<http::RangedAnswer> AzureClient::ranged_get(AzureCall& call, const http::RangeRequest& range,
                                                   const OpContext& ctx) {
  call.headers.set("x-ms-version", kAzureApiVersion);
  AzureAnswerReader reader(call.create_only);
  http::SendInfo info;
  Result<http::RangedAnswer> result = http_.ranged_get(call, range, reader, ctx, &info);
  call.attempts = info.attempts;
  call.sink_bytes = info.sink_bytes;
  return result;
}

Result<http::Response> AzureClient::send(AzureCall& call, const OpContext& ctx) {
  Result<http::Response> result = send_once(call, ctx);
  if (result.ok() || !call.creates_in_container || !settings_.create_container ||
      result.status().provider_code() != "ContainerNotFound") {
    return result;
  }
  // The container is missing and we may create it: do so, then send again.
  CLOUDSYNC_RETURN_IF_ERROR(create_container(ctx));
  if (call.body != nullptr) {
    Status rewound = call.body->rewind();
    if (!rewound.ok()) return result;
  }
  return send_once(call, ctx);
}

Status AzureClient::create_container(const OpContext& ctx) {
  AzureCall call;
  call.method = "PUT";
  call.url = container_url() + "?restype=container";
  call.what = "create container " + describe();
  Result<http::Response> created = send_once(call, ctx);
  if (!created.ok() && created.status().code() != ErrorCode::AlreadyExists) return created.status();
  log(LogLevel::Info, "azure: {} {}", describe(), created.ok() ? "created" : "already exists");
  return Status::OK();
}

}  // namespace cloudsync::azure
