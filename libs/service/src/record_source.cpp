#include <caas/service/record_source.hpp>

namespace caas::service {

namespace {
template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;
}  // namespace

bool Polled::is_partition_eof() const {
  return std::visit(Overloaded{[](const kafka::Message& m) { return m.is_partition_eof(); },
                               [](const Owned& o) { return o.kind == Owned::Kind::eof; }},
                    item_);
}

bool Polled::is_error() const {
  return std::visit(Overloaded{[](const kafka::Message& m) { return m.error() && !m.is_partition_eof(); },
                               [](const Owned& o) { return o.kind == Owned::Kind::error; }},
                    item_);
}

std::string Polled::error_message() const {
  return std::visit(
      Overloaded{[](const kafka::Message& m) { return m.error_message(); }, [](const Owned& o) { return o.error; }},
      item_);
}

std::string_view Polled::topic() const {
  return std::visit(Overloaded{[](const kafka::Message& m) { return m.topic(); },
                               [](const Owned& o) { return std::string_view(o.record.topic); }},
                    item_);
}

std::int32_t Polled::partition() const {
  return std::visit(Overloaded{[](const kafka::Message& m) { return m.partition(); },
                               [](const Owned& o) { return o.record.partition; }},
                    item_);
}

kafka::ConsumedRecordView Polled::view() const {
  return std::visit(
      Overloaded{[](const kafka::Message& m) { return m.view(); }, [](const Owned& o) { return o.record.view(); }},
      item_);
}

std::int64_t Polled::timestamp_ms() const {
  return std::visit(Overloaded{[](const kafka::Message& m) { return m.timestamp_ms(); },
                               [](const Owned& o) { return o.timestamp_ms; }},
                    item_);
}

}  // namespace caas::service
