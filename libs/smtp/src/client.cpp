#include "caas/smtp/client.hpp"

#include <array>
#include <atomic>
#include <deque>
#include <future>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include <boost/asio.hpp>

namespace caas::smtp {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxReplyLine = 4096;

// One SMTP session: the socket, bytes received but not parsed yet, and what
// EHLO advertised. Owned by exactly one Op at a time, or by the pool.
struct Conn {
  explicit Conn(net::io_context& ioc) : socket(ioc) {}

  tcp::socket socket;
  std::string rbuf;
  Capabilities caps;
  bool needs_rset = false;       // the last transaction stopped half-way
  std::size_t transactions = 0;  // MAIL FROM commands sent on this session
  Clock::time_point idle_since{};

  // A pooled session the server closed (or that has stray bytes, e.g. a 421
  // idle-timeout notice) is useless.
  bool still_usable() {
    if (!socket.is_open() || !rbuf.empty()) return false;
    boost::system::error_code ec, ignored;
    socket.non_blocking(true, ec);
    if (ec) return false;
    char c;
    socket.receive(net::buffer(&c, 1), tcp::socket::message_peek, ec);
    socket.non_blocking(false, ignored);
    return ec == net::error::would_block;
  }
  void close() {
    boost::system::error_code ec;
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }
};

// The part of a send that does not depend on the connection.
struct Prepared {
  std::string from;
  std::string to;
  std::string payload;  // dot-stuffed message + ".\r\n"
  std::size_t message_size = 0;
};

bool closed_error(const boost::system::error_code& ec) {
  return ec == net::error::eof || ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::connection_aborted || ec == net::error::not_connected;
}

std::string ms(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

}  // namespace

class Op;

class SmtpClient::Impl {
 public:
  explicit Impl(ClientOptions options) : options_(std::move(options)) {
    thread_ = std::thread([this] {
      for (;;) {
        try {
          ioc_.run();
          return;
        } catch (...) {
          // a throwing user callback must not stop the client's I/O
        }
      }
    });
  }
  ~Impl() {
    net::post(ioc_, [this] { shutdown(); });
    work_.reset();
    thread_.join();  // every remaining operation is bounded (QUIT by quit_timeout)
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void start(std::shared_ptr<const Prepared> prepared, std::function<void(SendResult)> done,
             std::optional<std::chrono::milliseconds> deadline);

  std::size_t idle_connections() const { return idle_count_.load(std::memory_order_relaxed); }
  std::size_t connections_opened() const { return opened_.load(std::memory_order_relaxed); }

  // --- I/O thread only ---
  // A "slot" is one open session counted against max_connections: owned by
  // an Op (in_use_) or idle in the pool. Sessions being closed (QUIT) do not
  // count.
  enum class Keep { pool, quit, close };
  std::unique_ptr<Conn> take_idle();  // takes a slot with the session
  bool reserve_slot();                // for a new session
  void wait_for_slot(const std::shared_ptr<Op>& op) { waiters_.push_back(op); }
  void settle(std::unique_ptr<Conn> conn, Keep keep);  // gives the slot back
  void quit(std::unique_ptr<Conn> conn);               // QUIT (bounded), then close
  void register_op(const std::shared_ptr<Op>& op) { ops_[op.get()] = op; }
  void unregister_op(Op* op) { ops_.erase(op); }
  bool closing() const { return closing_; }
  void on_connected() { opened_.fetch_add(1, std::memory_order_relaxed); }

  const ClientOptions options_;
  net::io_context ioc_{1};

 private:
  void shutdown();
  void pool_or_quit(std::unique_ptr<Conn> conn);
  void wake_waiters();
  void arm_sweep();
  void publish_idle() { idle_count_.store(pool_.size(), std::memory_order_relaxed); }

  net::executor_work_guard<net::io_context::executor_type> work_{ioc_.get_executor()};
  std::deque<std::unique_ptr<Conn>> pool_;  // oldest at the front
  net::steady_timer sweep_timer_{ioc_};
  bool sweep_armed_ = false;
  bool closing_ = false;
  std::size_t in_use_ = 0;                          // sessions owned by Ops
  std::deque<std::weak_ptr<Op>> waiters_;           // Ops waiting for a slot, FIFO
  std::unordered_map<Op*, std::weak_ptr<Op>> ops_;  // in flight, failed with shutting_down on destruction
  std::atomic<std::size_t> idle_count_{0};
  std::atomic<std::size_t> opened_{0};
  std::thread thread_;
};

namespace {

// QUIT on a healthy session that is being dropped, then close; bounded by
// quit_timeout whatever the server does.
class Quitter : public std::enable_shared_from_this<Quitter> {
 public:
  Quitter(std::unique_ptr<Conn> conn, std::chrono::milliseconds timeout)
      : conn_(std::move(conn)), timer_(conn_->socket.get_executor()), timeout_(timeout) {}

