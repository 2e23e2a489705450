#include "caas/store/state_store.hpp"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>

#include "codec.hpp"

namespace caas::store {

namespace {

using detail::be32;
using detail::be64;

constexpr std::array<const char*, 5> kFamilies = {"state", "processed", "offsets", "outbox", "meta"};
enum FamilyIndex : std::size_t { kState = 0, kProcessed, kOffsets, kOutbox, kMeta };

constexpr std::uint8_t kRecordFormat = 1;

std::string offset_key(const std::string& topic, std::int32_t partition) {
  // topic, NUL, big-endian partition: all partitions of a topic sort together.
  std::string k = topic;
  k.push_back('\0');
  k += be32(static_cast<std::uint32_t>(partition));
  return k;
}

std::optional<TopicPartition> parse_offset_key(std::string_view k) {
  if (k.size() < 5 || k[k.size() - 5] != '\0') return std::nullopt;
  std::uint32_t p = 0;
  for (char c : k.substr(k.size() - 4)) p = (p << 8U) | static_cast<unsigned char>(c);
  return TopicPartition{std::string(k.substr(0, k.size() - 5)), static_cast<std::int32_t>(p)};
}

std::string encode_position(const SourcePosition& p) {
  std::string out;
  detail::put_bytes(out, p.topic);
  detail::put_varint(out, detail::zigzag(p.partition));
  detail::put_varint(out, detail::zigzag(p.offset));
  return out;
}

std::optional<SourcePosition> decode_position(std::string_view in) {
  if (in.empty()) return std::nullopt;  // recorded without a position
  auto topic = detail::get_bytes(in);
  auto partition = detail::get_varint(in);
  auto offset = detail::get_varint(in);
  if (!topic || !partition || !offset) return std::nullopt;
  return SourcePosition{std::string(*topic), static_cast<std::int32_t>(detail::unzigzag(*partition)),
                        detail::unzigzag(*offset)};
}

caas::Error io_error(const rocksdb::Status& s, std::string_view what) {
  return caas::Error{std::make_error_code(std::errc::io_error), std::string(what) + ": " + s.ToString()};
}

void check_read(const rocksdb::Status& s, std::string_view what) {
  if (!s.ok() && !s.IsNotFound()) throw StoreError(std::string(what) + ": " + s.ToString());
}

rocksdb::Slice slice(std::string_view s) {
  return {s.data(), s.size()};
}
std::string_view view(const rocksdb::Slice& s) {
  return {s.data(), s.size()};
}

}  // namespace

std::string encode_record(const kafka::Record& r) {
  std::string out;
  out.reserve(16 + r.topic.size() + r.key.size() + r.value.size());
  out.push_back(static_cast<char>(kRecordFormat));
  detail::put_bytes(out, r.topic);
  detail::put_bytes(out, r.key);
  detail::put_bytes(out, r.value);
  // partition: 0 = unset, else zigzag(partition) + 1
  detail::put_varint(out, r.partition ? detail::zigzag(*r.partition) + 1 : 0);
  detail::put_varint(out, r.headers.size());
  for (const auto& h : r.headers) {
    detail::put_bytes(out, h.key);
    detail::put_bytes(out, h.value);
  }
  return out;
}

std::optional<kafka::Record> decode_record(std::string_view in) {
  if (in.empty() || static_cast<std::uint8_t>(in.front()) != kRecordFormat) return std::nullopt;
  in.remove_prefix(1);
  kafka::Record r;
  auto topic = detail::get_bytes(in);
  auto key = detail::get_bytes(in);
  auto value = detail::get_bytes(in);
  auto partition = detail::get_varint(in);
  auto count = detail::get_varint(in);
  if (!topic || !key || !value || !partition || !count) return std::nullopt;
  r.topic = *topic;
  r.key = *key;
  r.value = *value;
  if (*partition != 0) r.partition = static_cast<std::int32_t>(detail::unzigzag(*partition - 1));
  if (*count > in.size() / 2) return std::nullopt;  // each header needs >= 2 bytes
  r.headers.reserve(*count);
  for (std::uint64_t i = 0; i < *count; ++i) {
    auto k = detail::get_bytes(in);
    auto v = detail::get_bytes(in);
    if (!k || !v) return std::nullopt;
    r.headers.push_back(kafka::Header{std::string(*k), std::string(*v)});
  }
  if (!in.empty()) return std::nullopt;
  return r;
}

// ---------------------------------------------------------------- WriteTxn

void WriteTxn::put(std::string key, std::string value) {
  ops_.push_back(Op{Family::state, false, std::move(key), std::move(value)});
}
void WriteTxn::del(std::string key) {
  ops_.push_back(Op{Family::state, true, std::move(key), {}});
}
void WriteTxn::mark_processed(std::string event_id) {
  ops_.push_back(Op{Family::processed, false, std::move(event_id), {}});
}
void WriteTxn::mark_processed(std::string event_id, const SourcePosition& from) {
  ops_.push_back(Op{Family::processed, false, std::move(event_id), encode_position(from)});
}
void WriteTxn::set_offset(const std::string& topic, std::int32_t partition, std::int64_t next_offset) {
  ops_.push_back(
      Op{Family::offsets, false, offset_key(topic, partition), be64(static_cast<std::uint64_t>(next_offset))});
}
void WriteTxn::enqueue(kafka::Record record) {
  outbox_.push_back(std::move(record));
}
void WriteTxn::put_meta(std::string key, std::string value) {
  ops_.push_back(Op{Family::meta, false, std::move(key), std::move(value)});
}

// ---------------------------------------------------------------- StateStore

struct StateStore::Impl {
  std::filesystem::path path;
  // Declaration order matters: handles_ is destroyed before db_ (reverse
  // order), as RocksDB requires column family handles to go first.
  std::unique_ptr<rocksdb::DB> db;
  std::vector<std::unique_ptr<rocksdb::ColumnFamilyHandle>> handles;  // all opened families
  std::array<rocksdb::ColumnFamilyHandle*, kFamilies.size()> cf{};    // ours, by FamilyIndex

