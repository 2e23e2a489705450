#include "domain/seq_window.hpp"

#include <charconv>
#include <cstdio>

namespace caas::telemetry {

SeqWindow::SeqWindow(std::uint32_t size) : bits_(std::max<std::uint32_t>(1, (size + 63) / 64), 0) {}

SeqVerdict SeqWindow::classify(std::uint64_t seq) const {
  if (!any_ || seq > high_) return SeqVerdict::fresh;
  if (seq == high_) return SeqVerdict::duplicate;
  const auto distance = high_ - seq;
  if (distance > size()) return SeqVerdict::too_old;
  return test(distance) ? SeqVerdict::duplicate : SeqVerdict::out_of_order;
}

SeqVerdict SeqWindow::admit(std::uint64_t seq) {
  const auto verdict = classify(seq);
  if (verdict == SeqVerdict::fresh) {
    if (any_) shift(seq - high_);
    any_ = true;
    high_ = seq;
  } else if (verdict == SeqVerdict::out_of_order) {
    set(high_ - seq);
  }
  return verdict;
}

bool SeqWindow::test(std::uint64_t distance) const {
  const auto i = distance - 1;
  return (bits_[i / 64] >> (i % 64)) & 1U;
}

void SeqWindow::set(std::uint64_t distance) {
  const auto i = distance - 1;
  bits_[i / 64] |= std::uint64_t{1} << (i % 64);
}

// The old high becomes distance `by`; everything moves `by` further away.
void SeqWindow::shift(std::uint64_t by) {
  const std::uint64_t n = size();
  std::vector<std::uint64_t> next(bits_.size(), 0);
  if (by <= n) {
    for (std::uint64_t d = 1; d + by <= n; ++d) {
      if (test(d)) {
        const auto i = d + by - 1;
        next[i / 64] |= std::uint64_t{1} << (i % 64);
      }
    }
    const auto i = by - 1;  // the previous high itself
    next[i / 64] |= std::uint64_t{1} << (i % 64);
  }
  bits_ = std::move(next);
}

std::string SeqWindow::encode() const {
  if (!any_) return {};
  std::string out = std::to_string(high_) + ":";
  char word[17];
  for (auto w : bits_) {
    std::snprintf(word, sizeof word, "%016llx", static_cast<unsigned long long>(w));
    out += word;
  }
  return out;
}

SeqWindow SeqWindow::decode(const std::string& text, std::uint32_t size) {
  SeqWindow w(size);
  const auto colon = text.find(':');
  if (text.empty() || colon == std::string::npos) return w;
  std::uint64_t high = 0;
  if (std::from_chars(text.data(), text.data() + colon, high).ec != std::errc()) return w;
  w.any_ = true;
  w.high_ = high;
  const std::string_view hex(text.data() + colon + 1, text.size() - colon - 1);
  for (std::size_t i = 0; i < w.bits_.size() && (i + 1) * 16 <= hex.size(); ++i) {
    std::uint64_t value = 0;
    std::from_chars(hex.data() + i * 16, hex.data() + (i + 1) * 16, value, 16);
    w.bits_[i] = value;
  }
  return w;
}

}  // namespace caas::telemetry