  void start() {
    if (timeout_.count() <= 0) return conn_->close();
    timer_.expires_after(timeout_);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->conn_->close();
    });
    static constexpr std::string_view kQuit = "QUIT\r\n";
    net::async_write(conn_->socket, net::buffer(kQuit.data(), kQuit.size()),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (ec) return self->finish();
                       // Any answer (221) or EOF ends it; the content does not matter.
                       self->conn_->socket.async_read_some(
                           net::buffer(self->buf_), [self](boost::system::error_code, std::size_t) { self->finish(); });
                     });
  }

 private:
  void finish() {
    timer_.cancel();
    conn_->close();
  }

  std::unique_ptr<Conn> conn_;
  net::steady_timer timer_;
  std::chrono::milliseconds timeout_;
  std::array<char, 256> buf_{};
};

}  // namespace

// One send from acquiring a session to the final reply. Lives on the
// client's I/O thread; `done` runs exactly once (shutting_down if the client
// is destroyed first).
class Op : public std::enable_shared_from_this<Op> {
  using Keep = SmtpClient::Impl::Keep;

 public:
  Op(SmtpClient::Impl& client, std::shared_ptr<const Prepared> prepared, std::function<void(SendResult)> done,
     Clock::time_point deadline)
      : client_(client),
        options_(client.options_),
        prepared_(std::move(prepared)),
        done_(std::move(done)),
        deadline_(deadline),
        resolver_(client.ioc_),
        timer_(client.ioc_) {}
  ~Op() {
    if (done_)
      done_(SendError{SendErrc::shutting_down, stage_, 0, {}, "SMTP client destroyed before the reply", false});
  }
  Op(const Op&) = delete;
  Op& operator=(const Op&) = delete;

  void run() {
    client_.register_op(shared_from_this());
    if (client_.closing()) return fail(SendErrc::shutting_down, "SMTP client is shutting down");
    if (Clock::now() >= deadline_) return fail(SendErrc::timeout, "deadline passed before the send started");
    acquire();
  }

  // A slot may be free now (called by the client, FIFO).
  void resume() {
    if (finished_) return;
    waiting_ = false;
    if (client_.closing()) return fail(SendErrc::shutting_down, "SMTP client is shutting down");
    acquire();
  }

  void shutdown() { fail(SendErrc::shutting_down, "SMTP client destroyed during the send"); }
  bool finished() const { return finished_; }

 private:
  // --- connection set-up ---

  void acquire() {
    conn_ = client_.take_idle();
    if (conn_) {
      holds_slot_ = true;
      reused_ = true;
      return begin_transaction();
    }
    if (client_.reserve_slot()) {
      holds_slot_ = true;
      return connect();
    }
    // Every session is busy: wait for one, as long as a connect may take.
    stage_ = Stage::connect;
    waiting_ = true;
    arm(options_.connect_timeout);
    client_.wait_for_slot(shared_from_this());
  }

  void connect() {
    stage_ = Stage::connect;
    conn_ = std::make_unique<Conn>(client_.ioc_);
    arm(options_.connect_timeout);
    resolver_.async_resolve(options_.host, std::to_string(options_.port),
                            [self = shared_from_this()](boost::system::error_code ec, tcp::resolver::results_type r) {
                              self->on_resolve(ec, r);
                            });
  }

  void on_resolve(boost::system::error_code ec, const tcp::resolver::results_type& results) {
    if (finished_) return;
    if (ec) return connect_error("resolve " + options_.host + ": " + ec.message());
    net::async_connect(
        conn_->socket, results,
        [self = shared_from_this()](boost::system::error_code e, const tcp::endpoint&) { self->on_connect(e); });
  }

