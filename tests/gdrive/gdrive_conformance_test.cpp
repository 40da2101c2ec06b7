// The shared backend conformance suite on Google Drive (the stand-in), every
// section in a fresh root folder.
#include "conformance/backend_conformance.hpp"
#include "gdrive/drive_fixture.hpp"

namespace cloudsync::test {

TEST_CASE("Google Drive backend conformance", "[gdrive][conformance]") {
  run_backend_conformance({"gdrive", [] { return open_drive(drive_options(fresh_folder())); }});
}

}  // namespace cloudsync::test
