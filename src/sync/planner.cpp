#include "sync/planner.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <set>
#include <unordered_map>

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

struct Entry {
  ObjectMeta meta;  // a copy, so lazily computed hashes travel with the action
  bool usable = true;
};

using Index = std::map<std::string, std::vector<Entry>>;  // match key -> entries (several = collision)

class Planner {
 public:
  explicit Planner(const PlanInput& in) : in_(in) {
    fold_ = !in.source_caps.case_sensitive || !in.destination_caps.case_sensitive;
    plan_.source = in.source_name;
    plan_.destination = in.destination_name;
    plan_.delete_extraneous = in.delete_extraneous;
    plan_.mirror = in.baseline == nullptr;
  }

  Result<Plan> run() {
    index_side(in_.source, Side::Source, src_);
    index_side(in_.destination, Side::Destination, dst_);
    if (in_.baseline != nullptr) {
      for (const auto& [path, entry] : *in_.baseline) baseline_.emplace(match_key(path), &entry);
    }
    report_collisions(src_, Side::Source);
    report_collisions(dst_, Side::Destination);
    if (in_.destination_caps.hierarchical) report_hierarchy_conflicts();

    std::set<std::string> keys;
    for (const auto& [k, v] : src_) keys.insert(k);
    for (const auto& [k, v] : dst_) keys.insert(k);
    for (const std::string& key : keys) {
      Entry* s = usable(src_, key);
      Entry* d = usable(dst_, key);
      if (blocked_.count(key) || (s == nullptr && d == nullptr)) continue;
      const BaselineEntry* b = nullptr;
      if (auto it = baseline_.find(key); it != baseline_.end()) b = it->second;
      decide(s, d, b);
    }
    guard_empty_source();
    guard_unreadable_source();
    std::sort(plan_.actions.begin(), plan_.actions.end(),
              [](const PlanAction& a, const PlanAction& b) { return a.path < b.path; });
    return std::move(plan_);
  }

 private:
  std::string match_key(std::string_view key) const {
    std::string nfc = to_nfc(key);
    return fold_ ? fold_case(nfc) : nfc;
  }