  void on_connect(boost::system::error_code ec) {
    if (finished_) return;
    if (ec) return connect_error("connect " + endpoint() + ": " + ec.message());
    client_.on_connected();
    boost::system::error_code ignored;
    conn_->socket.set_option(tcp::no_delay(true), ignored);
    stage_ = Stage::greeting;
    arm(options_.command_timeout);
    read_reply();
  }

  void connect_error(const std::string& what) {
    if (timed_out_) {
      if (timer_was_deadline_) return fail(SendErrc::timeout, "deadline passed while connecting to " + endpoint());
      return fail(SendErrc::connect_failed,
                  "connect to " + endpoint() + " timed out after " + ms(options_.connect_timeout));
    }
    fail(SendErrc::connect_failed, what);
  }

  // --- dialogue ---

  void begin_transaction() {
    first_command_ = true;  // a reused session may turn out to be dead here
    if (conn_->needs_rset) return command(Stage::rset, "RSET\r\n");
    mail_from();
  }

  void mail_from() {
    std::string line = "MAIL FROM:<" + prepared_->from + ">";
    if (conn_->caps.size_limit) line += " SIZE=" + std::to_string(prepared_->message_size);
    // The message is 7-bit (quoted-printable/base64): no BODY=8BITMIME.
    line += "\r\n";
    ++conn_->transactions;
    command(Stage::mail_from, std::move(line));
  }

