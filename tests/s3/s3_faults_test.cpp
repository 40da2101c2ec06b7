#include "s3/s3_fixture.hpp"
