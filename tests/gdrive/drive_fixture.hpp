// Shared pieces of the Drive tests: the Drive stand-in and the OAuth2 token
// server of tests/peers (started once per test process, stopped at exit), a
// client that sets up Drive content behind the backend's back, fresh root
// folders, and backends on the stand-in.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "backends/gdrive/gdrive_client.hpp"
#include "backends/gdrive/gdrive_backend.hpp"
#include "cloudsync/backends/gdrive.hpp"
#include "cloudsync/workspace.hpp"
#include "support/http_support.hpp"
#include "support/peer_server.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

/// Documents export above this many bytes only through their exportLinks.
inline constexpr size_t kStandInExportLimit = 4096;

// Drive's MIME types of Google-native files, and of the .docx a Doc is exported as.
inline constexpr const char* kDocMime = "application/vnd.google-apps.document";
inline constexpr const char* kSheetMime = "application/vnd.google-apps.spreadsheet";
inline constexpr const char* kDrawingMime = "application/vnd.google-apps.drawing";
inline constexpr const char* kFolderMime = "application/vnd.google-apps.folder";
inline constexpr const char* kDocxMime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The Drive stand-in (tests/peers/start-drive-mock.sh) of this process.
PeerServer& drive_server();
/// The OAuth2 token server (tests/peers/start-oauth.sh), issuing unique
/// tokens "valid-token-<n>" that the Drive stand-in accepts.
PeerServer& token_server();
std::string token_uri();
/// A service-account key file the token server accepts assertions from,
/// naming the token server as its token_uri.
std::filesystem::path service_account_key_file();
/// Token requests the token server has seen for `grant_type`.
int64_t token_requests(const std::string& grant_type);

/// OAuth client credentials the token server accepts.
inline constexpr const char* kClientId = "1234567890-abc.apps.googleusercontent.com";
inline constexpr const char* kClientSecret = "GOCSPX-client-secret-for-tests";
inline constexpr const char* kRefreshToken = "1//refresh-token-of-the-test-user";

/// One file as Drive reports it (raw).
struct RawFile {
  std::string id;
  std::string name;
  std::string mime_type;
  bool trashed = false;
  std::string version;
};

/// Talks to the stand-in directly, as another Drive client would.
class DriveAdmin {
 public:
  explicit DriveAdmin(std::string base_url = drive_server().url());

  std::string create_folder(const std::string& name, const std::string& parent);
  /// A binary file (uploadType=multipart).
  std::string create_file(const std::string& name, const std::string& parent, const std::string& content,
                          const std::string& mime = "text/plain");
  /// A Google-native file: an upload converted to `google_mime` with `text` as its content.
  std::string create_document(const std::string& name, const std::string& parent, const std::string& google_mime,
                              const std::string& text);
  std::string create_shortcut(const std::string& name, const std::string& parent, const std::string& target);
  /// A shared drive; returns its ID (also the ID of its root folder).
  std::string create_shared_drive(const std::string& name);
  void flag_abusive(const std::string& id);
  /// The user may neither trash nor delete the file from now on (a shared drive's contributor).
  void deny_trash(const std::string& id);
  /// Listings of the folder's children say incompleteSearch=true from now on.
  void flag_incomplete_search(const std::string& folder_id);
  /// Listings of the folder's children hand out page tokens that go round
  /// (`cycle` 1: the token just sent comes back; 2: two tokens alternate).
  void repeat_page_tokens(const std::string& folder_id, int cycle);
  /// The next `count` files.list calls answer `status` with JSON nested `depth` arrays deep.
  void nested_answers(int depth, int count, int status = 200);
  /// Deletes for good (a folder with its contents).
  void remove(const std::string& id);
  /// The next `count` resumable chunks are kept only in part (their first `keep` bytes).
  void short_chunks(int count, int keep);
  /// How many of those are still to come.
  int short_chunks_left();
  /// Every access token used so far stops working (401).
  void expire_tokens();
  /// Every access token Drive has accepted so far.
  std::set<std::string> seen_tokens();

  /// The file, or nullopt when Drive answers 404.
  std::optional<RawFile> get(const std::string& id);
  std::string content(const std::string& id);
  /// Children of a folder, trashed ones included.
  std::vector<RawFile> children(const std::string& parent);
  /// The one child named `name` (REQUIREs exactly one).
  RawFile child(const std::string& parent, const std::string& name);

 private:
  Result<http::Response> call(const std::string& method, const std::string& path_and_query, const std::string& body,
                              const std::string& content_type);
  std::string base_;
  std::shared_ptr<http::Transport> transport_;
};

/// A new empty folder under My Drive, for one test (or one conformance section).
std::string fresh_folder();

/// Options for a backend on the stand-in: a static token, no pacing, small
/// chunks (the stand-in is local, every byte is cheap).
GDriveOptions drive_options(const std::string& folder_id, const std::string& endpoint = drive_server().url());
std::shared_ptr<StorageBackend> open_drive(GDriveOptions options);

/// A project with one writeback gdrive:// integration ("Team Drive") on a
/// fresh folder of the stand-in, opened with `credentials` (never stored),
/// and the folder seen directly for setting up and checking.
struct DriveProject {
  explicit DriveProject(BackendOptions credentials);

  void put_remote(const std::string& key, const std::string& data);
  std::string remote_text(const std::string& key);
  ObjectMeta remote_head(const std::string& key);
  /// Operations that must run (their outcomes are the caller's to check).
  OperationResult import(std::vector<std::string> selectors, bool dry_run = false);
  OperationResult export_all();
  OperationResult sync(const SyncRequest& request);

  TempDir dir;
  DriveAdmin admin;
  std::string root = fresh_folder();
  std::shared_ptr<StorageBackend> drive = open_drive(drive_options(root));  ///< Drive seen directly
  std::unique_ptr<Workspace> ws;
  std::string name = "Team Drive";
  std::filesystem::path folder;
};

/// A backend built from parts (a transport of the test's choosing), with a
/// fixed access token (the stand-in accepts "valid-token" and
/// "another-valid-token", which to the client are two accounts).
std::shared_ptr<StorageBackend> open_drive_with(const std::string& folder_id,
                                                std::shared_ptr<http::Transport> transport,
                                                const std::string& endpoint = drive_server().url(),
                                                const std::string& token = "valid-token");

}  // namespace cloudsync::test
