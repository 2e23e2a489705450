// WaitingRoom: the store layout of records set aside for an aggregate not
// known yet — order per key, bounds, deadlines, and an index rebuilt from the
// store after a restart.
#include <caas/service/waiting_room.hpp>

#include <catch2/catch.hpp>

#include <unistd.h>
#include <filesystem>

using namespace caas;
using namespace std::chrono_literals;

namespace {

struct TempStore {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("caas-waiting-room-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  std::unique_ptr<store::StateStore> store;
  static inline int counter = 0;
  TempStore() {
    std::filesystem::remove_all(dir);
    store = store::StateStore::open(dir);
  }
  ~TempStore() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
};

service::WaitingRecord record(std::string key, std::int64_t offset, std::int64_t deadline_ms,
                              std::string topic = "caas.test.v1", std::int32_t partition = 1) {
  service::WaitingRecord w;
  w.record.topic = std::move(topic);
  w.record.partition = partition;
  w.record.offset = offset;
  w.record.key = std::move(key);
  w.record.value = "value-" + std::to_string(offset);
  w.record.headers = {{"ce_type", "test.sample"}, {"ce_id", "id-" + std::to_string(offset)}};
  w.timestamp_ms = 1000 + offset;
  w.waiting_since_ms = deadline_ms - 60000;
  w.deadline_ms = deadline_ms;
  w.reason = "aggregate unknown";
  return w;
}

void put(store::StateStore& s, service::WaitingRoom& room, const service::WaitingRecord& w) {
  store::WriteTxn txn;
  room.set_aside(txn, w);
  REQUIRE(s.commit(std::move(txn)));
  room.noted_set_aside(w.record.topic, w.record.key);
}

void take(store::StateStore& s, service::WaitingRoom& room, const service::WaitingRecord& w) {
  store::WriteTxn txn;
  room.remove(txn, w);
  REQUIRE(s.commit(std::move(txn)));
  room.noted_removed(w.record.topic, w.record.key);
}

}  // namespace

TEST_CASE("a waiting record survives the codec byte for byte", "[unit][waiting-room]") {
  auto w = record(std::string("key/with\0bytes", 14), 42, 123456789);
  w.record.value = std::string("\0{\"a\":1}\n", 9);
  w.reason = "two\nlines";
  auto back = service::WaitingRoom::decode(service::WaitingRoom::encode(w));
  REQUIRE(back);
  CHECK(back->record.topic == w.record.topic);
  CHECK(back->record.partition == 1);
  CHECK(back->record.offset == 42);
  CHECK(back->record.key == w.record.key);
  CHECK(back->record.value == w.record.value);
  CHECK(back->record.headers == w.record.headers);
  CHECK(back->timestamp_ms == w.timestamp_ms);
  CHECK(back->waiting_since_ms == w.waiting_since_ms);
  CHECK(back->deadline_ms == 123456789);
  CHECK(back->reason == "two\nlines");

  CHECK_FALSE(service::WaitingRoom::decode(""));
  CHECK_FALSE(service::WaitingRoom::decode("w1 1 2 3\n"));
  CHECK_FALSE(service::WaitingRoom::decode("w2 1 2 3 4 0\n"));
  CHECK_FALSE(service::WaitingRoom::decode("w1 1 2 3 4 99\nshort"));
}

TEST_CASE("records wait per key in arrival order, apart from other keys and groups", "[unit][waiting-room]") {
  TempStore t;
  service::WaitingRoom room(*t.store, "group-a", {});
  service::WaitingRoom other_group(*t.store, "group-b", {});
  put(*t.store, room, record("FAC-1", 30, 5000));
  put(*t.store, room, record("FAC-1", 7, 5000));  // offset order is arrival order, not insertion order
  put(*t.store, room, record("FAC-1", 100, 5000));
  put(*t.store, room, record("FAC-10", 8, 5000));  // a key that is a prefix of another stays apart
  put(*t.store, other_group, record("FAC-1", 1, 5000));

  auto waiting = room.waiting("caas.test.v1", "FAC-1");
  REQUIRE(waiting.size() == 3);
  CHECK(waiting[0].record.offset == 7);
  CHECK(waiting[1].record.offset == 30);
  CHECK(waiting[2].record.offset == 100);
  CHECK(room.waiting_for("caas.test.v1", "FAC-10") == 1);
  CHECK(room.waiting_for("caas.other.v1", "FAC-1") == 0);
  CHECK(room.total() == 4);
  CHECK(other_group.total() == 1);

  take(*t.store, room, waiting[0]);
  CHECK(room.waiting("caas.test.v1", "FAC-1").front().record.offset == 30);
  CHECK(room.total() == 3);
}

TEST_CASE("the index is rebuilt from the store after a restart", "[unit][waiting-room]") {
  TempStore t;
  {
    service::WaitingRoom room(*t.store, "g", {});
    put(*t.store, room, record("A", 1, 5000));
    put(*t.store, room, record("A", 2, 5000));
    put(*t.store, room, record("B", 3, 5000));
  }
  service::WaitingRoom restarted(*t.store, "g", {});
  CHECK(restarted.total() == 0);  // nothing read until load()
  restarted.load();
  CHECK(restarted.total() == 3);
  CHECK(restarted.waiting_for("caas.test.v1", "A") == 2);
  auto keys = restarted.keys();
  REQUIRE(keys.size() == 2);
  CHECK(keys[0] == std::pair<std::string, std::string>{"caas.test.v1", "A"});
  CHECK(keys[1] == std::pair<std::string, std::string>{"caas.test.v1", "B"});
}

TEST_CASE("admission is bounded per key and in total", "[unit][waiting-room]") {
  TempStore t;
  service::WaitOptions options;
  options.max_per_key = 2;
  options.max_total = 3;
  service::WaitingRoom room(*t.store, "g", options);
  using A = service::WaitingRoom::Admission;
  CHECK(room.admission("caas.test.v1", "A") == A::admitted);
  put(*t.store, room, record("A", 1, 5000));
  put(*t.store, room, record("A", 2, 5000));
  CHECK(room.admission("caas.test.v1", "A") == A::key_full);
  CHECK(room.admission("caas.test.v1", "B") == A::admitted);
  put(*t.store, room, record("B", 3, 5000));
  CHECK(room.admission("caas.test.v1", "C") == A::room_full);
  CHECK_THROWS_AS(service::WaitingRoom(*t.store, "g", {0ms, 0, 1, 1s}), std::invalid_argument);
}

TEST_CASE("overdue records come earliest deadline first, filtered, bounded", "[unit][waiting-room]") {
  TempStore t;
  service::WaitingRoom room(*t.store, "g", {});
  put(*t.store, room, record("A", 1, 3000));
  put(*t.store, room, record("B", 2, 1000));
  put(*t.store, room, record("C", 3, 2000, "caas.test.v1", 2));
  put(*t.store, room, record("D", 4, 9000));
  auto all = [](const service::WaitingRecord&) { return true; };

  auto due = room.overdue(2500, 10, all);
  REQUIRE(due.size() == 2);
  CHECK(due[0].record.key == "B");
  CHECK(due[1].record.key == "C");
  CHECK(room.overdue(999, 10, all).empty());
  CHECK(room.overdue(100000, 2, all).size() == 2);
  auto partition_1 = room.overdue(100000, 10, [](const service::WaitingRecord& w) { return w.record.partition == 1; });
  REQUIRE(partition_1.size() == 3);
  CHECK(partition_1[2].record.key == "D");

  take(*t.store, room, due[0]);
  CHECK(room.overdue(2500, 10, all).front().record.key == "C");  // its deadline entry went with it
}
