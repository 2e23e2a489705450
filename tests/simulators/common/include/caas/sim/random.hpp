#pragma once
// The simulator's only source of randomness, injected everywhere a fault is
// drawn, so a --seed makes a whole run reproducible and unit tests can script
// every draw.

#include <cstdint>
#include <deque>
#include <random>

namespace caas::sim {

class Random {
 public:
  virtual ~Random() = default;
  /// Uniform in [0, 1).
  virtual double uniform() = 0;
  /// True with probability p (p <= 0 never draws, so a disabled fault does not
  /// shift the sequence of the others).
  bool chance(double p) {
    if (p <= 0.0) return false;
    if (p >= 1.0) return true;
    return uniform() < p;
  }
  /// Uniform index in [0, n); n must be > 0.
  std::size_t index(std::size_t n) {
    auto i = static_cast<std::size_t>(uniform() * static_cast<double>(n));
    return i < n ? i : n - 1;
  }
};

/// mt19937_64 (fully specified by the standard) mapped to [0, 1) by hand,
/// because std::uniform_real_distribution may differ between libraries: the
/// same --seed gives the same faults everywhere.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}
  double uniform() override { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

 private:
  std::mt19937_64 engine_;
};

/// Unit tests: returns the scripted values in order, then `fallback`.
class ScriptedRandom final : public Random {
 public:
  explicit ScriptedRandom(std::deque<double> values = {}, double fallback = 0.999999)
      : values_(std::move(values)), fallback_(fallback) {}
  void push(double v) { values_.push_back(v); }
  double uniform() override {
    if (values_.empty()) return fallback_;
    const double v = values_.front();
    values_.pop_front();
    return v;
  }

 private:
  std::deque<double> values_;
  double fallback_;
};

}  // namespace caas::sim
