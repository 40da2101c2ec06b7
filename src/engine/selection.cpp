#include "engine/selection.hpp"

#include <set>
#include <utility>

#include "core/error.hpp"
#include "core/glob.hpp"

namespace cloudsync {

Status resolve_selection(StorageBackend& backend, const std::vector<std::string>& selectors,
                         const std::function<void(const ObjectMeta&)>& visit, const OpContext& ctx) {
  if (selectors.empty()) return make_error(ErrorCode::InvalidArgument, "nothing selected to import");
  // One object matched by several selectors is kept once; objects sharing a
  // key (Drive duplicates, told apart by their IDs) are all kept, so that the
  // planner reports the collision instead of importing one of them.
  std::set<std::pair<std::string, std::string>> seen;
  auto keep = [&](const ObjectMeta& m) {
    if (m.kind != ObjectKind::DirectoryMarker && seen.emplace(m.key, m.id).second) visit(m);
  };
  for (const std::string& selector : selectors) {
    bool matched = false;
    if (has_glob_chars(selector)) {
      ListOptions opts;
      opts.prefix = glob_literal_prefix(selector);
      const GlobPattern pattern(selector);
      CLOUDSYNC_RETURN_IF_ERROR(backend.list(
          opts,
          [&](const ObjectMeta& m) -> Status {
            if (m.kind == ObjectKind::DirectoryMarker) return Status::OK();
            CLOUDSYNC_ASSIGN_OR_RETURN(bool hit, pattern.match(m.key, ctx.cancel));
            if (hit) {
              matched = true;
              keep(m);
            }
            return Status::OK();
          },
          ctx));
    } else {
      std::string text = selector;
      bool folder_only = !text.empty() && text.back() == '/';
      while (!text.empty() && text.back() == '/') text.pop_back();
      auto path = Path::parse(text);
      if (!path.ok()) return path.status().with_context(fmt::format("selection '{}'", selector));
      if (!folder_only && !path->is_root()) {
        auto head = backend.head(*path, ctx);
        if (head.ok()) {
          matched = true;
          keep(*head);
        } else if (head.status().code() != ErrorCode::NotFound) {
          return head.status();
        }
      }
      if (!matched) {
        ListOptions opts;
        opts.prefix = path->is_root() ? std::string() : path->str() + "/";
        CLOUDSYNC_RETURN_IF_ERROR(backend.list(
            opts,
            [&](const ObjectMeta& m) {
              matched = matched || m.kind != ObjectKind::DirectoryMarker;
              keep(m);
              return Status::OK();
            },
            ctx));
      }
    }
    if (!matched) return make_error(ErrorCode::NotFound, "nothing in {} matches '{}'", backend.describe(), selector);
  }
  return Status::OK();
}

}  // namespace cloudsync