  std::mutex commit_mutex;
  std::uint64_t next_seq = 1;              // guarded by commit_mutex
  std::atomic<std::uint64_t> last_seq{0};  // highest assigned and written
  std::atomic<bool> sync_commits{true};

  std::mutex listeners_mutex;
  std::uint64_t next_listener_id = 1;
  std::map<std::uint64_t, std::function<void(std::uint64_t)>> listeners;

  ~Impl() {
    handles.clear();  // explicit: CF handles before the DB
    db.reset();
  }

  rocksdb::ColumnFamilyHandle* family(std::size_t i) const { return cf[i]; }

  // Every write goes through here. RocksDB accepts concurrent writers and
  // orders them itself (a write group whose leader merges the others'
  // batches into a buffer of its own) with atomics in uninstrumented code.
  // ThreadSanitizer cannot see that ordering and reports RocksDB's buffer as
  // raced, so in a CAAS_TSAN build a mutex it does see stands in for it.
  rocksdb::Status write(const rocksdb::WriteOptions& options, rocksdb::WriteBatch* batch) {
#if defined(__SANITIZE_THREAD__)
    std::lock_guard lock(tsan_write_mutex);
#endif
    return db->Write(options, batch);
  }
#if defined(__SANITIZE_THREAD__)
  std::mutex tsan_write_mutex;  // taken last: after commit_mutex, never before
#endif

  std::optional<std::string> read(std::size_t fam, std::string_view key) const {
    std::string value;
    auto s = db->Get(rocksdb::ReadOptions(), cf[fam], slice(key), &value);
    check_read(s, std::string("read ") + kFamilies[fam]);
    if (s.IsNotFound()) return std::nullopt;
    return value;
  }

