#pragma once
// Machine-local resources a test needs for itself: a fresh scratch directory
// and a free loopback TCP port. Hermetic tests use port 0 wherever they can;
// free_port() is for a child process that must be told its port up front.

#include <cstdint>
#include <filesystem>
#include <string_view>

namespace caas::testing {

/// An empty directory "<tmp>/caas-<tag>-<pid>-<n>" (removed first if a
/// previous run left it). Unique per call within the process, and across
/// concurrent test processes through the pid. Removed when the Catch2 test
/// case that made it passes; a failing test's data stays for inspection
/// (CAAS_KEEP_TEST_DIRS=1 keeps every one).
std::filesystem::path fresh_dir(std::string_view tag);

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and
/// released). Another process may take it before the caller binds it; good
/// enough for tests, never for production.
std::uint16_t free_port();

}  // namespace caas::testing
