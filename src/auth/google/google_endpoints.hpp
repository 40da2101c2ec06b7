// Google's OAuth2 endpoint and the scopes its tokens are asked for.
#pragma once

#include <string_view>

namespace cloudsync::auth {

/// Google's token endpoint (also the `aud` of service-account assertions).
inline constexpr std::string_view kGoogleTokenUri = "https://oauth2.googleapis.com/token";

/// Drive scopes (space-joined when several are requested).
inline constexpr std::string_view kDriveScope = "https://www.googleapis.com/auth/drive";
inline constexpr std::string_view kDriveReadonlyScope = "https://www.googleapis.com/auth/drive.readonly";
inline constexpr std::string_view kDriveFileScope = "https://www.googleapis.com/auth/drive.file";

/// What a token exchanged for impersonation needs (IAM Credentials API).
inline constexpr std::string_view kCloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

}  // namespace cloudsync::auth
