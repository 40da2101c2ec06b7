// Google credential files, dispatched on their "type" as google-auth does
// (google.auth.load_credentials_from_file):
//  - "service_account": a key (service_account.hpp), signed JWT assertions;
//  - "authorized_user": what `gcloud auth application-default login` writes:
//    client_id, client_secret and refresh_token for the refresh-token grant
//    (oauth2.hpp), and quota_project_id, the project billed for the user's
//    requests (sent as x-goog-user-project);
//  - "external_account": workload identity federation (external_account.hpp);
//  - "impersonated_service_account": source_credentials (authorized_user or
//    service_account) impersonating the service account of
//    service_account_impersonation_url (impersonation.hpp).
// Any other type is InvalidArgument naming it. Nothing of a file's secrets
// reaches a message: each is registered for redaction as soon as it is read.
#pragma once

#include <filesystem>
#include <string_view>

#include "auth/google/google_auth_settings.hpp"

namespace cloudsync::auth {

/// The credentials of a file's JSON text; `origin` names it in messages
/// ("'/path/adc.json'"). GOOGLE_CLOUD_QUOTA_PROJECT, when set, replaces the
/// file's quota_project_id.
Result<GoogleCredentials> google_credentials_from_json(std::string_view json_text, std::string_view origin,
                                                       const GoogleAuthSettings& settings);

/// The credentials of the file at `path` (at most 1 MiB).
Result<GoogleCredentials> load_google_credentials(const std::filesystem::path& path,
                                                  const GoogleAuthSettings& settings);

}  // namespace cloudsync::auth
