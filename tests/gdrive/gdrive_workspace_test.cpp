#include "gdrive/drive_fixture.hpp"
