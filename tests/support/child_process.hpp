#pragma once
// A child process for end-to-end and crash tests: started with fork/exec, its
// stdout readable line by line with a deadline, killed (SIGKILL) when the
// handle goes out of scope so a failing test never leaks processes.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace caas::testing {

class ChildProcess {
 public:
  /// Starts `argv[0]` with the given arguments; `env` entries are added to
  /// (or override) the parent's environment. Stderr is inherited so the
  /// child's logs appear in the test output.
  ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// Next line of stdout, or nullopt on EOF or when the deadline passes.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  /// Reads lines until one starts with `prefix`; returns it (nullopt on timeout/EOF).
  std::optional<std::string> wait_for_line(const std::string& prefix, std::chrono::milliseconds timeout);

  void kill_hard();  // SIGKILL, then reap
  void terminate();  // SIGTERM (does not wait)
  /// Waits for exit; returns the exit status (128+signal if killed), nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  std::optional<int> status_;
};

/// Directory of the test executables (where helper binaries are built).
std::string executable_dir();

}  // namespace caas::testing
