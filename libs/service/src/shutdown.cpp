#include <caas/service/shutdown.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <stdexcept>

namespace caas::service {

ShutdownSignal::ShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) throw std::runtime_error("pthread_sigmask failed");
  signal_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC);
  event_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (signal_fd_ < 0 || event_fd_ < 0) throw std::runtime_error("signalfd/eventfd failed");
  // A peer closing a socket must not kill the process.
  ::signal(SIGPIPE, SIG_IGN);
}

ShutdownSignal::~ShutdownSignal() {
  if (signal_fd_ >= 0) ::close(signal_fd_);
  if (event_fd_ >= 0) ::close(event_fd_);
}

int ShutdownSignal::wait() {
  for (;;) {
    if (auto sig = wait_for(std::chrono::hours(24))) return *sig;
  }
}

std::optional<int> ShutdownSignal::wait_for(std::chrono::milliseconds timeout) {
  pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {event_fd_, POLLIN, 0}};
  int r = ::poll(fds, 2, static_cast<int>(timeout.count()));
  if (r <= 0) return std::nullopt;  // timeout or EINTR: the caller decides
  if ((fds[0].revents & POLLIN) != 0) {
    signalfd_siginfo info{};
    if (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      return static_cast<int>(info.ssi_signo);
    }
  }
  if ((fds[1].revents & POLLIN) != 0) return 0;  // eventfd stays readable: repeated waits return at once
  return std::nullopt;
}

void ShutdownSignal::request() noexcept {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(event_fd_, &one, sizeof one);
}

}  // namespace caas::service
