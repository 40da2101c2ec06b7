#include "sync/planner.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <fmt/format.h>
#include <set>
#include <unordered_map>
#include <optional>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/log.hpp"
#include "core/utf8.hpp"

namespace cloudsync {

Fingerprint fingerprint_of(const ObjectMeta& meta) {
  return Fingerprint{meta.size, meta.etag, meta.mtime, meta.hashes};
}

bool same_version(const Fingerprint& recorded, const ObjectMeta& now) {
  if (recorded.size != now.size) return false;
  if (!recorded.etag.empty() && recorded.etag == now.etag) return true;
  if (auto same = recorded.hashes.matches(now.hashes)) return *same;
  // Stores without etags or hashes: an identical mtime is the best evidence left.
  return recorded.etag.empty() && now.etag.empty() && recorded.mtime && now.mtime && *recorded.mtime == *now.mtime;
}

namespace {

// Why an entry takes no part in matching (it is reported as a skip instead).
enum EntryFlag : uint8_t {
  kIgnored = 1,     // a folder marker: not an object
  kInvalid = 2,     // a name we cannot represent safely
  kUnholdable = 4,  // (source) a name the destination cannot hold
  kCollided = 8,    // shares its match key with another entry of its side
};

// Seconds between laps (the planner's phases, for its debug log).
class PhaseClock {
 public:
  double lap() {
    auto now = std::chrono::steady_clock::now();
    double seconds = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return seconds;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// Adds the ObjectMeta form of a side to its compact listing, built again
// first if it was made with other case folding.
void add_to_listing(const std::vector<ObjectMeta>& metas, ListingIndex& listing, bool fold) {
  if (listing.folds_case() != fold) {
    ListingIndex rebuilt(fold);
    for (size_t i = 0; i < listing.size(); ++i) rebuilt.add(listing.meta(i));
    listing = std::move(rebuilt);
  }
  for (const ObjectMeta& m : metas) listing.add(m);
}

// One side while it is planned: its listing in match-key order, and what each
// entry turned out to be.
struct SideState {
  ListingIndex& listing;
  Side side;
  std::vector<uint8_t> flags;
  bool any_object = false;  // an entry that is neither ignored nor unusable

  bool usable(size_t i) const { return flags[i] == 0; }
};

class Planner {
 public:
  // `source`, `destination`: the input's compact listings, copied or moved.
  Planner(const PlanInput& in, ListingIndex source, ListingIndex destination)
      : in_(in), src_listing_(std::move(source)), dst_listing_(std::move(destination)) {
    fold_ = needs_case_folding(in.source_caps, in.destination_caps);
    plan_.source = in.source_name;
    plan_.destination = in.destination_name;
    plan_.delete_extraneous = in.delete_extraneous;
    plan_.mirror = in.baseline == nullptr;
  }

  Result<Plan> run() {
    PhaseClock clock;
    take_listing(in_.source, src_listing_);
    take_listing(in_.destination, dst_listing_);
    const double ordered = clock.lap();
    SideState src{src_listing_, Side::Source, {}};
    SideState dst{dst_listing_, Side::Destination, {}};
    classify(src);
    classify(dst);
    if (in_.baseline != nullptr) index_baseline(*in_.baseline);
    if (in_.destination_caps.hierarchical) find_hierarchy_conflicts(src, dst);
    prepare_guards(src);
    const double checked = clock.lap();
    merge(src, dst);
    finish_guards();
    // Where a slow plan spends its time once both listings are in (at -vv).
    log(LogLevel::Debug,
        "planned {} source and {} destination entries: ordered in {:.3f} s, names and folders checked in {:.3f} s, "
        "merged and decided in {:.3f} s",
        src_listing_.size(), dst_listing_.size(), ordered, checked, clock.lap());
    if (!in_.on_action) {
      auto by_path = [](const PlanAction& a, const PlanAction& b) { return a.path < b.path; };
      if (!std::is_sorted(plan_.actions.begin(), plan_.actions.end(), by_path)) {
        std::stable_sort(plan_.actions.begin(), plan_.actions.end(), by_path);
      }
    }
    return std::move(plan_);
  }

 private:
  std::string match_key(std::string_view key) const {
    std::string nfc = to_nfc(key);
    return fold_ ? fold_case(nfc) : nfc;
  }

  void index_baseline(const BaselineView& baseline) {
    baseline.for_each([&](std::string_view path, BaselineView::Handle handle) {
      std::string key = match_key(path);
      std::string_view held = path;
      if (key != path) held = baseline_keys_.emplace_back(std::move(key));
      baseline_.emplace(held, handle);
    });
  }

  void take_listing(const std::vector<ObjectMeta>& metas, ListingIndex& listing) {
    add_to_listing(metas, listing, fold_);
    listing.order();
  }

  // Marks what cannot take part in matching; equal match keys are adjacent.
  void classify(SideState& side) {
    const ListingIndex& l = side.listing;
    side.flags.assign(l.size(), 0);
    size_t last_usable = l.size();
    for (size_t i = 0; i < l.size(); ++i) {
      if (l.kind(i) == ObjectKind::DirectoryMarker) {
        side.flags[i] = kIgnored;
        continue;
      }
      std::string_view key = l.key(i);
      if (!Path::validate(key).ok()) {
        side.flags[i] = kInvalid;
        continue;
      }
      if (side.side == Side::Source && !unholdable(key).empty()) {
        side.flags[i] = kUnholdable;
        continue;
      }
      side.any_object = true;
      if (last_usable < l.size() && l.match_key(last_usable) == l.match_key(i)) {
        side.flags[last_usable] |= kCollided;
        side.flags[i] |= kCollided;
      }
      last_usable = i;
    }
  }

  // Why the destination cannot hold an object named `key` ("" when it can).
  std::string unholdable(std::string_view key) const {
    const Capabilities& caps = in_.destination_caps;
    if (caps.max_key_bytes > 0 && key.size() > caps.max_key_bytes) {
      return fmt::format("the name is {} bytes long; the destination allows at most {}", key.size(),
                         caps.max_key_bytes);
    }
    size_t start = 0;
    for (;;) {
      size_t slash = key.find('/', start);
      std::string_view segment = key.substr(start, slash == std::string_view::npos ? key.npos : slash - start);
      if (caps.max_name_bytes > 0 && segment.size() > caps.max_name_bytes) {
        return fmt::format(
            "a part of the name is {} bytes long; the destination allows at most {} per folder or "
            "file name",
            segment.size(), caps.max_name_bytes);
      }
      if (caps.reserves_temporary_names && is_partial_file_name(segment)) {
        return fmt::format("'{}' is named like cloudsync's own temporary files, which the destination reserves",
                           segment);
      }
      if (slash == std::string_view::npos) return {};
      start = slash + 1;
    }
  }

  static const char* side_name(Side side) { return side == Side::Source ? "source" : "destination"; }

  // The one entry a side has for a match key, when it has exactly one usable.
  static std::optional<size_t> single_usable(const SideState& side, size_t first, size_t end) {
    std::optional<size_t> found;
    for (size_t i = first; i < end; ++i) {
      if (side.flags[i] & (kIgnored | kInvalid | kUnholdable)) continue;
      if (found || side.flags[i] != 0) return std::nullopt;
      found = i;
    }
    return found;
  }

  // The folders a side's keys lie in (match keys, without the trailing '/').
  // Keys in match-key order share their folders with their neighbours, so
  // each folder is looked at about once.
  static std::set<std::string> folders_of(const SideState& side) {
    std::set<std::string> folders;
    std::string_view previous_parent;
    for (size_t i = 0; i < side.listing.size(); ++i) {
      if (side.flags[i] & (kIgnored | kInvalid | kUnholdable)) continue;
      std::string_view key = side.listing.match_key(i);
      size_t last = key.rfind('/');
      if (last == std::string_view::npos) continue;
      std::string_view parent = key.substr(0, last);
      if (parent == previous_parent) continue;
      previous_parent = parent;
      for (size_t slash = key.find('/'); slash != std::string_view::npos; slash = key.find('/', slash + 1)) {
        folders.emplace(key.substr(0, slash));
      }
    }
    return folders;
  }

  // On a hierarchical destination "a" cannot be a file while "a/..." exists.
  // Looked up folder by folder (there are far fewer folders than files).
  void find_hierarchy_conflicts(const SideState& src, const SideState& dst) {
    const ListingIndex& s = src.listing;
    const ListingIndex& d = dst.listing;
    auto group_end = [](const ListingIndex& l, size_t i) {
      size_t j = i;
      while (j < l.size() && l.match_key(j) == l.match_key(i)) ++j;
      return j;
    };
    auto usable_at = [&](const SideState& side, std::string_view key) -> std::optional<size_t> {
      size_t i = side.listing.find(key);
      if (i == side.listing.size()) return std::nullopt;
      return single_usable(side, i, group_end(side.listing, i));
    };
    // Whether a side lists an object by that name at all (even one it cannot use).
    auto listed_at = [&](const SideState& side, std::string_view key) {
      for (size_t i = side.listing.find(key); i < side.listing.size() && side.listing.match_key(i) == key; ++i) {
        if (!(side.flags[i] & (kIgnored | kInvalid | kUnholdable))) return true;
      }
      return false;
    };
    std::set<std::string> src_folders = folders_of(src);
    for (const std::string& folder : src_folders) {
      if (auto i = usable_at(src, folder)) {
        blocked_.emplace(*i, "a folder of the same name exists at the source; a local folder cannot also be a file");
      }
    }
    for (const std::string& folder : folders_of(dst)) {
      auto i = usable_at(src, folder);
      if (i && !blocked_.count(*i) && !usable_at(dst, folder)) {
        blocked_.emplace(*i, "a folder of the same name exists at the destination");
      }
    }
    // A file at the destination where the source has a folder (and no file
    // of that name): everything below that folder is blocked, the shallowest
    // such file named.
    for (const std::string& folder : src_folders) {  // ordered: a parent before its children
      if (!usable_at(dst, folder) || listed_at(src, folder)) continue;
      std::string in_the_way(d.key(*usable_at(dst, folder)));
      std::string below = folder + "/";
      for (size_t i = s.lower_bound(below); i < s.size() && s.match_key(i).starts_with(below); ++i) {
        if (src.usable(i) && !blocked_.count(i)) {
          blocked_.emplace(i, fmt::format("a file named '{}' is in the way at the destination", in_the_way));
        }
      }
    }
  }

  // What the delete guards need that the merge cannot see: whether the source
  // lists anything at all, and in each selected folder.
  void prepare_guards(const SideState& src) {
    source_empty_ = !src.any_object;
    for (const std::string& folder : in_.folders) {
      if (folder.empty()) continue;
      std::string prefix = folder + "/";
      bool listed = false;
      for (size_t i = 0; i < src.listing.size() && !listed; ++i) listed = src.listing.key(i).starts_with(prefix);
      if (!listed) empty_folders_.push_back({prefix, folder, 0});
    }
    for (const UnreadableEntry& entry : in_.source_unreadable) plan_.unreadable.push_back(entry);
  }

  // One pass over both sides in match-key order: each key is decided from
  // its entries on either side.
  void merge(SideState& src, SideState& dst) {
    const ListingIndex& s = src.listing;
    const ListingIndex& d = dst.listing;
    size_t i = 0, j = 0;
    while (i < s.size() || j < d.size()) {
      std::string_view key =
          i < s.size() && (j >= d.size() || s.match_key(i) <= d.match_key(j)) ? s.match_key(i) : d.match_key(j);
      size_t i_end = i, j_end = j;
      while (i_end < s.size() && s.match_key(i_end) == key) ++i_end;
      while (j_end < d.size() && d.match_key(j_end) == key) ++j_end;
      decide_key(src, i, i_end, dst, j, j_end);
      i = i_end;
      j = j_end;
    }
  }

  void decide_key(SideState& src, size_t i, size_t i_end, SideState& dst, size_t j, size_t j_end) {
    report_unusable(src, i, i_end);
    report_unusable(dst, j, j_end);
    // Both sides report their collisions, whatever the other's.
    const bool source_collided = report_collisions(src, i, i_end);
    const bool destination_collided = report_collisions(dst, j, j_end);
    if (source_collided || destination_collided) return;
    std::optional<size_t> si = single_usable(src, i, i_end);
    std::optional<size_t> di = single_usable(dst, j, j_end);
    if (!si && !di) return;
    if (si) {
      if (auto it = blocked_.find(*si); it != blocked_.end()) {
        ObjectMeta sm = src.listing.meta(*si);
        std::optional<ObjectMeta> d;
        if (di) d = dst.listing.meta(*di);
        emit(ActionKind::Skip, &sm, std::move(it->second), d ? &*d : nullptr);
        return;
      }
    }
    std::optional<BaselineEntry> b;
    if (!baseline_.empty()) {
      std::string_view key = si ? src.listing.match_key(*si) : dst.listing.match_key(*di);
      if (auto it = baseline_.find(key); it != baseline_.end()) b = in_.baseline->entry(it->second);
    }
    if (si && di && !b && quickly_in_sync(*si, *di)) {
      ++plan_.unchanged_count;
      return;
    }
    std::optional<ObjectMeta> s, d;
    if (si) s = src.listing.meta(*si);
    if (di) d = dst.listing.meta(*di);
    decide(s ? &*s : nullptr, d ? &*d : nullptr, b ? &*b : nullptr);
  }

  void report_unusable(const SideState& side, size_t first, size_t end) {
    for (size_t i = first; i < end; ++i) {
      uint8_t f = side.flags[i];
      if (!(f & (kInvalid | kUnholdable))) continue;
      ObjectMeta m = side.listing.meta(i);
      std::string why = (f & kInvalid) ? fmt::format("unusable name at the {}: {}", side_name(side.side),
                                                     Path::validate(m.key).message())
                                       : unholdable(m.key);
      add_side_skip(side.side, m, std::move(why));
    }
  }

  bool report_collisions(const SideState& side, size_t first, size_t end) {
    std::vector<size_t> colliding;
    for (size_t i = first; i < end; ++i) {
      if (side.flags[i] & kCollided) colliding.push_back(i);
    }
    if (colliding.empty()) return false;
    std::string names;
    for (size_t i : colliding) names += fmt::format("{}'{}'", names.empty() ? "" : ", ", side.listing.key(i));
    for (size_t i : colliding) {
      ObjectMeta m = side.listing.meta(i);
      add_side_skip(side.side, m,
                    fmt::format("names collide at the {} ({}): they differ only in Unicode form or case, or are "
                                "duplicates",
                                side_name(side.side), names));
    }
    return true;
  }

  // Takes `meta` over.
  void add_side_skip(Side side, ObjectMeta& meta, std::string reason) {
    if (side == Side::Source) {
      emit(ActionKind::Skip, &meta, std::move(reason), nullptr);
    } else {
      emit(ActionKind::Skip, nullptr, std::move(reason), &meta);
    }
  }

  // The common case of a re-sync decided from the two listings alone: same
  // size, mtimes within the stores' precision. Exactly the first rungs of
  // same_content's ladder, without reading back either entry.
  bool quickly_in_sync(size_t si, size_t di) const {
    if (in_.keep_unchanged || in_.checksum) return false;
    const ListingIndex& s = src_listing_;
    const ListingIndex& d = dst_listing_;
    if (s.kind(si) != ObjectKind::File || d.kind(di) != ObjectKind::File) return false;
    if (s.object_size(si) != d.object_size(di)) return false;
    auto ps = precision(in_.source_caps), pd = precision(in_.destination_caps);
    auto sm = s.mtime(si), dm = d.mtime(di);
    if (!sm || !dm || ps.count() == 0 || pd.count() == 0) return false;
    auto window = std::max(ps, pd) + in_.modify_window;
    return std::chrono::abs(*sm - *dm) < std::max(window, std::chrono::nanoseconds(1));
  }

  // Every action passes here: the read-only rule, the delete guards, then to
  // the consumer or into the plan. It takes the entries over: each is moved
  // once, into the action (a plan of a million objects moves a million).
  void emit(ActionKind kind, ObjectMeta* s, std::string reason, ObjectMeta* d) {
    if ((kind == ActionKind::Update || kind == ActionKind::Delete) && d && d->kind == ObjectKind::Document) {
      kind = ActionKind::Skip;  // Google Docs and the like are read-only to us: never overwritten or deleted
      reason = "a provider-native document (e.g. a Google Doc) is never overwritten or deleted; " + reason;
    }
    PlanAction a;
    a.kind = kind;
    a.path = s ? s->key : d->key;
    a.reason = std::move(reason);
    if (s) {
      a.source = std::move(*s);
      a.has_source = true;
    }
    if (d) {
      a.destination = std::move(*d);
      a.has_destination = true;
    }
    if (a.kind == ActionKind::Delete) withhold_if_guarded(a);
    if (in_.on_action) {
      in_.on_action(std::move(a));
    } else {
      plan_.actions.push_back(std::move(a));
    }
  }

  // An action on the pair being decided; it takes the entries over.
  void add_action(ActionKind kind, std::string reason, ObjectMeta* s, ObjectMeta* d) {
    emit(kind, s, std::move(reason), d);
  }

  // Fills `meta.hashes` through the callback when a comparison needs them.
  // `wanted`: what the other side knows; when it knows nothing (both local),
  // MD5 and SHA-256, so that either can be compared later.
  void ensure_hashes(Side side, ObjectMeta& meta, HashKinds wanted) {
    if (!meta.hashes.empty() || !in_.hash) return;
    auto hashes = in_.hash(side, meta, wanted != 0 ? wanted : HashKind::Md5 | HashKind::Sha256);
    if (hashes.ok()) meta.hashes = std::move(hashes).value();
  }

  // A listing that tells neither when nor what (an S3 multipart object) is
  // completed from the object's own metadata: its mtime, and the hashes it
  // records.
  void complete_from_head(Side side, ObjectMeta& meta) {
    const Capabilities& caps = side == Side::Source ? in_.source_caps : in_.destination_caps;
    if (meta.mtime || !meta.hashes.empty() || !in_.head || caps.mtime_precision.count() == 0) return;
    auto now = in_.head(side, meta);
    if (!now.ok()) {
      log(LogLevel::Warn, "'{}': reading its metadata failed ({}); comparing by size alone", meta.key,
          now.status().to_string());
      return;
    }
    if (now->size != meta.size || now->etag != meta.etag) return;  // replaced since the listing
    meta.mtime = now->mtime;
    meta.hashes.merge(now->hashes);
  }

  bool unchanged_since(Side side, const Fingerprint& recorded, ObjectMeta& now) {
    if (same_version(recorded, now)) return true;
    if (recorded.size != now.size || recorded.hashes.empty() || !now.hashes.empty()) return false;
    ensure_hashes(side, now, recorded.hashes.kinds());
    return same_version(recorded, now);
  }

  static std::chrono::nanoseconds precision(const Capabilities& caps) { return caps.mtime_precision; }

  // Same content? The ladder: size, then mtime within the stores' precision,
  // then a hash both sides know (computed lazily for local files).
  bool same_content(ObjectMeta& s, ObjectMeta& d, std::string& why) {
    if (s.kind == ObjectKind::Document || d.kind == ObjectKind::Document) {
      // A provider-native document has no byte size or hash of its own; the
      // exported copy carries the document's modification time.
      if (s.mtime && d.mtime &&
          std::chrono::abs(*s.mtime - *d.mtime) <
              std::max(precision(in_.source_caps), std::chrono::nanoseconds(1000000)) + in_.modify_window) {
        return true;
      }
      why = "the document was modified";
      return false;
    }
    if (s.size != d.size) {
      why = fmt::format("size differs ({} at the source, {} at the destination)", s.size, d.size);
      return false;
    }
    complete_from_head(Side::Source, s);
    complete_from_head(Side::Destination, d);
    bool have_mtimes =
        s.mtime && d.mtime && precision(in_.source_caps).count() > 0 && precision(in_.destination_caps).count() > 0;
    if (have_mtimes && !in_.checksum) {
      auto window = std::max(precision(in_.source_caps), precision(in_.destination_caps)) + in_.modify_window;
      if (std::chrono::abs(*s.mtime - *d.mtime) < std::max(window, std::chrono::nanoseconds(1))) return true;
    }
    if (!s.hashes.matches(d.hashes).has_value()) {
      ensure_hashes(Side::Source, s, d.hashes.kinds());
      ensure_hashes(Side::Destination, d, s.hashes.kinds());
    }
    if (auto same = s.hashes.matches(d.hashes)) {
      if (!*same) why = "content differs (checksum)";
      return *same;
    }
    if (have_mtimes) {
      why = "modification time differs";
      return false;
    }
    return true;  // stores with neither mtimes nor a shared hash: same size is all we can tell
  }

  void decide(ObjectMeta* s, ObjectMeta* d, const BaselineEntry* b) {
    bool three_way = in_.baseline != nullptr;
    if (s != nullptr && d == nullptr) {
      add_action(ActionKind::Add, b ? "missing at the destination" : "new at the source", s, nullptr);
      return;
    }
    if (s == nullptr) {
      extraneous(d, b);
      return;
    }
    std::string why;
    if (three_way && b != nullptr) {
      bool source_changed = !unchanged_since(Side::Source, b->source, *s);
      bool destination_changed = !unchanged_since(Side::Destination, b->destination, *d);
      if (!source_changed && !destination_changed) {
        in_sync(*s, *d);
      } else if (source_changed && !destination_changed) {
        add_action(ActionKind::Update, "changed at the source", s, d);
      } else if (!source_changed) {
        add_action(ActionKind::Skip, "changed at the destination only; not overwritten", s, d);
      } else if (same_content(*s, *d, why)) {
        in_sync(*s, *d);
      } else {
        add_action(ActionKind::Conflict, "changed on both sides since the last sync", s, d);
      }
      return;
    }
    if (same_content(*s, *d, why)) {
      in_sync(*s, *d);
    } else if (three_way) {
      add_action(ActionKind::Conflict, "present on both sides with different content and no sync history (" + why + ")",
                 s, d);
    } else {
      add_action(ActionKind::Update, why, s, d);
    }
  }

  void extraneous(ObjectMeta* d, const BaselineEntry* b) {
    if (in_.baseline != nullptr) {
      if (b == nullptr) return;  // never came from this source: not ours to judge
      bool destination_changed = !unchanged_since(Side::Destination, b->destination, *d);
      if (!in_.delete_extraneous) {
        add_action(ActionKind::Skip, "deleted at the source (delete_extraneous is off)", nullptr, d);
      } else if (destination_changed) {
        add_action(ActionKind::Conflict, "deleted at the source but changed at the destination", nullptr, d);
      } else {
        add_action(ActionKind::Delete, "deleted at the source", nullptr, d);
      }
      return;
    }
    if (in_.delete_extraneous) {
      add_action(ActionKind::Delete, "not at the source", nullptr, d);
    } else {
      add_action(ActionKind::Skip, "not at the source (delete_extraneous is off)", nullptr, d);
    }
  }

  void in_sync(ObjectMeta& s, ObjectMeta& d) {
    ++plan_.unchanged_count;
    if (!in_.keep_unchanged || !in_.keep_unchanged(s, d)) return;
    PlanAction a;
    a.kind = ActionKind::Skip;
    a.path = s.key;
    a.reason = "in sync";
    a.source = std::move(s);
    a.destination = std::move(d);
    a.has_source = a.has_destination = true;
    plan_.unchanged.push_back(std::move(a));
  }

  // The delete guards, applied to each delete as it is decided (both
  // listings are complete before the merge, so nothing is decided early):
  // - an empty source -- or an empty selected folder of it -- is more likely
  //   a wrong prefix, a folder that was never imported or a failed mount than
  //   a request to wipe the destination;
  // - a folder the source could not read holds unknown files: none of their
  //   copies at the destination is extraneous.
  void withhold_if_guarded(PlanAction& a) {
    if (source_empty_) {
      a.kind = ActionKind::Skip;
      a.reason = "the source listing is empty; refusing to delete everything at the destination";
      ++withheld_for_empty_source_;
      return;
    }
    for (EmptyFolder& f : empty_folders_) {
      if (!a.path.starts_with(f.prefix)) continue;
      a.kind = ActionKind::Skip;
      a.reason = fmt::format(
          "the source has nothing in the selected folder '{}'; refusing to delete all of it at "
          "the destination",
          f.folder);
      ++f.withheld;
      return;
    }
    for (const UnreadableEntry& entry : in_.source_unreadable) {
      if (!a.path.starts_with(entry.key)) continue;
      a.kind = ActionKind::Skip;
      a.reason = fmt::format("'{}' could not be read at the source ({}); refusing to delete what may still be there",
                             entry.key, entry.reason.message());
      return;
    }
  }

  void finish_guards() {
    if (withheld_for_empty_source_ > 0) {
      plan_.warnings.push_back("the source is empty: deletions were withheld (check the source path)");
    }
    for (const EmptyFolder& f : empty_folders_) {
      if (f.withheld == 0) continue;
      plan_.warnings.push_back(
          fmt::format("the source has nothing in '{}': its deletions were withheld (check the folder)", f.folder));
    }
    for (const UnreadableEntry& entry : in_.source_unreadable) {
      plan_.warnings.push_back(fmt::format("could not read '{}' at the source: {}; nothing will be deleted", entry.key,
                                           entry.reason.to_string()));
    }
  }

  struct EmptyFolder {
    std::string prefix;  // "folder/"
    std::string folder;
    size_t withheld = 0;
  };

  const PlanInput& in_;
  ListingIndex src_listing_, dst_listing_;
  bool fold_ = false;
  Plan plan_;
  // The baseline by match key. Keys are views of the baseline's own paths;
  // only a match key that differs from its path (not NFC, or case-folded)
  // is held here, in baseline_keys_.
  std::unordered_map<std::string_view, BaselineView::Handle> baseline_;
  std::deque<std::string> baseline_keys_;
  std::unordered_map<size_t, std::string> blocked_;  // source entry -> why it is not transferred
  bool source_empty_ = false;
  size_t withheld_for_empty_source_ = 0;
  std::vector<EmptyFolder> empty_folders_;
};

}  // namespace

bool needs_case_folding(const Capabilities& source, const Capabilities& destination) {
  return !source.case_sensitive || !destination.case_sensitive;
}

Result<Plan> compute_plan(const PlanInput& input) {
  return Planner(input, input.source_listing, input.destination_listing).run();
}

Result<Plan> compute_plan(PlanInput&& input) {
  // Each side's ObjectMeta form is freed as soon as it is held compactly:
  // the merge runs on the compact listings alone.
  bool fold = needs_case_folding(input.source_caps, input.destination_caps);
  for (auto [metas, listing] :
       {std::pair{&input.source, &input.source_listing}, std::pair{&input.destination, &input.destination_listing}}) {
    add_to_listing(*metas, *listing, fold);
    std::vector<ObjectMeta>().swap(*metas);
  }
  return Planner(input, std::move(input.source_listing), std::move(input.destination_listing)).run();
}

}  // namespace cloudsync
