// caas-telemetry-load: writes API IoT telemetry readings into
// caas.ingress.iot-telemetry.v1 exactly as caas-webhook-ingress writes them,
// for telemetry-bench.sh: the ingress's own record builder (envelope, receipt
// metadata, headers, event ids derived from webhook-id and index, key VIN),
// its built-in iot-telemetry source, an idempotent acks=all producer.
//
// Reading i belongs to vehicle i % V with seq = --seq-base + i / V, so every
// vehicle's seqs increase and the fleet is interleaved as a partner's batches
// would be; every 100 consecutive readings share a webhook-id, as a batch.
// received_at (and the reading's time) is the instant the record is built:
// the service's processing lag metric is then "built here -> state committed".
//
//   caas-telemetry-load --bootstrap HOST:PORT [--vehicles 100000] [--readings 1000000]
//                       [--rate 0] [--seq-base 1] [--run-id load] [--topic T]
//
// --rate 0: as fast as the producer goes (pre-loading); else readings/s,
// paced every millisecond. Prints one line:
//   produced=N failed=F secs=S readings_per_s=R
// and exits 1 when any record was not acknowledged.
#include "domain/record_builder.hpp"
#include "domain/source_config.hpp"

#include <caas/core/time.hpp>
#include <caas/kafka/producer.hpp>

#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string bootstrap;
  std::uint64_t vehicles = 100000;
  std::uint64_t readings = 1000000;
  double rate = 0;  // readings/s; 0 = unpaced
  std::uint64_t seq_base = 1;
  std::string run_id = "load";
  std::string topic;  // empty: the source's
};

constexpr std::uint64_t kBatch = 100;  // readings per webhook, as the simulator and ingress-bench send them

// The same vehicle mix as gen_telemetry.py: every field of DESIGN.md §2.
std::string vin(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "VSSZZZ6JZ%08llu", static_cast<unsigned long long>(v % 100000000));
  return buf;
}

void fill_reading(rapidjson::Document& d, std::uint64_t v, std::uint64_t seq, const std::string& vin_text,
                  const std::string& time) {
  static constexpr const char* kStates[] = {"RUNNING", "PARKED", "CHARGING", "OFF"};
  static constexpr const char* kNetworks[] = {"LTE", "5G", "3G"};
  auto& a = d.GetAllocator();
  d.SetObject();
  d.AddMember("vin", rapidjson::Value(vin_text.c_str(), a), a);
  d.AddMember("seq", seq, a);
  d.AddMember("time", rapidjson::Value(time.c_str(), a), a);
  rapidjson::Value pos(rapidjson::kObjectType);
  pos.AddMember("lat", 40.0 + static_cast<double>(v % 1000) / 1000.0, a);
  pos.AddMember("lon", -3.7 + static_cast<double>(v % 777) / 1000.0, a);
  d.AddMember("position", pos, a);
  d.AddMember("operational_state", rapidjson::StringRef(kStates[(v + seq) % 4]), a);
  rapidjson::Value cfg(rapidjson::kObjectType);
  cfg.AddMember("power_mode", rapidjson::StringRef(v % 3 == 0 ? "HIGH" : "NORMAL"), a);
  cfg.AddMember("snow_mode_available", static_cast<int>(v % 2), a);
  d.AddMember("configuration", cfg, a);
  rapidjson::Value diags(rapidjson::kArrayType);
  if (v % 5 == 3) {
    rapidjson::Value diag(rapidjson::kObjectType);
    diag.AddMember("code", "P0420", a);
    diag.AddMember("severity", "warning", a);
    diags.PushBack(diag, a);
  }
  d.AddMember("diagnostics", diags, a);
  rapidjson::Value conn(rapidjson::kObjectType);
  conn.AddMember("signal_dbm", -60 - static_cast<int>(v % 50), a);
  conn.AddMember("network", rapidjson::StringRef(kNetworks[v % 3]), a);
  d.AddMember("connectivity", conn, a);
}

