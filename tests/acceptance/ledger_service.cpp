// caas-test-ledger: a minimal service built on the service skeleton, used by
// the restart acceptance test. It consumes `test.sample` events and records
// one effect per event id in its store ("effect/<id>" = times applied), so a
// doubly-applied event is visible. It reports on stdout (for the parent test):
//   progress applied=<n>                          every 100 applied events
//   caught-up applied=<n> max_effect=<m> handled=<k>
// where `handled` counts handler calls in this process (a restart that
// resumed from its stored offsets handles fewer than the whole topic).
// With CAAS_TEST_LEDGER_WAIT=1 an aggregate (the record key) is known once an
// event named "open" for it was applied; any other event of an unknown
// aggregate waits in the processor's waiting room. The caught-up line then
// also says `waiting=<records still set aside> out_of_order=<n>`, where n
// counts events of a key (other than "open") applied with a count not above
// the last one applied for that key.
#include <caas/service/runtime.hpp>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

namespace {

using namespace caas;

constexpr const char* kTopic = "caas.test.ledger.v1";

std::int64_t as_int(const std::optional<std::string>& v) {
  return v ? std::stoll(*v) : 0;
}

class LedgerService final : public service::Service {
 public:
  void wire(service::ServiceRuntime& runtime) override {
    store_ = &runtime.store();
    const char* wait = std::getenv("CAAS_TEST_LEDGER_WAIT");
    wait_for_open_ = wait && std::string(wait) == "1";
    service::EventProcessorOptions options;
    options.topics = {kTopic};
    options.on_caught_up = [this] { report_caught_up(); };
    processor_ = &runtime.add_processor(std::move(options), [this](const service::ConsumedEvent& event,
                                                                   store::WriteTxn& txn) { return apply(event, txn); });
  }

 private:
  service::HandlerOutcome apply(const service::ConsumedEvent& event, store::WriteTxn& txn) {
    ++handled_;
    if (wait_for_open_) {
      if (auto outcome = check_known_and_ordered(event, txn)) return *outcome;
    }
    const std::string effect_key = "effect/" + event.envelope.id;
    txn.put(effect_key, std::to_string(as_int(store_->get(effect_key)) + 1));
    const auto applied = as_int(store_->get("applied")) + 1;
    txn.put("applied", std::to_string(applied));
    if (applied % 100 == 0) {
      std::printf("progress applied=%lld\n", static_cast<long long>(applied));
      std::fflush(stdout);
    }
    return service::HandlerOutcome::applied();
  }

  // nullopt: go on and apply the event.
  std::optional<service::HandlerOutcome> check_known_and_ordered(const service::ConsumedEvent& event,
                                                                 store::WriteTxn& txn) {
    const std::string key(event.record.key());
    const auto& data = event.envelope.data;
    if (data.find(R"("name":"open")") != std::string::npos) {
      txn.put("known/" + key, "1");
      return std::nullopt;
    }
    if (!store_->get("known/" + key)) return service::HandlerOutcome::not_yet_known("no open event for " + key);
    const auto at = data.find(R"("count":)");
    const auto count = at == std::string::npos ? -1 : std::stoll(data.substr(at + 8));
    if (count <= as_int(store_->get("last/" + key))) {
      txn.put("out_of_order", std::to_string(as_int(store_->get("out_of_order")) + 1));
    }
    txn.put("last/" + key, std::to_string(count));
    return std::nullopt;
  }

  void report_caught_up() {
    std::int64_t max_effect = 0;
    store_->scan_prefix("effect/", [&](std::string_view, std::string_view value) {
      max_effect = std::max<std::int64_t>(max_effect, std::stoll(std::string(value)));
      return true;
    });
    std::printf("caught-up applied=%lld max_effect=%lld handled=%lld waiting=%lld out_of_order=%lld\n",
                static_cast<long long>(as_int(store_->get("applied"))), static_cast<long long>(max_effect),
                static_cast<long long>(handled_), static_cast<long long>(processor_->waiting_total()),
                static_cast<long long>(as_int(store_->get("out_of_order"))));
    std::fflush(stdout);
  }

  store::StateStore* store_ = nullptr;
  service::EventProcessor* processor_ = nullptr;
  bool wait_for_open_ = false;
  std::int64_t handled_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  LedgerService service;
  return service::run_service({"ledger", 0, "test ledger for the restart acceptance test"}, service, argc, argv);
}
