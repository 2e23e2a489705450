#pragma once
// Exact dedup of readings by (vin, seq) in bounded space: the highest seq
// seen plus a bitmap of the `size` seqs below it. Kept in the vehicle's
// record, so it survives restarts and is rebuilt identically by a replay.
// A seq that falls below the window cannot be told apart from a duplicate:
// it is refused as too old (counted, never applied). Pure.

#include <cstdint>
#include <string>
#include <vector>

namespace caas::telemetry {

enum class SeqVerdict { fresh, out_of_order, duplicate, too_old };

class SeqWindow {
 public:
  SeqWindow() : SeqWindow(1024) {}
  /// `size` is rounded up to a multiple of 64 (at least 64).
  explicit SeqWindow(std::uint32_t size);

  /// Classifies `seq` and, unless it is a duplicate or too old, records it.
  SeqVerdict admit(std::uint64_t seq);
  /// Classification only.
  SeqVerdict classify(std::uint64_t seq) const;

  bool empty() const { return !any_; }
  std::uint64_t high() const { return high_; }
  std::uint32_t size() const { return static_cast<std::uint32_t>(bits_.size() * 64); }

  /// "<high>:<hex words>" (empty window: ""), for the vehicle record.
  std::string encode() const;
  /// Inverse of encode(); a window of a different size is re-fitted (bits
  /// beyond the new size are forgotten, which only makes them "too old").
  static SeqWindow decode(const std::string& text, std::uint32_t size);

  bool operator==(const SeqWindow&) const = default;

 private:
  bool test(std::uint64_t distance) const;  // distance = high - seq, 1..size
  void set(std::uint64_t distance);
  void shift(std::uint64_t by);

  bool any_ = false;
  std::uint64_t high_ = 0;
  std::vector<std::uint64_t> bits_;  // bit d-1 = seq high-d seen
};

}  // namespace caas::telemetry
