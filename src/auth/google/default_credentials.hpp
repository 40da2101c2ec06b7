// Application Default Credentials, in the order google-auth's
// google.auth.default() tries them (also the Go and Java libraries'):
//  1. the file named by GOOGLE_APPLICATION_CREDENTIALS;
//  2. the well-known file gcloud writes (`gcloud auth application-default
//     login`): $CLOUDSDK_CONFIG/application_default_credentials.json, else
//     ~/.config/gcloud/application_default_credentials.json;
//  3. the GCE metadata server (metadata_server.hpp), when one answers (the
//     answer is remembered per process and detection host: a server found is
//     not looked for again, one not found for 5 minutes).
// (google-auth's App Engine first-generation step has no equivalent here.)
// A file found is used or fails: a broken GOOGLE_APPLICATION_CREDENTIALS is an
// error, not a reason to move on, as in google-auth. When nothing is found the
// Unauthenticated message names each place looked at and why it gave nothing.
#pragma once

#include <filesystem>

#include "auth/google/credentials_file.hpp"
#include "auth/google/metadata_server.hpp"

namespace cloudsync::auth {

struct DefaultCredentialsOptions {
  MetadataServerOptions metadata;
  /// False: step 3 is skipped (a host that knows it is not on Google Cloud).
  bool use_metadata_server = true;
};

/// The well-known file's path ($CLOUDSDK_CONFIG, else $HOME/.config/gcloud),
/// or an empty path when neither variable is set.
std::filesystem::path well_known_credentials_file();

/// The first credentials of the chain above, as a token source with the
/// quota project its file names.
Result<GoogleCredentials> find_default_credentials(const GoogleAuthSettings& settings,
                                                   const DefaultCredentialsOptions& options, const OpContext& ctx);

}  // namespace cloudsync::auth
