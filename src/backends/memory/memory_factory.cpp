// How mem:// URLs open a process-wide memory store; they take no options.
#include "backends/option_spec.hpp"
#include "backends/provider.hpp"
#include "cloudsync/backends/memory.hpp"

namespace cloudsync::backends {

namespace {

struct MemoryUrlOptions {};
constexpr std::span<const OptionSpec<MemoryUrlOptions>> kMemoryOptions{};

// mem://name[/prefix]
Result<std::shared_ptr<StorageBackend>> open_memory_url(const StorageUrl& url, const BackendOptions& options,
                                                        const BackendOpenContext& /*context*/) {
  MemoryUrlOptions none;
  CLOUDSYNC_RETURN_IF_ERROR(apply_options(kMemoryOptions, "mem", options, none));
  std::shared_ptr<StorageBackend> backend = shared_memory_backend(url.root);
  CLOUDSYNC_ASSIGN_OR_RETURN(Path prefix, Path::parse(url.path));
  return make_prefixed_backend(std::move(backend), std::move(prefix));
}

}  // namespace

const ProviderEntry& memory_provider() {
  static constexpr ProviderEntry kEntry{.scheme = "mem",
                                        .url_form = "mem://name",
                                        .title = "in-process memory (tests and scratch data)",
                                        .describe = [] { return describe_options<MemoryUrlOptions>(kMemoryOptions); },
                                        .open = open_memory_url};
  return kEntry;
}

}  // namespace cloudsync::backends
