#include "backends/xml_depth.hpp"

namespace cloudsync {

bool xml_deeper_than(const pugi::xml_node& root, size_t limit) {
  // Depth-first over the tree by parent and sibling links: no recursion, so
  // the walk itself is as safe as the parse.
  size_t depth = 0;
  pugi::xml_node node = root;
  for (;;) {
    if (pugi::xml_node child = node.first_child()) {
      node = child;
      if (++depth > limit) return true;
      continue;
    }
    while (node != root && !node.next_sibling()) {
      node = node.parent();
      --depth;
    }
    if (node == root) return false;
    node = node.next_sibling();
  }
}

}  // namespace cloudsync
