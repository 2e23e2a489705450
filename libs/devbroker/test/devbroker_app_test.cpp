// Drives the real caas-devbroker binary: start, read the bootstrap line,
// compare topic metadata with the table, SIGTERM, expect exit code 0.

#include <caas/kafka/consumer.hpp>
#include <caas/kafka/topics.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {

using namespace std::chrono_literals;

/// A child process with its stdout on a pipe; killed if still running at
/// destruction.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    out_ = fds[0];
    REQUIRE(rc == 0);
  }
  ~Child() {
    if (out_ >= 0) ::close(out_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  /// First line of stdout, or nullopt at EOF/deadline.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[512];
      const auto n = ::read(out_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buf_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  /// Exit status after waiting at most `timeout` (pidfd + poll: no sleeping).
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      const int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
      ::close(pidfd);
      if (r <= 0) return std::nullopt;
    }
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) return std::nullopt;
    pid_ = -1;
    return status;
  }

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buf_;
};

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("caas-devbroker-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("caas-devbroker serves every table topic and stops cleanly on SIGTERM") {
  const auto dir = temp_dir();
  const auto bootstrap_file = dir / "bootstrap";
  std::filesystem::remove(bootstrap_file);
  Child child({CAAS_DEVBROKER_BIN, "--brokers", "2", "--bootstrap-file", bootstrap_file.string()});
  const auto line = child.read_line(20s);
  REQUIRE(line);
  REQUIRE_FALSE(line->empty());
  // The file was written (atomically) before the line was printed.
  std::ifstream in(bootstrap_file);
  std::string from_file;
  std::getline(in, from_file);
  CHECK(from_file == *line);

  {
    caas::kafka::Consumer c({*line, "devbroker-app-test", {}}, caas::kafka::ConsumerOptions{});
    for (const auto& spec : caas::kafka::builtin_topic_table().topics) {
      INFO(spec.name);
      const auto parts = c.list_partitions(spec.name);
      REQUIRE(parts);
      CHECK(parts->size() == static_cast<std::size_t>(spec.partitions));
    }
  }
  REQUIRE(::kill(child.pid(), SIGTERM) == 0);
  const auto status = child.wait_exit(20s);
  REQUIRE(status);
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("caas-devbroker --help exits 0 and an unknown option exits 2") {
  {
    Child help({CAAS_DEVBROKER_BIN, "--help"});
    const auto line = help.read_line(10s);
    REQUIRE(line);
    CHECK(line->rfind("usage:", 0) == 0);
    const auto status = help.wait_exit(10s);
    REQUIRE(status);
    CHECK(WEXITSTATUS(*status) == 0);
  }
  {
    Child bad({CAAS_DEVBROKER_BIN, "--bogus"});
    const auto status = bad.wait_exit(10s);
    REQUIRE(status);
    CHECK(WEXITSTATUS(*status) == 2);
  }
}
