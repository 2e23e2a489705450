#pragma once
// Fires the durable timers: every CAAS_OTA_TIMER_INTERVAL_MS it reads the head
// of the timer index (t/<due>/<id>, only what is due) and writes one
// ota.timer-fired per due timer to caas.ota.commands.v1 through the outbox.
// The state machine applies it in order with the vehicle's other records
// (a stale one — the activation moved on — is ignored there). The event id
// comes from (activation, timer seq), so firing twice (a restart) is one
// record for the processor. It acts only once the processor caught up.

#include "store/ota_store.hpp"

#include <caas/observability/logger.hpp>
#include <caas/service/event_emitter.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace caas::ota {

class TimerSweeper {
 public:
  TimerSweeper(OtaStore& store, const service::EventEmitter& emitter, std::chrono::milliseconds interval,
               observability::Logger log);
  ~TimerSweeper();
  void start(std::function<bool()> ready);
  void stop();
  /// One pass (tests call it directly); returns the timers fired.
  std::size_t sweep();

 private:
  void run();
  OtaStore& store_;
  const service::EventEmitter& emitter_;
  std::chrono::milliseconds interval_;
  observability::Logger log_;
  std::function<bool()> ready_;
  std::map<std::string, std::uint64_t> fired_;  // activation id -> timer seq already fired
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace caas::ota