  void command(Stage stage, std::string line) {
    stage_ = stage;
    out_ = std::move(line);
    arm(options_.command_timeout);
    net::async_write(conn_->socket, net::buffer(out_),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (self->finished_) return;
                       if (ec) return self->io_error(ec);
                       self->read_reply();
                     });
  }

  void send_body() {
    stage_ = Stage::body;
    body_started_ = true;
    arm(options_.command_timeout);
    net::async_write(conn_->socket, net::buffer(prepared_->payload),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (self->finished_) return;
                       if (ec) return self->io_error(ec);
                       self->read_reply();
                     });
  }

  void read_reply() {
    auto parsed = parse_reply(conn_->rbuf, kMaxReplyLine);
    if (parsed.status == ReplyStatus::complete) {
      conn_->rbuf.erase(0, parsed.consumed);
      return on_reply(std::move(parsed.reply));
    }
    if (parsed.status == ReplyStatus::malformed) {
      return fail(SendErrc::protocol_error, "malformed reply to " + what() + ": " + parsed.error);
    }
    conn_->socket.async_read_some(net::buffer(chunk_),
                                  [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                                    if (self->finished_) return;
                                    if (ec) return self->io_error(ec);
                                    self->conn_->rbuf.append(self->chunk_.data(), n);
                                    self->read_reply();
                                  });
  }

  void on_reply(Reply reply) {
    const int k = reply.klass();
    switch (stage_) {
      case Stage::greeting:
        if (reply.code == 220) return command(Stage::ehlo, "EHLO " + options_.helo_name + "\r\n");
        return refused(reply, Keep::close);
      case Stage::ehlo:
        if (k == 2) {
          conn_->caps = helo_ ? Capabilities{} : parse_ehlo(reply);
          return begin_transaction();
        }
        if (k == 5 && !helo_) {  // an old server: fall back to HELO
          helo_ = true;
          return command(Stage::ehlo, "HELO " + options_.helo_name + "\r\n");
        }
        return refused(reply, Keep::quit);
      case Stage::rset:
        if (k == 2) {
          first_command_ = false;
          conn_->needs_rset = false;
          return mail_from();
        }
        if (reply.code == 421 && retry_stale()) return;
        return refused(reply, Keep::quit);
      case Stage::mail_from:
        if (k == 2) {
          first_command_ = false;
          return command(Stage::rcpt_to, "RCPT TO:<" + prepared_->to + ">\r\n");
        }
        if (reply.code == 421 && retry_stale()) return;
        return refused(reply, Keep::pool);
      case Stage::rcpt_to:
        if (k == 2) return command(Stage::data, "DATA\r\n");
        return refused(reply, Keep::pool);
      case Stage::data:
        if (reply.code == 354) return send_body();
        return refused(reply, Keep::pool);
      case Stage::body:
        if (k == 2) return succeed(std::move(reply));
        return refused(reply, Keep::pool);
      case Stage::prepare:
      case Stage::connect:
        break;
    }
    fail(SendErrc::protocol_error, "unexpected reply");
  }

  // A 4xx/5xx reply; `keep` says what becomes of the (healthy) session.
  void refused(const Reply& reply, Keep keep) {
    const int k = reply.klass();
    if (k != 4 && k != 5) {
      return fail(SendErrc::protocol_error, "unexpected reply " + std::to_string(reply.code) + " to " + what(), &reply);
    }
    if (reply.code == 421) keep = Keep::close;  // the server is closing the channel
    // The transaction stopped half-way: RSET before the next one. After the
    // body it is over anyway.
    if (keep == Keep::pool) conn_->needs_rset = stage_ != Stage::body;
    const auto kind = k == 4 ? SendErrc::transient_rejection : SendErrc::permanent_rejection;
    finish(make_error(kind, what() + " refused: " + std::to_string(reply.code) + " " + reply.text, &reply), keep);
  }

  // A reused session that died before the transaction got anywhere: try
  // once more on a fresh one (nothing of this message was accepted).
  bool retry_stale() {
    if (!reused_ || retried_ || !first_command_) return false;
    retried_ = true;
    reused_ = false;
    conn_->close();
    conn_.reset();
    connect();  // keeps the slot
    return true;
  }

  void io_error(boost::system::error_code ec) {
    if (finished_) return;
    if (timed_out_) {
      if (timer_was_deadline_) return fail(SendErrc::timeout, "deadline passed waiting for the reply to " + what());
      return fail(SendErrc::timeout, "no reply to " + what() + " within " + ms(options_.command_timeout));
    }
    if (closed_error(ec) && retry_stale()) return;
    fail(SendErrc::connection_closed, "connection lost during " + what() + ": " + ec.message());
  }

  // --- deadlines ---

  // One timer, re-armed per step: min(call deadline, now + step). The
  // generation guards against a firing that was already queued.
  void arm(std::chrono::milliseconds step) {
    const auto gen = ++timer_gen_;
    const auto step_end = Clock::now() + step;
    timer_was_deadline_ = deadline_ <= step_end;
    timer_.expires_at(timer_was_deadline_ ? deadline_ : step_end);
    timer_.async_wait([self = shared_from_this(), gen](boost::system::error_code ec) {
      if (ec || self->finished_ || gen != self->timer_gen_) return;
      self->on_timer();
    });
  }

  void on_timer() {
    timed_out_ = true;
    if (waiting_) {
      return fail(SendErrc::timeout, timer_was_deadline_ ? "deadline passed waiting for a free connection"
                                                         : "no connection free within " + ms(options_.connect_timeout));
    }
    // The pending operation fails with operation_aborted: io_error() or
    // connect_error() report the timeout.
    resolver_.cancel();
    boost::system::error_code ignored;
    if (conn_) conn_->socket.close(ignored);
  }

  // --- completion ---

  void succeed(Reply reply) {
    conn_->needs_rset = false;
    finish(Accepted{std::move(reply), reused_}, Keep::pool);
  }

  SendError make_error(SendErrc kind, std::string message, const Reply* reply = nullptr) const {
    SendError error;
    error.kind = kind;
    error.stage = stage_;
    if (reply) {
      error.reply_code = reply->code;
      error.reply_text = reply->text;
    }
    error.message = std::move(message);
    // After the body, only a reply tells what the server did with it.
    error.maybe_delivered = body_started_ && (kind == SendErrc::timeout || kind == SendErrc::connection_closed ||
                                              kind == SendErrc::protocol_error || kind == SendErrc::shutting_down);
    return error;
  }

  // Timeouts, lost connections, garbage: the session is closed, never reused.
  void fail(SendErrc kind, std::string message, const Reply* reply = nullptr) {
    if (finished_) return;
    finish(make_error(kind, std::move(message), reply), Keep::close);
  }

  // The one way out: settle the session (pool it before `done` runs, so the
  // caller's next send finds it), then report.
  void finish(SendResult result, Keep keep) {
    finished_ = true;
    timer_.cancel();
    resolver_.cancel();
    if (holds_slot_) {
      holds_slot_ = false;
      client_.settle(std::move(conn_), keep);
    } else if (conn_) {
      conn_->close();
    }
    client_.unregister_op(this);
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(result));
  }

  std::string endpoint() const { return options_.host + ":" + std::to_string(options_.port); }

  std::string what() const {
    switch (stage_) {
      case Stage::greeting:
        return "the greeting";
      case Stage::ehlo:
        return helo_ ? "HELO" : "EHLO";
      case Stage::rset:
        return "RSET";
      case Stage::mail_from:
        return "MAIL FROM";
      case Stage::rcpt_to:
        return "RCPT TO";
      case Stage::data:
        return "DATA";
      case Stage::body:
        return "the message body";
      case Stage::prepare:
      case Stage::connect:
        break;
    }
    return "connect";
  }

  SmtpClient::Impl& client_;
  const ClientOptions& options_;
  std::shared_ptr<const Prepared> prepared_;
  std::function<void(SendResult)> done_;
  Clock::time_point deadline_;
  tcp::resolver resolver_;
  net::steady_timer timer_;
  std::unique_ptr<Conn> conn_;
  std::string out_;
  std::array<char, 4096> chunk_{};
  Stage stage_ = Stage::prepare;
  std::uint64_t timer_gen_ = 0;
  bool timer_was_deadline_ = false;
  bool timed_out_ = false;
  bool finished_ = false;
  bool holds_slot_ = false;
  bool waiting_ = false;
  bool reused_ = false;
  bool retried_ = false;
  bool first_command_ = false;
  bool helo_ = false;
  bool body_started_ = false;
};

