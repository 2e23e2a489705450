#include <caas/security/crypto.hpp>
#include <caas/service/waiting_room.hpp>

#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace caas::service {

namespace {

std::string zero_padded(std::int64_t value, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(value));
  return buf;
}

// "<topic>/<hex key>/<partition:05>/<offset:020>": the part both keys share.
std::string position_suffix(const kafka::ConsumedRecord& r) {
  std::string s = r.topic;
  s.append("/").append(security::hex_encode(r.key)).append("/");
  s.append(zero_padded(r.partition, 5)).append("/").append(zero_padded(r.offset, 20));
  return s;
}

bool parse_int(std::string_view text, std::int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

constexpr std::string_view kCodecVersion = "w1";

}  // namespace

WaitingRoom::WaitingRoom(store::StateStore& store, std::string group, WaitOptions options)
    : store_(store), root_("__waiting/" + std::move(group) + "/"), options_(options) {
  if (options_.max_per_key == 0 || options_.max_total == 0) {
    throw std::invalid_argument("WaitingRoom: max_per_key and max_total must be at least 1");
  }
}

std::string WaitingRoom::index_key(std::string_view topic, std::string_view key) {
  std::string k(topic);
  k.push_back('\0');
  k.append(key);
  return k;
}

std::string WaitingRoom::record_prefix() const {
  return root_ + "r/";
}

std::string WaitingRoom::key_prefix(std::string_view topic, std::string_view key) const {
  std::string p = record_prefix();
  p.append(topic).append("/").append(security::hex_encode(key)).append("/");
  return p;
}

std::string WaitingRoom::record_key(const WaitingRecord& w) const {
  return record_prefix() + position_suffix(w.record);
}

std::string WaitingRoom::deadline_key(const WaitingRecord& w) const {
  return root_ + "d/" + zero_padded(w.deadline_ms, 15) + "/" + position_suffix(w.record);
}

void WaitingRoom::load() {
  counts_.clear();
  total_ = 0;
  store_.scan_prefix(record_prefix(), [this](std::string_view, std::string_view value) {
    if (auto w = decode(value)) {
      ++counts_[index_key(w->record.topic, w->record.key)];
      ++total_;
    }
    return true;
  });
}

std::size_t WaitingRoom::waiting_for(std::string_view topic, std::string_view key) const {
  if (total_ == 0) return 0;  // the hot path: nothing waits anywhere
  auto it = counts_.find(index_key(topic, key));
  return it == counts_.end() ? 0 : it->second;
}

WaitingRoom::Admission WaitingRoom::admission(std::string_view topic, std::string_view key) const {
  if (waiting_for(topic, key) >= options_.max_per_key) return Admission::key_full;
  if (total_ >= options_.max_total) return Admission::room_full;
  return Admission::admitted;
}

void WaitingRoom::set_aside(store::WriteTxn& txn, const WaitingRecord& w) const {
  txn.put(record_key(w), encode(w));
  txn.put(deadline_key(w), "");
}

void WaitingRoom::noted_set_aside(std::string_view topic, std::string_view key) {
  ++counts_[index_key(topic, key)];
  ++total_;
}

void WaitingRoom::remove(store::WriteTxn& txn, const WaitingRecord& w) const {
  txn.del(record_key(w));
  txn.del(deadline_key(w));
}

void WaitingRoom::noted_removed(std::string_view topic, std::string_view key) {
  auto it = counts_.find(index_key(topic, key));
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);
  if (total_ > 0) --total_;
}

std::vector<WaitingRecord> WaitingRoom::waiting(std::string_view topic, std::string_view key) const {
  std::vector<WaitingRecord> out;
  if (!has_waiting(topic, key)) return out;
  store_.scan_prefix(key_prefix(topic, key), [&](std::string_view, std::string_view value) {
    if (auto w = decode(value)) out.push_back(std::move(*w));
    return true;
  });
  return out;
}

std::vector<WaitingRecord> WaitingRoom::stored(std::string_view topic, std::string_view key) const {
  std::vector<WaitingRecord> out;
  store_.scan_prefix(key_prefix(topic, key), [&](std::string_view, std::string_view value) {
    if (auto w = decode(value)) out.push_back(std::move(*w));
    return true;
  });
  return out;
}

std::vector<WaitingRecord> WaitingRoom::overdue(std::int64_t now_ms, std::size_t max,
                                                const std::function<bool(const WaitingRecord&)>& filter) const {
  std::vector<WaitingRecord> out;
  if (total_ == 0) return out;
  const std::string deadlines = root_ + "d/";
  // Deadline order is key order: stop at the first one still in the future.
  store_.scan_prefix(deadlines, [&](std::string_view k, std::string_view) {
    auto rest = k.substr(deadlines.size());
    std::int64_t deadline = 0;
    if (rest.size() < 16 || !parse_int(rest.substr(0, 15), deadline)) return true;  // not ours: skip
    if (deadline > now_ms || out.size() >= max) return false;
    auto value = store_.get(record_prefix() + std::string(rest.substr(16)));
    if (!value) return true;
    if (auto w = decode(*value); w && filter(*w)) out.push_back(std::move(*w));
    return true;
  });
  return out;
}

std::vector<std::pair<std::string, std::string>> WaitingRoom::keys() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(counts_.size());
  for (const auto& [k, n] : counts_) {
    const auto sep = k.find('\0');
    out.emplace_back(k.substr(0, sep), k.substr(sep + 1));
  }
  return out;
}

// "w1 <offset> <timestamp> <since> <deadline> <reason bytes>\n<reason><store::encode_record>"
std::string WaitingRoom::encode(const WaitingRecord& w) {
  kafka::Record r{w.record.topic, w.record.key, w.record.value, w.record.headers, w.record.partition};
  std::string out(kCodecVersion);
  for (auto n : {w.record.offset, w.timestamp_ms, w.waiting_since_ms, w.deadline_ms,
                 static_cast<std::int64_t>(w.reason.size())}) {
    out.append(" ").append(std::to_string(n));
  }
  out.append("\n").append(w.reason).append(store::encode_record(r));
  return out;
}

std::optional<WaitingRecord> WaitingRoom::decode(std::string_view bytes) {
  const auto eol = bytes.find('\n');
  if (eol == std::string_view::npos) return std::nullopt;
  std::string_view head = bytes.substr(0, eol);
  if (head.substr(0, kCodecVersion.size()) != kCodecVersion) return std::nullopt;
  head.remove_prefix(kCodecVersion.size());
  std::int64_t fields[5] = {};
  for (auto& f : fields) {
    if (head.empty() || head.front() != ' ') return std::nullopt;
    head.remove_prefix(1);
    const auto end = std::min(head.find(' '), head.size());
    if (!parse_int(head.substr(0, end), f)) return std::nullopt;
    head.remove_prefix(end);
  }
  auto rest = bytes.substr(eol + 1);
  if (fields[4] < 0 || static_cast<std::size_t>(fields[4]) > rest.size()) return std::nullopt;
  WaitingRecord w;
  w.reason = std::string(rest.substr(0, static_cast<std::size_t>(fields[4])));
  auto record = store::decode_record(rest.substr(static_cast<std::size_t>(fields[4])));
  if (!record || !record->partition) return std::nullopt;
  w.record.topic = std::move(record->topic);
  w.record.partition = *record->partition;
  w.record.offset = fields[0];
  w.record.key = std::move(record->key);
  w.record.value = std::move(record->value);
  w.record.headers = std::move(record->headers);
  w.timestamp_ms = fields[1];
  w.waiting_since_ms = fields[2];
  w.deadline_ms = fields[3];
  return w;
}

}  // namespace caas::service