  template <class Fn>
  void iterate(std::size_t fam, std::string_view start, Fn&& fn) const {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[fam]));
    for (it->Seek(slice(start)); it->Valid(); it->Next()) {
      if (!fn(view(it->key()), view(it->value()))) break;
    }
    check_read(it->status(), std::string("iterate ") + kFamilies[fam]);
  }
};

StateStore::StateStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StateStore::~StateStore() = default;

std::unique_ptr<StateStore> StateStore::open(const std::filesystem::path& path, StoreOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->sync_commits = options.sync_commits;

  if (options.create_if_missing) {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) throw StoreError("cannot create store directory " + path.string() + ": " + ec.message());
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;

  // Open every family present on disk (RocksDB refuses to open otherwise) plus ours.
  std::vector<std::string> names;
  auto list = rocksdb::DB::ListColumnFamilies(db_options, path.string(), &names);
  if (!list.ok()) names.clear();  // new database
  if (std::find(names.begin(), names.end(), rocksdb::kDefaultColumnFamilyName) == names.end()) {
    names.push_back(rocksdb::kDefaultColumnFamilyName);
  }
  for (const char* f : kFamilies) {
    if (std::find(names.begin(), names.end(), f) == names.end()) names.emplace_back(f);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());

  std::vector<rocksdb::ColumnFamilyHandle*> raw_handles;
  rocksdb::DB* raw_db = nullptr;
  auto s = rocksdb::DB::Open(db_options, path.string(), descriptors, &raw_handles, &raw_db);
  if (!s.ok()) throw StoreError("cannot open state store at " + path.string() + ": " + s.ToString());
  impl->db.reset(raw_db);
  for (std::size_t i = 0; i < raw_handles.size(); ++i) {
    impl->handles.emplace_back(raw_handles[i]);
    for (std::size_t f = 0; f < kFamilies.size(); ++f) {
      if (names[i] == kFamilies[f]) impl->cf[f] = raw_handles[i];
    }
  }

  // Outbox numbering continues after both the persisted high-water mark and
  // the largest key present, so order survives restarts.
  std::uint64_t next = 1;
  if (auto meta = impl->read(kMeta, kMetaOutboxNextSeq)) {
    if (auto v = detail::from_be64(*meta)) next = std::max(next, *v);
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(impl->db->NewIterator(rocksdb::ReadOptions(), impl->cf[kOutbox]));
    it->SeekToLast();
    if (it->Valid()) {
      if (auto v = detail::from_be64(view(it->key()))) next = std::max(next, *v + 1);
    }
    check_read(it->status(), "read outbox tail");
  }
  impl->next_seq = next;
  impl->last_seq = next - 1;
  return std::unique_ptr<StateStore>(new StateStore(std::move(impl)));
}

