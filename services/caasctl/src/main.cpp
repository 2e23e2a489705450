// caasctl: the operator CLI (issue 16). Everything is in app/commands.cpp;
// main only connects the process to it.
#include "app/commands.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>

namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_signal(int) {
  interrupted.store(true);
}

}  // namespace

int main(int argc, char** argv) {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  std::ios::sync_with_stdio(true);
  caas::ctl::Io io{std::cout, std::cerr};
  io.out_is_terminal = ::isatty(STDOUT_FILENO) == 1;
  io.env = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  io.interrupted = &interrupted;
  const int rc = caas::ctl::run(argc, argv, io);
  std::cout.flush();
  return rc;
}
