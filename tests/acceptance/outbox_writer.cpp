// outbox_writer: the child process of the outbox crash acceptance test.
//
//   outbox_writer <store-dir> <bootstrap> <topic> <count> [<stop-after>]
//
// Writes <count> events through the store's outbox (50 per atomic batch;
// skipped when the store already holds them, i.e. after a restart) and runs
// the outbox relay. With <stop-after>, the relay stops sending after that
// many records (the fault-injection seam) and the process prints
// "READY sent=<n>" and waits to be SIGKILLed: a crash between store write and
// produce. Without it, it prints "DRAINED" once every entry was acknowledged.
#include <caas/events/envelope.hpp>
#include <caas/kafka/producer.hpp>
#include <caas/store/outbox_relay.hpp>
#include <caas/store/state_store.hpp>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

using namespace caas;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: outbox_writer <store-dir> <bootstrap> <topic> <count> [<stop-after>]\n");
    return 2;
  }
  const std::string dir = argv[1], bootstrap = argv[2], topic = argv[3];
  const long count = std::stol(argv[4]);
  std::optional<std::size_t> stop_after;
  if (argc > 5) stop_after = std::stoul(argv[5]);

  auto store = store::StateStore::open(dir);
  if (!store->get("written")) {
    for (long i = 0; i < count;) {
      store::WriteTxn txn;
      for (int j = 0; j < 50 && i < count; ++j, ++i) {
        auto env = events::make_envelope("test.sample", "caas/outbox-writer", "key-" + std::to_string(i % 64),
                                         R"({"name":"n","count":)" + std::to_string(i) + "}", "crash-test", "");
        if (!env) return 1;
        kafka::Record record{topic, env->subject, events::serialize(*env), {}, std::nullopt};
        for (auto& [k, v] : events::kafka_headers(*env)) record.headers.push_back({k, v});
        txn.enqueue(std::move(record));
      }
      if (i == count) txn.put("written", std::to_string(count));
      if (!store->commit(std::move(txn))) return 1;
    }
  }

  kafka::Producer producer({bootstrap, "outbox-writer", {}});
  store::RelayOptions options;
  options.stop_after_n_sends = stop_after;
  store::OutboxRelay relay(*store, producer, options);
  relay.start();
  if (stop_after) {
    relay.wait_until([&](const store::RelayStats& s) { return s.sent_total >= *stop_after; },
                     std::chrono::steady_clock::now() + 60s);
    std::printf("READY sent=%llu\n", static_cast<unsigned long long>(relay.stats().sent_total));
    std::fflush(stdout);
    for (;;) ::pause();  // the parent SIGKILLs us here
  }
  if (!relay.wait_until_drained(std::chrono::steady_clock::now() + 120s)) {
    std::fprintf(stderr, "outbox not drained: %llu pending\n", static_cast<unsigned long long>(relay.pending()));
    return 1;
  }
  relay.stop(std::chrono::steady_clock::now() + 5s);
  producer.flush(10s);
  std::printf("DRAINED\n");
  std::fflush(stdout);
  return 0;
}
