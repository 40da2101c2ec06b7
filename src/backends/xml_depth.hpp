// A bound on the nesting of the XML documents the stores answer with.
// pugixml parses without recursion, so depth cannot crash the parse itself;
// but a document thousands of levels deep is never a real answer, and
// refusing it up front keeps any recursive walk over a document (a save, a
// future traversal) safe from a hostile server.
#pragma once

#include <cstddef>

#include <pugixml.hpp>

namespace cloudsync {

/// Deepest element nesting accepted in an answer (real ones use fewer than 10).
inline constexpr size_t kMaxXmlDepth = 256;

/// True when nodes below `root` nest deeper than `limit` levels. Iterative.
bool xml_deeper_than(const pugi::xml_node& root, size_t limit = kMaxXmlDepth);

}  // namespace cloudsync