// --- SmtpClient::Impl ---

void SmtpClient::Impl::start(std::shared_ptr<const Prepared> prepared, std::function<void(SendResult)> done,
                             std::optional<std::chrono::milliseconds> deadline) {
  const auto at = deadline ? Clock::now() + *deadline : Clock::time_point::max();
  auto op = std::make_shared<Op>(*this, std::move(prepared), std::move(done), at);
  net::post(ioc_, [op] { op->run(); });
}

std::unique_ptr<Conn> SmtpClient::Impl::take_idle() {
  const auto now = Clock::now();
  while (!pool_.empty()) {
    auto conn = std::move(pool_.back());  // the most recently used: most likely alive
    pool_.pop_back();
    publish_idle();
    if (now - conn->idle_since >= options_.max_idle_time) {
      quit(std::move(conn));
      continue;
    }
    if (!conn->still_usable()) {
      conn->close();
      continue;
    }
    ++in_use_;
    return conn;
  }
  return nullptr;
}

bool SmtpClient::Impl::reserve_slot() {
  if (options_.max_connections != 0 && in_use_ + pool_.size() >= options_.max_connections) return false;
  ++in_use_;
  return true;
}

void SmtpClient::Impl::settle(std::unique_ptr<Conn> conn, Keep keep) {
  --in_use_;
  if (conn) {
    switch (keep) {
      case Keep::pool:
        pool_or_quit(std::move(conn));
        break;
      case Keep::quit:
        quit(std::move(conn));
        break;
      case Keep::close:
        conn->close();
        break;
    }
  }
  wake_waiters();
}

void SmtpClient::Impl::pool_or_quit(std::unique_ptr<Conn> conn) {
  if (closing_ || conn->transactions >= options_.max_messages_per_connection ||
      pool_.size() >= options_.max_idle_connections) {
    return quit(std::move(conn));
  }
  if (!conn->rbuf.empty()) return conn->close();  // unsolicited bytes: out of step with the server
  conn->idle_since = Clock::now();
  pool_.push_back(std::move(conn));
  publish_idle();
  arm_sweep();
}

void SmtpClient::Impl::wake_waiters() {
  while (!waiters_.empty() &&
         (!pool_.empty() || options_.max_connections == 0 || in_use_ + pool_.size() < options_.max_connections)) {
    auto op = waiters_.front().lock();
    waiters_.pop_front();
    if (op && !op->finished()) op->resume();  // takes a session or a slot (or waits again, at the back)
  }
}

void SmtpClient::Impl::quit(std::unique_ptr<Conn> conn) {
  if (!conn->socket.is_open()) return;
  std::make_shared<Quitter>(std::move(conn), std::min(options_.quit_timeout, options_.command_timeout))->start();
}

