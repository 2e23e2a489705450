#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "caas/store/state_store.hpp"
#include "test_support.hpp"

using namespace caas::store;
using caas::store::test::make_record;
using caas::store::test::TempDir;

TEST_CASE("record codec round-trips every field", "[store]") {
  caas::kafka::Record r;
  r.topic = "caas.order.events.v1";
  r.key = std::string("o-\0-1", 5);
  r.value = std::string(1000, 'x');
  r.headers = {{"ce_type", "order.placed"}, {"ce_id", ""}};
  r.partition = 7;
  auto decoded = decode_record(encode_record(r));
  REQUIRE(decoded);
  CHECK(decoded->topic == r.topic);
  CHECK(decoded->key == r.key);
  CHECK(decoded->value == r.value);
  CHECK(decoded->headers == r.headers);
  CHECK(decoded->partition == 7);
  r.partition.reset();
  CHECK_FALSE(decode_record(encode_record(r))->partition.has_value());
  r.partition = -1;
  CHECK(decode_record(encode_record(r))->partition == -1);
  CHECK_FALSE(decode_record("").has_value());
  CHECK_FALSE(decode_record(std::string("\x01\x05"
                                        "ab"))
                  .has_value());
  auto bytes = encode_record(r);
  CHECK_FALSE(decode_record(bytes + "trailing").has_value());
}

TEST_CASE("a committed transaction is visible as a whole after reopen", "[store]") {
  TempDir dir;
  {
    auto store = StateStore::open(dir.path);
    WriteTxn txn;
    txn.put("order/o-1", "{\"state\":\"ORDERED\"}");
    txn.mark_processed("evt-1", SourcePosition{"caas.order.commands.v1", 2, 41});
    txn.set_offset("caas.order.commands.v1", 2, 42);
    txn.enqueue(make_record("e1"));
    txn.enqueue(make_record("e2"));
    auto r = store->commit(std::move(txn));
    REQUIRE(r.ok());
    CHECK(r->first_outbox_seq == 1);
    CHECK(r->outbox_count == 2);

    WriteTxn abandoned;  // never committed: leaves no trace
    abandoned.put("order/o-2", "x");
    abandoned.enqueue(make_record("lost"));
  }
  auto store = StateStore::open(dir.path);
  CHECK(store->get("order/o-1") == "{\"state\":\"ORDERED\"}");
  CHECK_FALSE(store->get("order/o-2").has_value());
  CHECK(store->is_processed("evt-1"));
  CHECK(store->processed_position("evt-1")->offset == 41);
  CHECK(store->offset("caas.order.commands.v1", 2) == 42);
  CHECK_FALSE(store->offset("caas.order.commands.v1", 3).has_value());
  REQUIRE(store->outbox_size() == 2);
  auto entries = store->read_outbox(0, 10);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].record.value == "e1");
  CHECK(entries[1].record.value == "e2");
}

TEST_CASE("a process killed mid-stream never leaves a partial transaction", "[store][crash]") {
  TempDir dir;
  int pipefd[2];
  REQUIRE(::pipe(pipefd) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Child: commit transactions forever; report progress through the pipe.
    ::close(pipefd[0]);
    auto store = StateStore::open(dir.path);
    for (int i = 0;; ++i) {
      WriteTxn txn;
      const auto id = std::to_string(i);
      txn.put("k/" + id, id);
      txn.mark_processed("evt-" + id);
      txn.set_offset("t", 0, i + 1);
      txn.enqueue(make_record(id));
      if (!store->commit(std::move(txn), CommitOptions{false}).ok()) ::_exit(3);
      if (i == 200) {
        char c = 'x';
        if (::write(pipefd[1], &c, 1) != 1) ::_exit(4);
      }
    }
  }
  ::close(pipefd[1]);
  char c = 0;
  const auto got = ::read(pipefd[0], &c, 1);  // blocks until 200 commits are done (or the child died)
  ::close(pipefd[0]);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  INFO("child status " << status);
  REQUIRE(got == 1);
  REQUIRE(WIFSIGNALED(status));

  auto store = StateStore::open(dir.path);
  const auto next = store->offset("t", 0);
  REQUIRE(next);
  REQUIRE(*next > 200);
  // Everything below the offset is complete; nothing at or above it exists.
  for (std::int64_t i = 0; i < *next + 5; ++i) {
    const auto id = std::to_string(i);
    const bool expected = i < *next;
    INFO("i = " << i);
    CHECK(store->get("k/" + id).has_value() == expected);
    CHECK(store->is_processed("evt-" + id) == expected);
  }
  CHECK(store->outbox_size() == static_cast<std::size_t>(*next));
  const auto entries = store->read_outbox(0, static_cast<std::size_t>(*next) + 10);
  for (std::size_t i = 0; i < entries.size(); ++i) CHECK(entries[i].record.value == std::to_string(i));
}

