#pragma once
// The value types every Kafka user in the platform shares: a record to
// produce, the broker's verdict on it, and the narrow "sink" interface that
// code which only needs to *send* (outbox relay, DLQ publisher) depends on, so
// it can be unit-tested with a fake instead of a broker.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace caas::kafka {

struct Header {
  std::string key;
  std::string value;
  bool operator==(const Header&) const = default;
};
using Headers = std::vector<Header>;

/// Returns the value of the first header named `key`, if any.
inline std::optional<std::string_view> find_header(const Headers& headers, std::string_view key) {
  for (const auto& h : headers) {
    if (h.key == key) return std::string_view{h.value};
  }
  return std::nullopt;
}

struct Record {
  std::string topic;
  std::string key;
  std::string value;
  Headers headers;
  /// Unset = let the partitioner (murmur2_random) choose from the key.
  std::optional<std::int32_t> partition;
};

/// What the broker said about one record. `error` is empty on success; its
/// category is caas::kafka::error_category() (see error.hpp).
struct DeliveryReport {
  std::error_code error;
  std::string message;  // human-readable detail when error is set
  std::string topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  bool ok() const { return !error; }
};

using DeliveryCallback = std::function<void(const DeliveryReport&)>;

/// Outcome of handing a record to a sink (not of its delivery).
enum class SendStatus {
  queued,      // accepted; the callback will run exactly once
  queue_full,  // backpressure: retry later; the callback will NOT run
  rejected,    // permanent local error (unknown topic, too large, closed)
};

/// Anything that can send records asynchronously. Producer implements it;
/// tests implement it with fakes.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  /// Hands `record` to the sink. On `queued`, `on_delivery` is invoked exactly
  /// once, later, from the sink's delivery thread.
  virtual SendStatus send(Record record, DeliveryCallback on_delivery) = 0;
};

}  // namespace caas::kafka