void SmtpClient::Impl::arm_sweep() {
  if (sweep_armed_ || pool_.empty() || closing_) return;
  sweep_armed_ = true;
  sweep_timer_.expires_at(pool_.front()->idle_since + options_.max_idle_time);
  sweep_timer_.async_wait([this](boost::system::error_code ec) {
    sweep_armed_ = false;
    if (ec || closing_) return;
    const auto now = Clock::now();
    bool freed = false;
    while (!pool_.empty() && now - pool_.front()->idle_since >= options_.max_idle_time) {
      auto conn = std::move(pool_.front());
      pool_.pop_front();
      quit(std::move(conn));
      freed = true;
    }
    publish_idle();
    if (freed) wake_waiters();
    arm_sweep();
  });
}

void SmtpClient::Impl::shutdown() {
  closing_ = true;
  sweep_timer_.cancel();
  std::vector<std::shared_ptr<Op>> ops;
  for (auto& [raw, weak] : ops_) {
    if (auto op = weak.lock()) ops.push_back(std::move(op));
  }
  for (auto& op : ops) op->shutdown();
  waiters_.clear();
  while (!pool_.empty()) {
    auto conn = std::move(pool_.back());
    pool_.pop_back();
    quit(std::move(conn));
  }
  publish_idle();
}

// --- public API ---

std::string_view to_string(Stage stage) {
  switch (stage) {
    case Stage::prepare:
      return "prepare";
    case Stage::connect:
      return "connect";
    case Stage::greeting:
      return "greeting";
    case Stage::ehlo:
      return "ehlo";
    case Stage::rset:
      return "rset";
    case Stage::mail_from:
      return "mail_from";
    case Stage::rcpt_to:
      return "rcpt_to";
    case Stage::data:
      return "data";
    case Stage::body:
      return "body";
  }
  return "unknown";
}

Error SendError::to_error() const {
  std::string text = message + " [stage " + std::string(to_string(stage));
  if (reply_code != 0) text += ", reply " + std::to_string(reply_code) + " " + reply_text;
  if (maybe_delivered) text += ", outcome unknown: the server may have accepted the message";
  text += "]";
  return Error{code(), std::move(text)};
}

bool is_permanent(const SendError& error) {
  return is_permanent(error.kind);
}

namespace {

std::variant<std::shared_ptr<const Prepared>, SendError> prepare(const Mail& mail) {
  auto message = build_message(mail);
  if (!message) return SendError{SendErrc::invalid_message, Stage::prepare, 0, {}, message.error().message, false};
  auto p = std::make_shared<Prepared>();
  p->from = mail.from;
  p->to = mail.to;
  p->message_size = message->size();
  p->payload = dot_stuff(*message);
  p->payload += ".\r\n";  // build_message() ends the message with CRLF
  return std::shared_ptr<const Prepared>(std::move(p));
}

}  // namespace

SmtpClient::SmtpClient(ClientOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}
SmtpClient::~SmtpClient() = default;

SendResult SmtpClient::send(const Mail& mail, std::optional<std::chrono::milliseconds> deadline) {
  auto prepared = prepare(mail);
  if (auto* error = std::get_if<SendError>(&prepared)) return std::move(*error);
  std::promise<SendResult> promise;
  auto future = promise.get_future();
  impl_->start(
      std::get<0>(std::move(prepared)), [&promise](SendResult r) { promise.set_value(std::move(r)); }, deadline);
  return future.get();
}

void SmtpClient::async_send(const Mail& mail, std::function<void(SendResult)> done,
                            std::optional<std::chrono::milliseconds> deadline) {
  auto prepared = prepare(mail);
  if (auto* error = std::get_if<SendError>(&prepared)) {
    // Still complete on the I/O thread, as documented for the callback form.
    net::post(impl_->ioc_, [done = std::move(done), e = std::move(*error)] { done(e); });
    return;
  }
  impl_->start(std::get<0>(std::move(prepared)), std::move(done), deadline);
}

std::size_t SmtpClient::idle_connections() const {
  return impl_->idle_connections();
}

std::size_t SmtpClient::connections_opened() const {
  return impl_->connections_opened();
}

}  // namespace caas::smtp