  void index_side(const std::vector<ObjectMeta>& metas, Side side, Index& index) {
    for (const ObjectMeta& m : metas) {
      if (m.kind == ObjectKind::DirectoryMarker) continue;
      Status valid = Path::validate(m.key);
      if (!valid.ok()) {
        // Never transferred, never deleted: a name we cannot represent safely.
        add_action(ActionKind::Skip, m.key,
                   fmt::format("unusable name at the {}: {}", side_name(side), valid.message()),
                   side == Side::Source ? &m : nullptr, side == Side::Destination ? &m : nullptr);
        continue;
      }
      if (side == Side::Source) {
        if (std::string why = unholdable(m.key); !why.empty()) {
          // Reported, never attempted: a transfer bound to fail would count as a
          // failure in every run and withhold every deletion for good.
          add_action(ActionKind::Skip, m.key, why, &m, nullptr);
          continue;
        }
      }
      index[match_key(m.key)].push_back(Entry{m});
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

  void report_collisions(Index& index, Side side) {
    for (auto& [key, entries] : index) {
      if (entries.size() < 2) continue;
      std::string names;
      for (const Entry& e : entries) names += (names.empty() ? "'" : ", '") + e.meta.key + "'";
      for (Entry& e : entries) {
        e.usable = false;
        add_action(ActionKind::Skip, e.meta.key,
                   fmt::format("names collide at the {} ({}): they differ only in Unicode form or case, or are "
                               "duplicates",
                               side_name(side), names),
                   side == Side::Source ? &e.meta : nullptr, side == Side::Destination ? &e.meta : nullptr);
      }
      blocked_.insert(key);
    }
  }

  static Entry* usable(Index& index, const std::string& key) {
    auto it = index.find(key);
    if (it == index.end() || it->second.size() != 1 || !it->second.front().usable) return nullptr;
    return &it->second.front();
  }

  // On a hierarchical destination "a" cannot be a file while "a/..." exists.
  void report_hierarchy_conflicts() {
    auto folders_of = [](const Index& index) {
      std::set<std::string> folders;
      for (const auto& [key, entries] : index) {
        for (size_t slash = key.find('/'); slash != std::string::npos; slash = key.find('/', slash + 1)) {
          folders.insert(key.substr(0, slash));
        }
      }
      return folders;
    };
    std::set<std::string> src_folders = folders_of(src_);
    std::set<std::string> dst_folders = folders_of(dst_);
    for (auto& [key, entries] : src_) {
      Entry* s = usable(src_, key);
      if (s == nullptr) continue;
      if (src_folders.count(key)) {
        block(key, s, "a folder of the same name exists at the source; a local folder cannot also be a file");
        continue;
      }
      if (dst_folders.count(key) && usable(dst_, key) == nullptr) {
        block(key, s, "a folder of the same name exists at the destination");
        continue;
      }
      for (size_t slash = key.find('/'); slash != std::string::npos; slash = key.find('/', slash + 1)) {
        std::string parent = key.substr(0, slash);
        if (usable(dst_, parent) != nullptr && !src_.count(parent)) {
          block(key, s, fmt::format("a file named '{}' is in the way at the destination", parent));
          break;
        }
      }
    }
  }

  void block(const std::string& key, Entry* s, std::string reason) {
    blocked_.insert(key);
    Entry* d = usable(dst_, key);
    add_action(ActionKind::Skip, s->meta.key, std::move(reason), &s->meta, d ? &d->meta : nullptr);
  }

  void add_action(ActionKind kind, const std::string& path, std::string reason, const ObjectMeta* s,
                  const ObjectMeta* d) {
    if ((kind == ActionKind::Update || kind == ActionKind::Delete) && d != nullptr && d->kind == ObjectKind::Document) {
      kind = ActionKind::Skip;  // Google Docs and the like are read-only to us: never overwritten or deleted
      reason = "a provider-native document (e.g. a Google Doc) is never overwritten or deleted; " + reason;
    }
    PlanAction a;
    a.kind = kind;
    a.path = path;
    a.reason = std::move(reason);
    if (s) {
      a.source = *s;
      a.has_source = true;
    }
    if (d) {
      a.destination = *d;
      a.has_destination = true;
    }
    plan_.actions.push_back(std::move(a));
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

  std::chrono::nanoseconds precision(const Capabilities& caps) const { return caps.mtime_precision; }

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

  void decide(Entry* s, Entry* d, const BaselineEntry* b) {
    bool three_way = in_.baseline != nullptr;
    if (s != nullptr && d == nullptr) {
      add_action(ActionKind::Add, s->meta.key, b ? "missing at the destination" : "new at the source", &s->meta,
                 nullptr);
      return;
    }
    if (s == nullptr) {
      extraneous(d, b);
      return;
    }
    std::string why;
    if (three_way && b != nullptr) {
      bool source_changed = !unchanged_since(Side::Source, b->source, s->meta);
      bool destination_changed = !unchanged_since(Side::Destination, b->destination, d->meta);
      if (!source_changed && !destination_changed) {
        in_sync(s, d);
      } else if (source_changed && !destination_changed) {
        add_action(ActionKind::Update, s->meta.key, "changed at the source", &s->meta, &d->meta);
      } else if (!source_changed) {
        add_action(ActionKind::Skip, s->meta.key, "changed at the destination only; not overwritten", &s->meta,
                   &d->meta);
      } else if (same_content(s->meta, d->meta, why)) {
        in_sync(s, d);
      } else {
        add_action(ActionKind::Conflict, s->meta.key, "changed on both sides since the last sync", &s->meta, &d->meta);
      }
      return;
    }
    if (same_content(s->meta, d->meta, why)) {
      in_sync(s, d);
    } else if (three_way) {
      add_action(ActionKind::Conflict, s->meta.key,
                 "present on both sides with different content and no sync history (" + why + ")", &s->meta, &d->meta);
    } else {
      add_action(ActionKind::Update, s->meta.key, why, &s->meta, &d->meta);
    }
  }

  void extraneous(Entry* d, const BaselineEntry* b) {
    if (in_.baseline != nullptr) {
      if (b == nullptr) return;  // never came from this source: not ours to judge
      bool destination_changed = !unchanged_since(Side::Destination, b->destination, d->meta);
      if (!in_.delete_extraneous) {
        add_action(ActionKind::Skip, d->meta.key, "deleted at the source (delete_extraneous is off)", nullptr,
                   &d->meta);
      } else if (destination_changed) {
        add_action(ActionKind::Conflict, d->meta.key, "deleted at the source but changed at the destination", nullptr,
                   &d->meta);
      } else {
        add_action(ActionKind::Delete, d->meta.key, "deleted at the source", nullptr, &d->meta);
      }
      return;
    }
    if (in_.delete_extraneous) {
      add_action(ActionKind::Delete, d->meta.key, "not at the source", nullptr, &d->meta);
    } else {
      add_action(ActionKind::Skip, d->meta.key, "not at the source (delete_extraneous is off)", nullptr, &d->meta);
    }
  }

  void in_sync(Entry* s, Entry* d) {
    PlanAction a;
    a.kind = ActionKind::Skip;
    a.path = s->meta.key;
    a.reason = "in sync";
    a.source = s->meta;
    a.destination = d->meta;
    a.has_source = a.has_destination = true;
    plan_.unchanged.push_back(std::move(a));
  }

  // An empty source -- or an empty selected folder of it -- is more likely a
  // wrong prefix, a folder that was never imported or a failed mount than a
  // request to wipe the destination.
  void guard_empty_source() {
    if (plan_.count(ActionKind::Delete) == 0) return;
    if (src_.empty()) {
      withhold_deletes("", "the source listing is empty; refusing to delete everything at the destination");
      plan_.warnings.push_back("the source is empty: deletions were withheld (check the source path)");
      return;
    }
    for (const std::string& folder : in_.folders) {
      if (folder.empty()) continue;
      const std::string prefix = folder + "/";
      bool listed = std::any_of(in_.source.begin(), in_.source.end(),
                                [&](const ObjectMeta& m) { return m.key.starts_with(prefix); });
      if (listed) continue;
      if (withhold_deletes(prefix, fmt::format("the source has nothing in the selected folder '{}'; refusing to "
                                               "delete all of it at the destination",
                                               folder)) > 0) {
        plan_.warnings.push_back(
            fmt::format("the source has nothing in '{}': its deletions were withheld (check the folder)", folder));
      }
    }
  }

  // A folder the source could not read holds unknown files: none of their
  // copies at the destination is extraneous.
  void guard_unreadable_source() {
    for (const UnreadableEntry& entry : in_.source_unreadable) {
      withhold_deletes(entry.key, fmt::format("'{}' could not be read at the source ({}); refusing to delete what "
                                              "may still be there",
                                              entry.key, entry.reason.message()));
      plan_.warnings.push_back(fmt::format("could not read '{}' at the source: {}; nothing will be deleted", entry.key,
                                           entry.reason.to_string()));
      plan_.unreadable.push_back(entry);
    }
  }

  // Turns the deletes below `prefix` ("" for all) into skips; returns how many.
  size_t withhold_deletes(const std::string& prefix, const std::string& reason) {
    size_t withheld = 0;
    for (PlanAction& a : plan_.actions) {
      if (a.kind != ActionKind::Delete || !a.path.starts_with(prefix)) continue;
      a.kind = ActionKind::Skip;
      a.reason = reason;
      ++withheld;
    }
    return withheld;
  }

  const PlanInput& in_;
  bool fold_ = false;
  Plan plan_;
  Index src_, dst_;
  std::unordered_map<std::string, const BaselineEntry*> baseline_;
  std::set<std::string> blocked_;
};

}  // namespace

Result<Plan> compute_plan(const PlanInput& input) { return Planner(input).run(); }

}  // namespace cloudsync