TEST_CASE("outbox order equals commit order across threads", "[store]") {
  TempDir dir;
  auto store = StateStore::open(dir.path, StoreOptions{false, true});
  std::vector<std::thread> threads;
  std::atomic<int> commit_failures{0};  // Catch assertions are not thread-safe: check on the main thread
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        WriteTxn txn;
        txn.enqueue(make_record(std::to_string(t) + ":" + std::to_string(i)));
        if (!store->commit(std::move(txn)).ok()) ++commit_failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(commit_failures == 0);
  auto entries = store->read_outbox(0, 1000);
  REQUIRE(entries.size() == 200);
  std::vector<int> last(4, -1);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    CHECK(entries[i].seq == i + 1);
    const auto& v = entries[i].record.value;
    const int t = v[0] - '0';
    const int n = std::stoi(v.substr(2));
    CHECK(n == last[static_cast<std::size_t>(t)] + 1);  // per-thread order kept
    last[static_cast<std::size_t>(t)] = n;
  }
  CHECK(store->outbox_last_seq() == 200);
  auto page = store->read_outbox(150, 10);
  REQUIRE(page.size() == 10);
  CHECK(page.front().seq == 150);
}

TEST_CASE("outbox numbering continues after removal and reopen", "[store]") {
  TempDir dir;
  {
    auto store = StateStore::open(dir.path);
    WriteTxn txn;
    txn.enqueue(make_record("a"));
    txn.enqueue(make_record("b"));
    REQUIRE(store->commit(std::move(txn)).ok());
    REQUIRE(store->remove_outbox({1, 2}).ok());
    REQUIRE(store->remove_outbox({1, 2}).ok());  // idempotent
    CHECK(store->outbox_size() == 0);
  }
  auto store = StateStore::open(dir.path);
  WriteTxn txn;
  txn.enqueue(make_record("c"));
  auto r = store->commit(std::move(txn));
  REQUIRE(r.ok());
  CHECK(r->first_outbox_seq == 3);
}

TEST_CASE("processed ids dedup and can be pruned by source offset", "[store]") {
  TempDir dir;
  auto store = StateStore::open(dir.path);
  WriteTxn txn;
  txn.mark_processed("old", SourcePosition{"t", 0, 10});
  txn.mark_processed("new", SourcePosition{"t", 0, 500});
  txn.mark_processed("other-partition", SourcePosition{"t", 1, 10});
  txn.mark_processed("no-position");
  REQUIRE(store->commit(std::move(txn)).ok());
  CHECK(store->is_processed("old"));
  CHECK_FALSE(store->is_processed("never-seen"));
  CHECK(store->processed_count() == 4);

  auto pruned = store->prune_processed({{TopicPartition{"t", 0}, 100}});
  REQUIRE(pruned.ok());
  CHECK(*pruned == 1);
  CHECK_FALSE(store->is_processed("old"));
  CHECK(store->is_processed("new"));
  CHECK(store->is_processed("other-partition"));
  CHECK(store->is_processed("no-position"));
}

TEST_CASE("offsets persist across reopen", "[store]") {
  TempDir dir;
  {
    auto store = StateStore::open(dir.path);
    WriteTxn txn;
    txn.set_offset("a", 0, 5);
    txn.set_offset("a", 1, 7);
    txn.set_offset("b", 0, 0);
    REQUIRE(store->commit(std::move(txn)).ok());
    WriteTxn later;
    later.set_offset("a", 0, 6);
    REQUIRE(store->commit(std::move(later)).ok());
  }
  auto store = StateStore::open(dir.path);
  const auto all = store->all_offsets();
  REQUIRE(all.size() == 3);
  CHECK(all.at(TopicPartition{"a", 0}) == 6);
  CHECK(all.at(TopicPartition{"a", 1}) == 7);
  CHECK(all.at(TopicPartition{"b", 0}) == 0);
}

TEST_CASE("scan_prefix is ordered and stops on request and del removes", "[store]") {
  TempDir dir;
  auto store = StateStore::open(dir.path);
  WriteTxn txn;
  for (const char* k : {"order/3", "order/1", "orders", "order/2", "vehicle/1"}) txn.put(k, k);
  txn.del("order/2");
  REQUIRE(store->commit(std::move(txn)).ok());
  std::vector<std::string> keys;
  store->scan_prefix("order/", [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  });
  CHECK(keys == std::vector<std::string>{"order/1", "order/3"});
  keys.clear();
  store->scan_prefix("", [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return keys.size() < 2;
  });
  CHECK(keys.size() == 2);
}

TEST_CASE("clear wipes everything and replay flag, destroy and double open behave", "[store]") {
  TempDir dir;
  const auto path = dir.path / "svc";
  {
    auto store = StateStore::open(path);
    CHECK_FALSE(store->replay_complete());
    REQUIRE(store->set_replay_complete(true).ok());
    CHECK(store->replay_complete());
    CHECK_THROWS_AS(StateStore::open(path), StoreError);  // RocksDB's LOCK

    WriteTxn txn;
    txn.put("k", "v");
    txn.mark_processed("e");
    txn.set_offset("t", 0, 1);
    txn.enqueue(make_record("x"));
    REQUIRE(store->commit(std::move(txn)).ok());
    REQUIRE(store->clear().ok());
    CHECK_FALSE(store->get("k").has_value());
    CHECK_FALSE(store->is_processed("e"));
    CHECK(store->all_offsets().empty());
    CHECK(store->outbox_size() == 0);
    CHECK_FALSE(store->replay_complete());
    WriteTxn again;
    again.enqueue(make_record("y"));
    CHECK(store->commit(std::move(again))->first_outbox_seq == 2);  // numbering stays monotonic
  }
  StateStore::destroy(path);
  CHECK_FALSE(std::filesystem::exists(path));
  auto fresh = StateStore::open(path);
  CHECK(fresh->outbox_size() == 0);
}