void StateStore::destroy(const std::filesystem::path& path) {
  rocksdb::Options options;
  auto s = rocksdb::DestroyDB(path.string(), options);
  if (!s.ok()) throw StoreError("cannot destroy state store at " + path.string() + ": " + s.ToString());
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

const std::filesystem::path& StateStore::path() const {
  return impl_->path;
}

void StateStore::set_sync_commits(bool sync) {
  impl_->sync_commits = sync;
}

caas::Result<CommitInfo> StateStore::commit(WriteTxn&& txn, CommitOptions options) {
  auto& d = *impl_;
  rocksdb::WriteBatch batch;
  for (const auto& op : txn.ops_) {
    std::size_t fam = kState;
    switch (op.family) {
      case WriteTxn::Family::state:
        fam = kState;
        break;
      case WriteTxn::Family::processed:
        fam = kProcessed;
        break;
      case WriteTxn::Family::offsets:
        fam = kOffsets;
        break;
      case WriteTxn::Family::meta:
        fam = kMeta;
        break;
    }
    auto s =
        op.is_delete ? batch.Delete(d.cf[fam], slice(op.key)) : batch.Put(d.cf[fam], slice(op.key), slice(op.value));
    if (!s.ok()) return io_error(s, "build write batch");
  }
  std::vector<std::string> encoded;
  encoded.reserve(txn.outbox_.size());
  for (const auto& r : txn.outbox_) encoded.push_back(encode_record(r));

  rocksdb::WriteOptions wo;
  wo.sync = options.sync.value_or(d.sync_commits.load());

  CommitInfo info;
  std::uint64_t last = 0;
  {
    // Sequence numbers are assigned and written under one lock: a reader can
    // never observe seq N+1 before seq N is durable.
    std::lock_guard lock(d.commit_mutex);
    std::uint64_t seq = d.next_seq;
    if (!encoded.empty()) {
      info.first_outbox_seq = seq;
      info.outbox_count = encoded.size();
      for (const auto& e : encoded) {
        auto s = batch.Put(d.cf[kOutbox], be64(seq), e);
        if (!s.ok()) return io_error(s, "build write batch");
        ++seq;
      }
      auto s = batch.Put(d.cf[kMeta], slice(kMetaOutboxNextSeq), be64(seq));
      if (!s.ok()) return io_error(s, "build write batch");
    }
    if (batch.Count() == 0) return info;
    auto s = d.write(wo, &batch);
    if (!s.ok()) return io_error(s, "commit to state store " + d.path.string());
    d.next_seq = seq;
    last = seq - 1;
    if (!encoded.empty()) d.last_seq = last;
  }
  if (!encoded.empty()) {
    std::lock_guard lock(d.listeners_mutex);
    for (auto& [id, fn] : d.listeners) fn(last);
  }
  return info;
}

caas::Result<void> StateStore::remove_outbox(const std::vector<std::uint64_t>& seqs) {
  if (seqs.empty()) return caas::ok();
  rocksdb::WriteBatch batch;
  for (auto seq : seqs) {
    auto s = batch.Delete(impl_->cf[kOutbox], be64(seq));
    if (!s.ok()) return io_error(s, "build outbox removal");
  }
  auto s = impl_->write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return io_error(s, "remove delivered outbox entries");
  return caas::ok();
}

caas::Result<std::size_t> StateStore::prune_processed(const std::map<TopicPartition, std::int64_t>& older_than) {
  rocksdb::WriteBatch batch;
  std::size_t removed = 0;
  try {
    impl_->iterate(kProcessed, "", [&](std::string_view key, std::string_view value) {
      auto pos = decode_position(value);
      if (!pos) return true;
      auto it = older_than.find(TopicPartition{pos->topic, pos->partition});
      if (it != older_than.end() && pos->offset < it->second) {
        (void)batch.Delete(impl_->cf[kProcessed], slice(key));
        ++removed;
      }
      return true;
    });
  } catch (const StoreError& e) {
    return caas::Error{std::make_error_code(std::errc::io_error), e.what()};
  }
  if (removed == 0) return removed;
  auto s = impl_->write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return io_error(s, "prune processed ids");
  return removed;
}

caas::Result<void> StateStore::clear() {
  std::lock_guard lock(impl_->commit_mutex);
  for (std::size_t fam = 0; fam < kFamilies.size(); ++fam) {
    rocksdb::WriteBatch batch;
    try {
      impl_->iterate(fam, "", [&](std::string_view key, std::string_view) {
        (void)batch.Delete(impl_->cf[fam], slice(key));
        return true;
      });
    } catch (const StoreError& e) {
      return caas::Error{std::make_error_code(std::errc::io_error), e.what()};
    }
    if (fam == kMeta) {  // keep numbering monotonic across a wipe
      (void)batch.Put(impl_->cf[kMeta], slice(kMetaOutboxNextSeq), be64(impl_->next_seq));
    }
    rocksdb::WriteOptions wo;
    wo.sync = true;
    auto s = impl_->write(wo, &batch);
    if (!s.ok()) return io_error(s, "clear state store");
  }
  return caas::ok();
}

std::optional<std::string> StateStore::get(std::string_view key) const {
  return impl_->read(kState, key);
}

void StateStore::scan_prefix(std::string_view prefix,
                             const std::function<bool(std::string_view, std::string_view)>& fn) const {
  impl_->iterate(kState, prefix, [&](std::string_view key, std::string_view value) {
    if (key.substr(0, prefix.size()) != prefix) return false;
    return fn(key, value);
  });
}

bool StateStore::is_processed(std::string_view event_id) const {
  return impl_->read(kProcessed, event_id).has_value();
}

std::optional<SourcePosition> StateStore::processed_position(std::string_view event_id) const {
  auto v = impl_->read(kProcessed, event_id);
  if (!v) return std::nullopt;
  return decode_position(*v);
}

std::size_t StateStore::processed_count() const {
  std::size_t n = 0;
  impl_->iterate(kProcessed, "", [&](std::string_view, std::string_view) {
    ++n;
    return true;
  });
  return n;
}

std::optional<std::int64_t> StateStore::offset(const std::string& topic, std::int32_t partition) const {
  auto v = impl_->read(kOffsets, offset_key(topic, partition));
  if (!v) return std::nullopt;
  auto n = detail::from_be64(*v);
  if (!n) throw StoreError("corrupt offset entry for " + topic + "/" + std::to_string(partition));
  return static_cast<std::int64_t>(*n);
}

std::map<TopicPartition, std::int64_t> StateStore::all_offsets() const {
  std::map<TopicPartition, std::int64_t> out;
  impl_->iterate(kOffsets, "", [&](std::string_view key, std::string_view value) {
    auto tp = parse_offset_key(key);
    auto n = detail::from_be64(value);
    if (tp && n) out[*tp] = static_cast<std::int64_t>(*n);
    return true;
  });
  return out;
}

std::optional<std::string> StateStore::get_meta(std::string_view key) const {
  return impl_->read(kMeta, key);
}

std::size_t StateStore::outbox_size() const {
  std::size_t n = 0;
  impl_->iterate(kOutbox, "", [&](std::string_view, std::string_view) {
    ++n;
    return true;
  });
  return n;
}

std::vector<OutboxEntry> StateStore::read_outbox(std::uint64_t from_seq, std::size_t max) const {
  std::vector<OutboxEntry> out;
  if (max == 0) return out;
  impl_->iterate(kOutbox, be64(from_seq), [&](std::string_view key, std::string_view value) {
    auto seq = detail::from_be64(key);
    auto record = decode_record(value);
    if (!seq || !record) throw StoreError("corrupt outbox entry in " + impl_->path.string());
    out.push_back(OutboxEntry{*seq, std::move(*record)});
    return out.size() < max;
  });
  return out;
}

std::uint64_t StateStore::outbox_last_seq() const {
  return impl_->last_seq.load();
}

std::uint64_t StateStore::add_outbox_listener(std::function<void(std::uint64_t)> listener) {
  std::lock_guard lock(impl_->listeners_mutex);
  const auto id = impl_->next_listener_id++;
  impl_->listeners.emplace(id, std::move(listener));
  return id;
}

void StateStore::remove_outbox_listener(std::uint64_t id) {
  std::lock_guard lock(impl_->listeners_mutex);
  impl_->listeners.erase(id);
}

bool StateStore::replay_complete() const {
  return get_meta(kMetaReplayComplete) == std::optional<std::string>("1");
}

caas::Result<void> StateStore::set_replay_complete(bool complete) {
  WriteTxn txn;
  txn.put_meta(std::string(kMetaReplayComplete), complete ? "1" : "0");
  auto r = commit(std::move(txn), CommitOptions{true});
  if (!r) return r.error();
  return caas::ok();
}

}  // namespace caas::store
