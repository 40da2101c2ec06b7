// What the server-side copy tests of every store share: a source written
// with a known mtime, and the object as a listing reports it (what a plan
// hands the transfer).
#pragma once

#include <string>

#include "cloudsync/backend.hpp"
#include "support/test_util.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync::test {

/// The mtime the copy tests' sources carry, with nanoseconds a store may keep.
inline TimePoint kept_mtime() { return TimePoint(std::chrono::nanoseconds(1'600'000'000'987'654'321)); }

/// Writes `data` at `key` with kept_mtime().
inline ObjectMeta put_source(StorageBackend& store, const std::string& key, const std::string& data) {
  PutOptions put;
  put.mtime = kept_mtime();
  auto meta = store.write_all(P(key), data, put, {});
  REQUIRE_OK(meta);
  return *meta;
}

/// `key` as a listing of `store` reports it.
inline ObjectMeta listed(StorageBackend& store, const std::string& key) {
  auto all = store.list_all({}, {});
  REQUIRE_OK(all);
  for (const ObjectMeta& m : *all) {
    if (m.key == key) return m;
  }
  FAIL("'" << key << "' is not listed");
  return {};
}

/// A transfer of an object as listed, and the bytes that went through either
/// end's client for it (counted from after the listing).
struct Copied {
  ObjectMeta destination;
  uint64_t moved = 0;
};

/// Transfers `src` of `from` to `dst` of `to` as a sync would. `Counted` is a
/// test's view of a store: `view`, the backend, and `wire`, the
/// ByteCountingTransport under it.
template <typename Counted>
Copied copy_object(Counted& from, const std::string& src, Counted& to, const std::string& dst) {
  const ObjectMeta meta = listed(*from.view, src);
  const uint64_t before = from.wire->moved() + to.wire->moved();
  auto t = transfer_object(*from.view, P(src), meta, *to.view, P(dst), {}, {}, nullptr, {});
  REQUIRE_OK(t);
  return Copied{t->destination, from.wire->moved() + to.wire->moved() - before};
}

}  // namespace cloudsync::test
