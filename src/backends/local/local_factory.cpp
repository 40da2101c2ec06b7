// The option table of file:// URLs and plain paths, and how they open a
// local folder (make_local_backend() lives with the backend).
#include "backends/option_spec.hpp"
#include "backends/provider.hpp"
#include "cloudsync/backends/local.hpp"

namespace cloudsync::backends {

namespace {

constexpr OptionSpec<LocalBackendOptions> kLocalOptions[] = {
    {.name = "fsync",
     .target = &LocalBackendOptions::fsync,
     .help = "fsync files and folders on every write (turn off only for scratch data)"},
};

// file:///abs/dir, /abs/dir, ./rel/dir: the URL's path is the folder.
Result<std::shared_ptr<StorageBackend>> open_local_url(const StorageUrl& url, const BackendOptions& options,
                                                       const BackendOpenContext& /*context*/) {
  LocalBackendOptions local;
  CLOUDSYNC_RETURN_IF_ERROR(apply_options(kLocalOptions, "file", options, local));
  return make_local_backend(url.path, local);
}

}  // namespace

const ProviderEntry& local_provider() {
  static constexpr ProviderEntry kEntry{.scheme = "file",
                                        .url_form = "file:///abs/dir, ./dir",
                                        .title = "a local folder (the embedded default)",
                                        .describe = [] { return describe_options<LocalBackendOptions>(kLocalOptions); },
                                        .open = open_local_url};
  return kEntry;
}

}  // namespace cloudsync::backends
