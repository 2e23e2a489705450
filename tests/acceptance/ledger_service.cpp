// caas-test-ledger: a minimal service built on the service skeleton, used by
// the restart acceptance test. It consumes `test.sample` events and records
// one effect per event id in its store ("effect/<id>" = times applied), so a
// doubly-applied event is visible. It reports on stdout (for the parent test):
//   progress applied=<n>                          every 100 applied events
//   caught-up applied=<n> max_effect=<m> handled=<k>
// where `handled` counts handler calls in this process (a restart that
// resumed from its stored offsets handles fewer than the whole topic).
#include <caas/service/runtime.hpp>

#include <cstdio>
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
    service::EventProcessorOptions options;
    options.topics = {kTopic};
    options.on_caught_up = [this] { report_caught_up(); };
    runtime.add_processor(std::move(options), [this](const service::ConsumedEvent& event, store::WriteTxn& txn) {
      return apply(event, txn);
    });
  }

 private:
  service::HandlerOutcome apply(const service::ConsumedEvent& event, store::WriteTxn& txn) {
    ++handled_;
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

  void report_caught_up() {
    std::int64_t max_effect = 0;
    store_->scan_prefix("effect/", [&](std::string_view, std::string_view value) {
      max_effect = std::max<std::int64_t>(max_effect, std::stoll(std::string(value)));
      return true;
    });
    std::printf("caught-up applied=%lld max_effect=%lld handled=%lld\n",
                static_cast<long long>(as_int(store_->get("applied"))), static_cast<long long>(max_effect),
                static_cast<long long>(handled_));
    std::fflush(stdout);
  }

  store::StateStore* store_ = nullptr;
  std::int64_t handled_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  LedgerService service;
  return service::run_service({"ledger", 0, "test ledger for the restart acceptance test"}, service, argc, argv);
}
