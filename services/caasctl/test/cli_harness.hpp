#pragma once
// Runs caasctl in-process against a broker: argv in; exit code, stdout
// (data) and stderr (diagnostics) out; JSON lines parsed for the checks.

#include "app/commands.hpp"

#include <caas/events/json.hpp>

#include <rapidjson/document.h>

#include <atomic>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace caas::ctl::testing {

struct Ran {
  int rc = -1;
  std::string out, err;
  /// stdout as JSON lines (-o jsonl is the default off a terminal).
  std::vector<rapidjson::Document> lines() const {
    std::vector<rapidjson::Document> docs;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      rapidjson::Document d;
      d.Parse(line.c_str());
      if (!d.HasParseError()) docs.push_back(std::move(d));
    }
    return docs;
  }
};

struct Cli {
  explicit Cli(std::string broker) : bootstrap(std::move(broker)) {}
  std::string bootstrap;
  std::string actor = "tester@ci";
  std::atomic<bool> interrupted{false};
  std::function<void(int)> after_step{};

  Ran operator()(std::vector<std::string> args) {
    std::ostringstream out, err;
    Io io{out, err};
    io.interrupted = &interrupted;
    io.after_step = after_step;
    args.insert(args.end(),
                {"--bootstrap", bootstrap, "--actor", actor, "--schema-dir", CAAS_SCHEMA_DIR, "--timeout", "10s"});
    std::vector<const char*> argv{"caasctl"};
    for (auto& a : args) argv.push_back(a.c_str());
    Ran r;
    r.rc = run(static_cast<int>(argv.size()), argv.data(), io);
    r.out = out.str();
    r.err = err.str();
    return r;
  }
};

inline std::string str(const rapidjson::Value& v, const char* k) {
  auto it = v.FindMember(k);
  return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : std::string{};
}
inline std::int64_t num(const rapidjson::Value& v, const char* k) {
  auto it = v.FindMember(k);
  return it != v.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : -1;
}

}  // namespace caas::ctl::testing
