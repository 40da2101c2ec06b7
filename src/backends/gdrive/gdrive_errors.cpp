#include "backends/gdrive/gdrive_errors.hpp"

#include <algorithm>
#include <array>

#include "core/json.hpp"

namespace cloudsync::gdrive {

namespace {

struct ReasonRule {
  std::string_view reason;
  ErrorCode code;
  std::string_view hint;  ///< what the user can do; empty when the message says enough
};

// Reasons that decide the code whatever the HTTP status. Rate limits are not
// here: they are Throttled and retried (see is_rate_limit).
constexpr std::array<ReasonRule, 21> kRules{{
    {"storageQuotaExceeded", ErrorCode::LimitExceeded,
     "the Drive storage quota is used up (a service account has no storage of its own: use a shared drive or "
     "domain-wide delegation)"},
    {"quotaExceeded", ErrorCode::LimitExceeded, "a Drive API quota is used up; try again later"},
    {"dailyLimitExceeded", ErrorCode::LimitExceeded, "the project's daily Drive API limit is reached"},
    {"downloadQuotaExceeded", ErrorCode::LimitExceeded,
     "the file's download quota is used up; Google lifts it after up to 24 hours"},
    {"teamDriveFileLimitExceeded", ErrorCode::LimitExceeded, "the shared drive holds as many items as it may"},
    {"numChildrenInNonRootLimitExceeded", ErrorCode::LimitExceeded, "the folder holds as many items as it may"},
    {"activeItemCreationLimitExceeded", ErrorCode::LimitExceeded, "the account has created as many items as it may"},
    {"exportSizeLimitExceeded", ErrorCode::LimitExceeded,
     "the document is too large for Google to export (files.export is limited to 10 MB)"},
    {"cannotDownloadAbusiveFile", ErrorCode::PermissionDenied,
     "Google flagged the file as malware or spam; set acknowledge_abuse=true to download it anyway"},
    {"insufficientPermissions", ErrorCode::PermissionDenied,
     "the credentials do not allow this (a read-only scope, or no write access to the folder)"},
    {"insufficientFilePermissions", ErrorCode::PermissionDenied, "the user may not change this file"},
    {"insufficientParentPermissions", ErrorCode::PermissionDenied, "the user may not add files to this folder"},
    {"appNotAuthorizedToFile", ErrorCode::PermissionDenied, "the app was not granted access to this file"},
    {"domainPolicy", ErrorCode::PermissionDenied, "the domain's policy forbids this app"},
    {"cannotExportFile", ErrorCode::PermissionDenied, "the owner restricted downloading this file"},
    // files.copy of a folder, or of a file whose owner forbids copies: a
    // refusal (copy_refused), after which the file is copied by streaming.
    {"cannotCopyFile", ErrorCode::PermissionDenied, "Drive does not let this file be copied"},
    {"fileNotDownloadable", ErrorCode::Unsupported, ""},
    {"notFound", ErrorCode::NotFound, ""},
    {"authError", ErrorCode::Unauthenticated, "the access token was refused; re-authorise the integration"},
    {"badRequest", ErrorCode::InvalidArgument, ""},
    {"invalid", ErrorCode::InvalidArgument, ""},
}};

const ReasonRule* rule_for(std::string_view reason) {
  auto it = std::find_if(kRules.begin(), kRules.end(), [&](const ReasonRule& r) { return r.reason == reason; });
  return it == kRules.end() ? nullptr : &*it;
}

// The wording Google uses for the daily upload cap, as opposed to the
// per-minute limit ("User Rate Limit Exceeded. Rate of requests for user
// exceed configured project quota..."): rclone/rclone#1591, #3857.
constexpr std::string_view kDailyUploadCapMessage = "User rate limit exceeded.";

bool is_daily_upload_cap(const DriveError& e, CallKind kind, const DriveErrorPolicy& policy) {
  bool upload = kind == CallKind::Upload || kind == CallKind::UploadChunk;
  return policy.stop_on_upload_limit && upload && e.reason == "userRateLimitExceeded" &&
         e.message == kDailyUploadCapMessage;
}

}  // namespace

DriveError parse_drive_error(const http::Response& response) {
  DriveError e;
  e.http_status = response.status;
  auto doc = parse_json(response.body, "Drive error");
  if (!doc.ok() || !doc->IsObject()) return e;
  auto error = doc->FindMember("error");
  if (error == doc->MemberEnd()) return e;
  const rapidjson::Value& err = error->value;
  if (err.IsString()) {  // OAuth-style {"error":"invalid_token"}
    e.reason.assign(err.GetString(), err.GetStringLength());
    return e;
  }
  if (!err.IsObject()) return e;
  if (auto m = json_string(err, "message", "Drive error"); m.ok() && *m) e.message = **m;
  if (auto errors = err.FindMember("errors"); errors != err.MemberEnd() && errors->value.IsArray()) {
    for (const auto& item : errors->value.GetArray()) {
      auto reason = json_string(item, "reason", "Drive error");
      if (!reason.ok() || !*reason) continue;
      e.reason = **reason;
      if (e.message.empty()) {
        if (auto m = json_string(item, "message", "Drive error"); m.ok() && *m) e.message = **m;
      }
      break;
    }
  }
  if (e.reason.empty()) {
    if (auto s = json_string(err, "status", "Drive error"); s.ok() && *s) e.reason = **s;
  }
  return e;
}

bool is_rate_limit(const DriveError& e, CallKind kind, const DriveErrorPolicy& policy) {
  if (e.http_status == 429) return true;
  if (e.http_status != 403) return false;
  if (e.reason != "rateLimitExceeded" && e.reason != "userRateLimitExceeded") return false;
  return !is_daily_upload_cap(e, kind, policy);
}

http::Outcome classify_drive_answer(const Result<http::Response>& result, bool idempotent, CallKind kind,
                                    const DriveErrorPolicy& policy) {
  if (!result.ok()) return http::classify_default(result, idempotent);
  int status = result->status;
  if (status == 403) {
    return is_rate_limit(parse_drive_error(*result), kind, policy) ? http::Outcome::Retry : http::Outcome::Fail;
  }
  // 500, 502 and 504 may come after the work was done.
  if (!idempotent && (status == 500 || status == 502 || status == 504)) return http::Outcome::Fail;
  return http::classify_default(result, idempotent);
}

Status drive_error_status(const http::Response& response, std::string_view what, CallKind kind,
                          const DriveErrorPolicy& policy) {
  DriveError e = parse_drive_error(response);
  ErrorCode code = http::error_code_for_status(response.status);
  std::string hint;
  if (response.status == 404 && kind == CallKind::UploadChunk) {
    code = ErrorCode::Network;  // transient: a new session can take the upload
    hint = "the upload session expired or was lost; the upload must start over";
  } else if (is_daily_upload_cap(e, kind, policy)) {
    code = ErrorCode::LimitExceeded;
    hint =
        "the daily upload limit of the Drive account (about 750 GB a day) is reached; uploads resume after 24 "
        "hours";
  } else if (is_rate_limit(e, kind, policy)) {
    code = ErrorCode::Throttled;
    hint = "Drive kept refusing requests as too frequent";
  } else if (const ReasonRule* rule = rule_for(e.reason)) {
    code = rule->code;
    hint = rule->hint;
  } else if (response.status == 401) {
    hint = "the access token was refused; re-authorise the integration";
  }
  std::string detail = e.reason.empty() ? e.message : e.message.empty() ? e.reason : e.reason + ": " + e.message;
  if (!hint.empty()) detail += detail.empty() ? hint : " (" + hint + ")";
  // Drive sends no request id; X-GUploader-UploadID names an upload session,
  // which is a credential for that session, so it is not attached either.
  return http::status_from_response(response, what, code, e.reason, detail, {});
}

http::Outcome DriveAnswerReader::classify(const http::Call& call, const Result<http::Response>& result) {
  if (result.ok() && std::find(call.accept.begin(), call.accept.end(), result->status) != call.accept.end()) {
    return http::Outcome::Success;
  }
  http::Outcome outcome = classify_drive_answer(result, call.idempotent, kind_, policy_);
  if (result.ok() && outcome == http::Outcome::Retry && (result->status == 429 || result->status == 403)) {
    pacer_.on_throttled();
  }
  return outcome;
}

Status DriveAnswerReader::error(const http::Call& call, const http::Response& response,
                                const http::SendInfo& /*info*/) {
  return drive_error_status(response, call.what, kind_, policy_);
}

}  // namespace cloudsync::gdrive
