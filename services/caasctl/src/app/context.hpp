#pragma once
// What every command gets: the streams (data to out, diagnostics to err),
// whether they are terminals, the environment, the clock, the interrupt
// flag, and lazily the cluster and the schemas. main() fills Io from the
// process; tests fill it with string streams and their own broker.

#include "cli/args.hpp"
#include "cli/output.hpp"
#include "kafka/cluster.hpp"

#include <caas/events/schema_registry.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

namespace caas::ctl {

struct Io {
  std::ostream& out;
  std::ostream& err;
  bool out_is_terminal = false;
  std::function<std::optional<std::string>(const std::string&)> env = [](const std::string&) {
    return std::optional<std::string>{};
  };
  std::function<TimePoint()> now = [] { return std::chrono::system_clock::now(); };
  const std::atomic<bool>* interrupted = nullptr;
  /// Test hook: called after each acknowledged step of an executed plan.
  std::function<void(int seq)> after_step{};
};

struct GlobalOptions {
  std::string bootstrap;
  std::string config;
  std::string output;
  std::string schema_dir;
  std::string timeout = "10s";
  std::string actor;
  bool no_color = false;
};

class Context {
 public:
  Context(Io& io, GlobalOptions globals) : io_(io), globals_(std::move(globals)) {}
  Io& io() { return io_; }
  std::ostream& out() { return io_.out; }
  /// A diagnostic on stderr.
  void note(const std::string& message) { io_.err << "caasctl: " << message << '\n'; }
  TimePoint now() const { return io_.now(); }

  /// Validates the global options (once); usage errors are reported here.
  Result<void> prepare();
  Format format() const { return format_; }
  const Style& style() const { return style_; }
  void render(const Rows& rows) { ctl::render(io_.out, rows, format_, style_); }
  Result<Cluster*> cluster();
  Result<const events::SchemaRegistry*> schemas();
  const std::string& actor() const { return actor_; }
  std::chrono::milliseconds timeout() const { return timeout_; }

  /// The exit code for a failed Result: 2 for usage errors, 1 otherwise.
  int fail(const Error& e);

 private:
  Io& io_;
  GlobalOptions globals_;
  Format format_ = Format::jsonl;
  Style style_{};
  std::string actor_;
  std::chrono::milliseconds timeout_{10000};
  std::map<std::string, std::string> properties_;
  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<events::SchemaRegistry> schemas_;
};

}  // namespace caas::ctl
