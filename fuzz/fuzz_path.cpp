// Path::parse / Path::validate on arbitrary text: they agree, a parsed Path
// re-serialises to text that parses to the same Path, and its pieces
// (segments, parent, name) put it back together.
#include <string>

#include "cloudsync/path.hpp"
#include "fuzz_check.hpp"

using namespace cloudsync;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  Status valid = Path::validate(text);
  Result<Path> path = Path::parse(text);
  FUZZ_CHECK(valid.ok() == path.ok());
  if (!path.ok()) {
    FUZZ_CHECK(path.status().code() == ErrorCode::InvalidArgument);
    return 0;
  }
  const Path& p = *path;
  FUZZ_CHECK(p.str() == text);
  Result<Path> again = Path::parse(p.str());
  FUZZ_CHECK(again.ok() && *again == p);
  if (p.is_root()) return 0;
  FUZZ_CHECK(text.find("//") == std::string_view::npos);
  FUZZ_CHECK(text.front() != '/' && text.back() != '/');
  std::string joined;
  for (std::string_view seg : p.segments()) {
    FUZZ_CHECK(Path::validate(seg).ok());
    FUZZ_CHECK(seg != "." && seg != "..");
    joined += (joined.empty() ? "" : "/") + std::string(seg);
  }
  FUZZ_CHECK(joined == p.str());
  Path parent = p.parent();
  FUZZ_CHECK(p.is_within(parent));
  FUZZ_CHECK(p.relative_to(parent).str() == p.name());
  Result<Path> rebuilt = parent.join(p.name());
  FUZZ_CHECK(rebuilt.ok() && *rebuilt == p);
  return 0;
}
