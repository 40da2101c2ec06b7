// What backends learn about the store behind an endpoint, remembered so that
// they find it out once rather than at every open.
//
// A backend that meets a store it does not recognise (an S3-compatible
// endpoint of unknown make) asks it a question by using it: does it verify
// x-amz-checksum-crc32c? The answer is a fact of the endpoint, not of one
// bucket or one run. An EndpointFacts keeps such answers: an in-process memory
// by default (each process learns once), or the catalog's table, so that the
// next process starts with the answer (Catalog opens its integrations' backends
// with it).
//
// Keys are endpoints as "scheme://host[:port]" (URLs with credentials are
// refused before a backend opens, so none can reach a key) and fact names the
// backend defines ("s3.checksum"); values are short words ("crc32c", "md5").
// Never a credential.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cloudsync/backend.hpp"
#include "cloudsync/export.hpp"
#include "cloudsync/status.hpp"

namespace cloudsync {

/// A memory of learned endpoint facts. Implementations are thread-safe.
class CLOUDSYNC_API EndpointFacts {
 public:
  virtual ~EndpointFacts() = default;
  /// The value learned for `fact` at `endpoint`; nullopt when nothing is known.
  virtual Result<std::optional<std::string>> get(std::string_view endpoint, std::string_view fact) = 0;
  /// Remembers `value` (replacing what was known).
  virtual Status put(std::string_view endpoint, std::string_view fact, std::string_view value) = 0;
};

/// A fresh memory that lives as long as the object (tests, short-lived hosts).
CLOUDSYNC_API std::shared_ptr<EndpointFacts> make_memory_endpoint_facts();

/// This process's memory: what backends use when they are given none.
CLOUDSYNC_API std::shared_ptr<EndpointFacts> process_endpoint_facts();

/// What open_backend() may be given besides a URL and its string options.
struct BackendOpenContext {
  /// Where learned endpoint facts are kept; null: process_endpoint_facts().
  std::shared_ptr<EndpointFacts> endpoint_facts;
};

/// open_backend(url, options), with `context` handed to the provider.
CLOUDSYNC_API Result<std::shared_ptr<StorageBackend>> open_backend(std::string_view url, const BackendOptions& options,
                                                                   const BackendOpenContext& context);

}  // namespace cloudsync
