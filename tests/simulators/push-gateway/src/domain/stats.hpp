#pragma once
// Counters behind GET /control/stats, which tests compare with what the
// notification service believes it sent:
// {"requests":N,"accepted":N,"duplicates":N,"rejected":{"<status>":count},"held":N}

#include <cstdint>
#include <map>
#include <string>

namespace caas::push_sim {

struct Stats {
  std::uint64_t requests = 0;             // every POST /v1/messages
  std::uint64_t accepted = 0;             // 202: a new message delivered (its answer may have been held)
  std::uint64_t duplicates = 0;           // 200 duplicate:true: a retry, not delivered again
  std::map<int, std::uint64_t> rejected;  // every error answer by status (injected ones included)
  std::uint64_t held = 0;                 // answers held (hold_next and accept_then_hold_next)

  /// Counts the outcome of one answer that was decided (not a pure hold).
  void count_answer(int status);
  std::string to_json() const;
};

}  // namespace caas::push_sim
