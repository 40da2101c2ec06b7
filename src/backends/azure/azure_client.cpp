#include "backends/azure/azure_client.hpp"

#include <algorithm>

#include "auth/azure/sas.hpp"
#include "backends/azure/azure_errors.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
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

Result<std::unique_ptr<AzureClient>> AzureClient::create(Settings settings) {
  CLOUDSYNC_RETURN_IF_ERROR(check_container_name(settings.container));
  if (!settings.transport) return make_error(ErrorCode::Internal, "azure: no transport");
  if (!settings.clock) settings.clock = now_utc;
  std::optional<auth::AzureSharedKeySigner> signer;
  if (!settings.credentials.account_key.empty()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(signer, auth::AzureSharedKeySigner::create(settings.credentials.account,
                                                                          settings.credentials.account_key));
  } else if (!settings.credentials.sas) {
    return make_error(ErrorCode::Unauthenticated, "azure: neither an account key nor a SAS was given");
  }
  return std::unique_ptr<AzureClient>(new AzureClient(std::move(settings), std::move(signer)));
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
  Status visible = auth::check_sas_token(*sas, permissions, settings_.clock());
  if (!visible.ok()) return visible.with_context(describe());
  return Status::OK();
}

Result<http::Response> AzureClient::send_once(AzureCall& call, const OpContext& ctx) {
  http::CountingSink counting(call.sink);
  const auto& sas = settings_.credentials.sas;
  auto attempt = [&](uint32_t n) -> Result<http::Response> {
    call.attempts = n;
    http::Request request;
    request.method = call.method;
    request.url = sas ? auth::append_sas_token(call.url, *sas) : call.url;
    request.headers = call.headers;
    request.headers.set("x-ms-version", kAzureApiVersion);
    request.body = call.body;
    request.body_size = call.body_size;
    if (signer_) CLOUDSYNC_RETURN_IF_ERROR(signer_->sign(request, settings_.clock()));
    return settings_.transport->send(request, counting.as_sink(), ctx);
  };
  auto classify = [&](const Result<http::Response>& result) {
    if (!result.ok() && counting.bytes() > 0) return http::Outcome::Fail;
    if (result.ok() && (result->status < 200 || result->status > 299)) {
      std::optional<std::string_view> code = result->headers.get("x-ms-error-code");
      if (code && is_transient_azure_code(*code)) return http::Outcome::Retry;
    }
    return http::classify_default(result, call.idempotent);
  };
  Result<http::Response> result = http::send_with_retry(settings_.retry, ctx, attempt, classify, call.body, call.what);
  call.sink_bytes = counting.bytes();
  if (!result.ok()) return result.status().with_context(call.what);
  if (result->status < 200 || result->status > 299) {
    Status error = azure_error(*result, call.what, call.create_only);
    // The retry loop names its attempts only for transport failures.
    return call.attempts > 1 ? error.with_context(fmt::format("{} attempts, last", call.attempts)) : error;
  }
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
