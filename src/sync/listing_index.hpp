// One side of a sync, held compactly while it is planned.
//
// A listing of a million objects as ObjectMeta values costs gigabytes (each
// one carries a dozen strings and a map); the planner needs little of that
// for most objects: the key, the size and the mtime decide, and the rest is
// read back only for the objects an action names. So each entry is 24 bytes
// (size, mtime, where its record is, and a few flags) plus one packed record
// in an arena of blocks: the key, the match key when it differs, and the
// fields that are set. Nothing reallocates wholesale as the listing grows (no
// doubling peak).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "cloudsync/types.hpp"

namespace cloudsync {

class ListingIndex {
 public:
  /// `fold_case`: match keys are case-folded (either store is case-insensitive).
  explicit ListingIndex(bool fold_case = false) : fold_(fold_case) {}
  ListingIndex(ListingIndex&&) noexcept = default;
  ListingIndex& operator=(ListingIndex&&) noexcept = default;
  /// A deep copy (entry by entry: rare, and as slow as listing them again).
  ListingIndex(const ListingIndex& other);
  ListingIndex& operator=(const ListingIndex& other);

  /// Appends one listed object. Must not be called after order().
  void add(const ObjectMeta& meta);

  bool folds_case() const { return fold_; }

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  /// Puts the entries in match-key order: the key in NFC and, when folding,
  /// case-folded (how two stores decide that two names are one object).
  /// Entries already in that order (a store that lists in byte order, as S3,
  /// Azure and the local walk do, when no key needs normalising) are only
  /// checked, not sorted. Equal match keys keep their listing order.
  void order();

  // The i-th entry in match-key order (after order()).
  std::string_view key(size_t i) const;
  std::string_view match_key(size_t i) const;
  uint64_t object_size(size_t i) const { return at(i).size; }
  std::optional<TimePoint> mtime(size_t i) const;
  ObjectKind kind(size_t i) const;
  /// The whole entry as listed.
  ObjectMeta meta(size_t i) const;

  /// First position whose match key is not less than `match_key`.
  size_t lower_bound(std::string_view match_key) const;
  /// Position of the first entry whose match key equals `match_key`, or size().
  size_t find(std::string_view match_key) const;

  /// Bytes held (entries and arena), for tests and benchmarks.
  size_t bytes_held() const;

 private:
  struct Entry {
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    uint64_t bits = 0;  ///< kind, flags and the record's place in the arena
  };
  class Arena {
   public:
    /// Room for `n` bytes; returns its position.
    uint64_t reserve(size_t n, char*& out);
    const char* at(uint64_t where) const;
    size_t bytes() const { return blocks_.size() * kBlock + oversized_; }

   private:
    static constexpr size_t kBlock = size_t{1} << 20;
    std::vector<std::unique_ptr<char[]>> blocks_;
    size_t used_ = kBlock;  // in the last block; full before the first
    size_t oversized_ = 0;
  };
  struct Record;  // the decoded view of an arena record

  const Entry& at(size_t i) const { return entries_[order_.empty() ? i : order_[i]]; }
  Record record(const Entry& e) const;
  ObjectMeta meta_of(const Entry& e) const;
  std::string_view match_key_of(const Entry& e) const;

  bool fold_ = false;
  std::deque<Entry> entries_;
  std::vector<uint32_t> order_;  ///< empty: listing order is match-key order
  Arena arena_;
};

}  // namespace cloudsync
