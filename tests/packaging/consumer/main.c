/* Uses the C ABI. */
#include <stdio.h>

#include "cloudsync.h"

int main(void) {
  printf("cloudsync %s (ABI %d)\n", cloudsync_version(), cloudsync_abi_version());
  return cloudsync_abi_version() == CLOUDSYNC_ABI_VERSION ? 0 : 1;
}
