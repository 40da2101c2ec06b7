#include "interrupt.hpp"

#include <csignal>

namespace cloudsync::cli {

namespace {

CancelToken g_token;  // cancel() is a lock-free atomic store: safe in a signal handler
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int signo) {
  g_signal = signo;
  g_token.cancel();
  std::signal(signo, SIG_DFL);  // the next one is not caught
}

}  // namespace

const CancelToken* interrupt_token() {
  static const bool installed = [] {
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    return true;
  }();
  (void)installed;
  return &g_token;
}

int interrupting_signal() { return static_cast<int>(g_signal); }

void accept_interrupt() { g_signal = 0; }

}  // namespace cloudsync::cli
