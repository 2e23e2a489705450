#include "local_resources.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

// Listeners are part of Catch2 v2's "external interfaces", off by default.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace caas::testing {
namespace {

/// The scratch directories made since the current test case began.
class ScratchDirs {
 public:
  void add(std::filesystem::path dir) {
    std::lock_guard lock(mutex_);
    dirs_.push_back(std::move(dir));
  }
  std::vector<std::filesystem::path> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(dirs_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<std::filesystem::path> dirs_;
};

ScratchDirs& scratch_dirs() {
  static ScratchDirs dirs;
  return dirs;
}

/// Removes a test case's scratch directories once it has passed; a failed
/// one's stay for inspection (so do all with CAAS_KEEP_TEST_DIRS=1). Runs
/// after the test's own objects, and the processes they own, are gone.
class RemoveScratchDirsOfPassedTests : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseEnded(const Catch::TestCaseStats& stats) override {
    const auto dirs = scratch_dirs().take();
    if (!stats.totals.assertions.allOk() || std::getenv("CAAS_KEEP_TEST_DIRS") != nullptr) return;
    for (const auto& dir : dirs) {
      std::error_code ignored;  // best effort: a leftover file only costs disk
      std::filesystem::remove_all(dir, ignored);
    }
  }
};

}  // namespace

CATCH_REGISTER_LISTENER(RemoveScratchDirsOfPassedTests)

std::filesystem::path fresh_dir(std::string_view tag) {
  static std::atomic<int> n{0};
  auto dir = std::filesystem::temp_directory_path() /
             ("caas-" + std::string(tag) + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  scratch_dirs().add(dir);
  return dir;
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("no free loopback port");
  return ntohs(addr.sin_port);
}

}  // namespace caas::testing