Options parse_options(int argc, char** argv) {
  Options o;
  if (argc % 2 == 0) throw std::invalid_argument("every option takes a value");
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--bootstrap") {
      o.bootstrap = value;
    } else if (flag == "--vehicles") {
      o.vehicles = std::stoull(value);
    } else if (flag == "--readings") {
      o.readings = std::stoull(value);
    } else if (flag == "--rate") {
      o.rate = std::stod(value);
    } else if (flag == "--seq-base") {
      o.seq_base = std::stoull(value);
    } else if (flag == "--run-id") {
      o.run_id = value;
    } else if (flag == "--topic") {
      o.topic = value;
    } else {
      throw std::invalid_argument("unknown option " + std::string(flag));
    }
  }
  if (o.bootstrap.empty()) throw std::invalid_argument("--bootstrap HOST:PORT is required");
  if (o.vehicles == 0) throw std::invalid_argument("--vehicles must be > 0");
  return o;
}

caas::ingress::SourceConfig telemetry_source(const Options& o) {
  for (auto& s : caas::ingress::default_sources()) {
    if (s.name == "iot-telemetry") {
      if (!o.topic.empty()) s.topic = o.topic;
      return s;
    }
  }
  throw std::runtime_error("webhook-ingress has no built-in iot-telemetry source");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse_options(argc, argv);
    const auto source = telemetry_source(o);
    caas::kafka::ClientConfig config;
    config.bootstrap = o.bootstrap;
    caas::kafka::ProducerOptions po;
    po.linger = std::chrono::milliseconds(5);
    po.max_queue_messages = 200000;
    caas::kafka::Producer producer(config, po);
    producer.warm_up({source.topic});

    std::atomic<std::uint64_t> failed{0};
    const auto t0 = Clock::now();
    std::uint64_t i = 0;
    rapidjson::Document item;
    caas::ingress::Receipt receipt;
    receipt.source = source.name;
    receipt.secret_id = "bench";
    while (i < o.readings) {
      // Pacing: the readings due by now (all of them when unpaced).
      std::uint64_t due = o.readings;
      if (o.rate > 0) {
        const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
        due = std::min<std::uint64_t>(o.readings, static_cast<std::uint64_t>(elapsed * o.rate) + 1);
        if (due <= i) {
          std::this_thread::sleep_for(std::chrono::microseconds(500));
          continue;
        }
      }
      while (i < due) {
        const std::uint64_t v = i % o.vehicles;
        const std::uint64_t batch = i / kBatch;
        if (i % kBatch == 0 || receipt.webhook_id.empty()) {
          receipt.webhook_id = "msg-" + o.run_id + "-" + std::to_string(batch);
          receipt.request_id = "req-" + o.run_id + "-" + std::to_string(batch);
        }
        receipt.received_at = caas::format_rfc3339(std::chrono::system_clock::now());
        const std::string key = vin(v);
        fill_reading(item, v, o.seq_base + i / o.vehicles, key, receipt.received_at);
        auto record =
            caas::ingress::build_record(source, key, caas::ingress::build_data(item, receipt), receipt,
                                        caas::ingress::derive_event_id(source.name, receipt.webhook_id, i % kBatch));
        if (!record) throw std::runtime_error("build_record: " + record.error().message);
        for (;;) {
          auto status = producer.send(record.value(), [&failed](const caas::kafka::DeliveryReport& r) {
            if (r.error) failed.fetch_add(1);
          });
          if (status == caas::kafka::SendStatus::queued) break;
          if (status == caas::kafka::SendStatus::rejected) throw std::runtime_error("record rejected");
          std::this_thread::sleep_for(std::chrono::milliseconds(1));  // queue full: let acknowledgements drain
        }
        ++i;
        if (o.rate > 0 && i % 1000 == 0) break;  // re-check the pace
      }
    }
    if (!producer.flush(std::chrono::seconds(120))) throw std::runtime_error("not every record acknowledged in 120 s");
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("produced=%llu failed=%llu secs=%.3f readings_per_s=%.0f\n", static_cast<unsigned long long>(i),
                static_cast<unsigned long long>(failed.load()), secs, static_cast<double>(i) / secs);
    return failed.load() == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "caas-telemetry-load: %s\n", e.what());
    return 2;
  }
}
