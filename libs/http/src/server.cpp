#include "caas/http/server.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "ascii.hpp"
#include "head_checks.hpp"

namespace caas::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// State a Responder may reach after the server is gone: `alive` (under `mu`)
// guards every post to the io_context and every observer call from a sink.
struct SharedState {
  std::mutex mu;
  bool alive = true;
  std::atomic<std::size_t> in_flight{0};
  ServerObserver* observer = nullptr;
};

constexpr std::chrono::milliseconds kLingerTime{1000};  // drain unread input before close
constexpr std::size_t kLingerBytes = 1 << 20;
constexpr std::chrono::milliseconds kAcceptRetry{50};  // after EMFILE and friends
constexpr std::size_t kIdleReadBytes = 16 << 10;       // first read of a keep-alive request

}  // namespace

class Session;

class Server::Impl {
 public:
  Impl(ServerOptions options, Router router, ServerObserver* observer)
      : options_(sanitize(std::move(options))), router_(std::move(router)), observer_(observer) {
    state_->observer = observer;
  }
  ~Impl() { stop(options_.shutdown_grace); }

  void start();
  void stop(std::chrono::milliseconds grace);

  static ServerOptions sanitize(ServerOptions o) {
    if (o.threads == 0) o.threads = 1;
    if (o.max_pipelined == 0) o.max_pipelined = 1;
    return o;
  }

  void session_opened(Session* s, const std::shared_ptr<Session>& sp);
  void session_closed(Session* s);
  std::size_t connections() const {
    std::lock_guard lk(sessions_mu_);
    return sessions_.size();
  }

  const ServerOptions options_;
  const Router router_;
  ServerObserver* const observer_;
  const std::shared_ptr<SharedState> state_ = std::make_shared<SharedState>();
  std::atomic<std::uint16_t> port_{0};
  RequestIdGenerator request_ids_;

 private:
  void do_accept();
  void serve_watch(std::size_t index);  // runs the owner's callback, then waits for the next edge
  std::vector<std::shared_ptr<Session>> snapshot();

  mutable std::mutex sessions_mu_;
  std::condition_variable sessions_cv_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;

  std::mutex lifecycle_mu_;
  bool started_ = false;
  bool stopped_ = false;
  // Declared last, reset explicitly in stop(): destroying it destroys the
  // sessions still referenced by handlers, which report to the members above.
  std::optional<net::io_context> ioc_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<net::steady_timer> accept_timer_;
  std::vector<net::posix::stream_descriptor> watched_;  // options_.watches, same order; fds not ours
  std::vector<std::thread> threads_;
};

// One connection. Every member is touched only on the connection's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& server)
      : socket_(std::move(socket)), deadline_timer_(socket_.get_executor()), server_(server), opts_(server.options_) {
    boost::system::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    if (!ec) {
      remote_address_ = ep.address().to_string();
      remote_port_ = ep.port();
    }
  }
  ~Session() { server_.session_closed(this); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  net::any_io_executor executor() { return socket_.get_executor(); }

  void start() {
    net::dispatch(executor(), [self = shared_from_this()] { self->do_read(); });
  }

  // Stop reading new requests; close now if nothing is pending.
  void begin_drain() {
    if (closing_) return;
    draining_ = true;
    stop_reading_ = true;
    const bool nothing_received = phase_ == Phase::idle || phase_ == Phase::none ||
                                  (phase_ == Phase::header && buffer_.size() == 0 && parser_ && !parser_->got_some());
    if (slots_.empty() && !writing_ && nothing_received) close_now();
  }

  void close_now() {
    if (closed_) return;
    closed_ = closing_ = true;
    disarm_read();
    disarm_write();
    deadline_timer_.cancel();  // releases the session it holds
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    slots_.clear();
    // Nothing is owed any more; let go of the self-reference after this
    // handler returns (callers may still touch members).
    owed_ = 0;
    if (owed_hold_) net::post(executor(), [hold = std::move(owed_hold_)] {});
  }

  // A handler is about to answer asynchronously. Responders only hold the
  // session weakly (a client that left must not keep it), so while a response
  // is owed the session holds itself: with "Connection: close" no read is
  // pending that would otherwise keep it alive until the answer comes.
  void owe_response() {
    if (owed_++ == 0) owed_hold_ = shared_from_this();
  }

  // A response from a Responder, posted to the strand (the posting handler
  // holds the session, so releasing the self-reference here is safe).
  void on_response(std::uint64_t seq, Response response) {
    if (closing_) return;
    for (auto& slot : slots_) {
      if (slot.seq == seq) {
        if (!slot.response) {
          slot.response = std::move(response);
          if (owed_ > 0 && --owed_ == 0) owed_hold_.reset();
        }
        break;
      }
    }
    maybe_write();
  }

 private:
  enum class Phase { none, idle, header, body, linger };

  struct Slot {
    std::uint64_t seq = 0;
    std::optional<Response> response;
    bool close_after = false;
    unsigned version = 11;
    bool head = false;
    std::string method;
    std::string route;
    std::string request_id;
    Clock::time_point start;
  };

  // ---- deadlines: one timer serves the read and the write deadline ----
  // Moving a deadline is an assignment; the timer is only re-armed when a
  // deadline moves earlier than its expiry. Requests on a keep-alive
  // connection thus cost no timer operations: the timer fires about once per
  // header timeout, finds the deadlines moved on, and sleeps again.
  void arm_read(std::chrono::milliseconds d) {
    read_deadline_ = Clock::now() + d;
    schedule_timer();
  }
  void disarm_read() { read_deadline_ = Clock::time_point::max(); }
  void arm_write(std::chrono::milliseconds d) {
    write_deadline_ = Clock::now() + d;
    schedule_timer();
  }
  void disarm_write() { write_deadline_ = Clock::time_point::max(); }
  Clock::time_point next_deadline() const { return std::min(read_deadline_, write_deadline_); }

  void schedule_timer() {
    const auto next = next_deadline();
    if (closed_ || next == Clock::time_point::max() || (timer_armed_ && timer_expiry_ <= next)) return;
    timer_armed_ = true;
    timer_expiry_ = next;
    deadline_timer_.expires_at(next);  // a pending wait completes as aborted
    deadline_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec != net::error::operation_aborted) self->on_timer();
    });
  }
  void on_timer() {
    timer_armed_ = false;
    if (closed_) return;
    if (next_deadline() <= Clock::now()) {
      // Slow or silent client, a reader too slow for our response, or the
      // linger period is over: drop the connection.
      return close_now();
    }
    schedule_timer();
  }

  // ---- reading ----
  void do_read() {
    if (closing_ || stop_reading_ || phase_ != Phase::none) return;
    if (slots_.size() >= opts_.max_pipelined) return;  // paused; resumed by on_write
    if (requests_ > 0 && buffer_.size() == 0) {
      // Keep-alive: wait for the next request's first bytes. The idle clock
      // only runs while no response is owed to the client. A read, not a
      // readiness wait: asio re-registers the socket with epoll for every
      // wait (an epoll_ctl per request), while a read that finds nothing
      // waits in the epoll set the socket is already in.
      phase_ = Phase::idle;
      if (slots_.empty()) arm_read(opts_.idle_timeout);
      socket_.async_read_some(
          buffer_.prepare(kIdleReadBytes),
          [self = shared_from_this()](boost::system::error_code ec, std::size_t n) { self->on_idle_read(ec, n); });
      return;
    }
    start_header();
  }

  void on_idle_read(boost::system::error_code ec, std::size_t n) {
    if (closing_) return;  // cancelled by close or linger: state belongs to them
    phase_ = Phase::none;
    disarm_read();
    buffer_.commit(n);
    if (ec) return on_read_error(ec);
    if (stop_reading_) {
      if (slots_.empty() && !writing_) close_now();
      return;
    }
    start_header();  // parses what was read, then reads the rest
  }

  void start_header() {
    phase_ = Phase::header;
    parser_.emplace(opts_.max_header_fields);
    parser_->header_limit(static_cast<std::uint32_t>(opts_.max_header_bytes));
    parser_->body_limit(opts_.max_body_bytes);
    arm_read(opts_.header_read_timeout);
    bhttp::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](boost::system::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(boost::system::error_code ec) {
    if (closing_) return;  // cancelled by close or linger: state belongs to them
    phase_ = Phase::none;
    disarm_read();
    if (ec) return on_read_error(ec);
    auto& req = parser_->get();
    if (auto bad = detail::check_request_head(*parser_, opts_.max_body_bytes)) {
      return reject(bad->status, bad->error, bad->message);
    }
    if (parser_->is_done()) return on_request();
    if (detail::iequals(req[bhttp::field::expect], "100-continue")) send_continue();
    phase_ = Phase::body;
    arm_read(opts_.body_read_timeout);
    bhttp::async_read(socket_, buffer_, *parser_,
                      [self = shared_from_this()](boost::system::error_code e, std::size_t) { self->on_body(e); });
  }

  void send_continue() {
    // Only when nothing else is being written or owed: an interim response
    // must not interleave with pipelined responses. Otherwise the client
    // sends the body after its own short wait anyway.
    if (writing_ || !slots_.empty()) return;
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    writing_ = true;
    arm_write(opts_.write_timeout);
    net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       self->writing_ = false;
                       self->disarm_write();
                       if (self->closing_) return;
                       if (ec) return self->close_now();
                       self->maybe_write();
                     });
  }

  void on_body(boost::system::error_code ec) {
    if (closing_) return;  // cancelled by close or linger: state belongs to them
    phase_ = Phase::none;
    disarm_read();
    if (ec) return on_read_error(ec);
    // Beast merges chunked trailer fields into the header: check them again
    // (found by fuzzing: a second Host sent as a trailer).
    if (parser_->repeated_framing_fields()) {
      return reject(400, "bad_request", "duplicate Content-Length or Host header");
    }
    if (!parser_->host_valid()) return reject(400, "bad_request", "invalid Host header");
    on_request();
  }

  void on_read_error(boost::system::error_code ec) {
    if (ec == bhttp::error::header_limit && parser_ && parser_->too_many_fields()) {
      return reject(431, "too_many_headers",
                    "request has more than " + std::to_string(opts_.max_header_fields) + " header fields");
    }
    if (ec == bhttp::error::header_limit) {
      return reject(431, "headers_too_large",
                    "request head exceeds " + std::to_string(opts_.max_header_bytes) + " bytes");
    }
    if (ec == bhttp::error::body_limit) {
      return reject(413, "payload_too_large",
                    "request body exceeds " + std::to_string(opts_.max_body_bytes) + " bytes");
    }
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof) {
      // Client half-closed: answer what is owed, then close.
      stop_reading_ = true;
      if (slots_.empty() && !writing_) close_now();
      return;
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
      if (ec == bhttp::error::partial_message) return close_now();  // peer left mid-request
      return reject(400, "bad_request", "malformed request: " + ec.message());
    }
    close_now();  // socket error
  }

  // An error that leaves the stream in an unknown state: answer, then close.
  void reject(int status, std::string_view error, const std::string& message) {
    stop_reading_ = true;
    Slot slot;
    slot.seq = next_seq_++;
    slot.close_after = true;
    slot.start = Clock::now();
    slot.request_id = server_.request_ids_.next();
    if (parser_ && parser_->is_header_done()) {
      auto& req = parser_->get();
      slot.method = std::string(req.method_string());
      auto rid = req["X-Request-Id"];
      if (valid_request_id(rid)) slot.request_id = std::string(rid);
    }
    slot.response = error_response(status, error, message);
    slots_.push_back(std::move(slot));
    maybe_write();
  }

  void on_request() {
    ++requests_;
    auto msg = parser_->release();
    parser_.reset();

    Request req;
    req.method = std::string(msg.method_string());
    req.version = msg.version();
    // Checked in on_header: origin or absolute form, routed alike.
    detail::apply_request_target(detail::split_request_target(msg.target()).value(), req);
    for (const auto& f : msg) req.headers.add(std::string(f.name_string()), std::string(f.value()));
    req.body = std::move(msg.body());
    req.remote_address = remote_address_;
    req.remote_port = remote_port_;
    auto rid = req.headers.get("X-Request-Id");
    req.request_id = (rid && valid_request_id(*rid)) ? std::string(*rid) : server_.request_ids_.next();

    const bool last = !msg.keep_alive() || draining_ ||
                      (opts_.max_requests_per_connection && requests_ >= *opts_.max_requests_per_connection);
    if (last) stop_reading_ = true;

    Slot slot;
    slot.seq = next_seq_++;
    slot.close_after = last;
    slot.version = req.version;
    slot.head = msg.method() == bhttp::verb::head;
    slot.method = req.method;
    slot.request_id = req.request_id;
    slot.start = Clock::now();
    const auto seq = slot.seq;
    slots_.push_back(std::move(slot));

    dispatch(seq, std::move(req));
    do_read();
    maybe_write();
  }

  void dispatch(std::uint64_t seq, Request req);

  // ---- writing, strictly in request order ----
  void maybe_write() {
    if (writing_ || closing_ || slots_.empty() || !slots_.front().response) return;
    Slot& slot = slots_.front();
    Response& r = *slot.response;
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>();
    out->version(slot.version == 10 ? 10 : 11);
    out->result(static_cast<unsigned>(r.status));
    for (const auto& [name, value] : r.headers) {
      if (detail::iequals(name, "Content-Length") || detail::iequals(name, "Transfer-Encoding") ||
          detail::iequals(name, "Connection") || detail::iequals(name, "X-Request-Id")) {
        continue;  // framing is ours
      }
      out->insert(name, value);
    }
    out->set("X-Request-Id", slot.request_id);
    out->body() = std::move(r.body);
    const bool close =
        slot.close_after || (stop_reading_ && slots_.size() == 1 && phase_ != Phase::header && phase_ != Phase::body);
    out->keep_alive(!close);
    out->prepare_payload();
    if (slot.head) out->body().clear();  // Content-Length stays that of the GET
    writing_ = true;
    arm_write(opts_.write_timeout);
    // A HEAD response must not carry the body; a serializer would still
    // write it, so the body is cleared after computing Content-Length.
    bhttp::async_write(socket_, *out,
                       [self = shared_from_this(), out, close](boost::system::error_code ec, std::size_t) {
                         self->on_write(ec, close, out->result_int());
                       });
  }

  void on_write(boost::system::error_code ec, bool close, unsigned status) {
    writing_ = false;
    disarm_write();
    if (!slots_.empty()) {
      const Slot& s = slots_.front();
      if (server_.observer_) {
        server_.observer_->on_request_complete(s.method, s.route, static_cast<int>(status), Clock::now() - s.start);
      }
      slots_.pop_front();
    }
    if (closing_) return;
    if (ec) return close_now();
    if (close) return lingering_close();
    if (stop_reading_ && slots_.empty() && phase_ != Phase::header && phase_ != Phase::body) {
      return lingering_close();
    }
    if (phase_ == Phase::idle && slots_.empty()) arm_read(opts_.idle_timeout);
    do_read();
    maybe_write();
  }

  // Half-close and discard unread input for a moment, so the kernel does not
  // reset the connection (and destroy our error response in flight) because
  // of request bytes we never read.
  void lingering_close() {
    closing_ = true;
    boost::system::error_code ec;
    socket_.cancel(ec);
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close_now();
    phase_ = Phase::linger;
    arm_read(std::min(kLingerTime, opts_.header_read_timeout));
    linger_read();
  }
  void linger_read() {
    socket_.async_read_some(net::buffer(linger_buf_),
                            [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                              if (self->closed_) return;
                              self->lingered_ += n;
                              if (ec || self->lingered_ > kLingerBytes) return self->close_now();
                              self->linger_read();
                            });
  }

  tcp::socket socket_;
  net::steady_timer deadline_timer_;
  Clock::time_point read_deadline_ = Clock::time_point::max();
  Clock::time_point write_deadline_ = Clock::time_point::max();
  Clock::time_point timer_expiry_{};
  bool timer_armed_ = false;
  Server::Impl& server_;
  const ServerOptions& opts_;
  beast::flat_buffer buffer_;
  std::optional<detail::RequestParser> parser_;
  std::deque<Slot> slots_;
  std::string remote_address_;
  std::uint16_t remote_port_ = 0;
  std::uint64_t next_seq_ = 0;
  std::size_t requests_ = 0;
  std::size_t lingered_ = 0;
  Phase phase_ = Phase::none;
  bool writing_ = false;
  bool stop_reading_ = false;
  bool draining_ = false;
  bool closing_ = false;                // no new work; linger or closed
  std::size_t owed_ = 0;                // asynchronous responses not yet delivered
  std::shared_ptr<Session> owed_hold_;  // self-reference while owed_ > 0
  bool closed_ = false;
  std::array<char, 4096> linger_buf_{};

  friend class Sink;
};

namespace {

// Delivers one response to a session's strand; counts the request in flight
// for its lifetime.
class Sink final : public detail::ResponseSink {
 public:
  Sink(std::weak_ptr<Session> session, std::shared_ptr<SharedState> state, std::uint64_t seq)
      : session_(std::move(session)), state_(std::move(state)), seq_(seq) {
    const auto n = ++state_->in_flight;
    if (state_->observer) state_->observer->on_in_flight_changed(n);
  }
  ~Sink() override {
    const auto n = --state_->in_flight;
    std::lock_guard lk(state_->mu);
    if (state_->alive && state_->observer) state_->observer->on_in_flight_changed(n);
  }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  void deliver(Response response) override {
    std::lock_guard lk(state_->mu);
    if (!state_->alive) return;
    auto s = session_.lock();
    if (!s) return;  // connection gone: nobody to answer
    net::post(s->executor(), [s, seq = seq_, r = std::move(response)]() mutable { s->on_response(seq, std::move(r)); });
  }

 private:
  std::weak_ptr<Session> session_;
  std::shared_ptr<SharedState> state_;
  std::uint64_t seq_;
};

}  // namespace

void Session::dispatch(std::uint64_t seq, Request req) {
  auto answer_now = [&](Response r) {
    slots_.back().response = std::move(r);  // the slot just pushed
  };
  if (server_.state_->in_flight.load() >= opts_.max_in_flight) {
    return answer_now(error_response(503, "overloaded", "too many requests in flight, retry later"));
  }
  auto m = server_.router_.match(req.method, req.path);
  if (m.outcome == Router::Outcome::not_found) {
    return answer_now(error_response(404, "not_found", "no route for " + req.path));
  }
  if (m.outcome == Router::Outcome::method_not_allowed) {
    auto r = error_response(405, "method_not_allowed", "method " + req.method + " not allowed on " + req.path);
    std::string allow;
    for (const auto& a : m.allowed) allow += (allow.empty() ? "" : ", ") + a;
    r.headers.set("Allow", allow);
    return answer_now(std::move(r));
  }
  slots_.back().route = std::string(m.pattern);
  req.route = std::string(m.pattern);
  req.path_params = std::move(m.params);
  owe_response();
  Responder responder(std::make_unique<Sink>(weak_from_this(), server_.state_, seq));
  try {
    (*m.handler)(std::move(req), std::move(responder));
  } catch (...) {
    // The Responder was moved into the handler's parameter and destroyed
    // during unwinding: it already answered 500.
  }
}

// ---- Responder ----

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    Responder old(std::move(*this));  // answers 500 if it was pending
    sink_ = std::move(other.sink_);
  }
  return *this;
}

Responder::~Responder() {
  if (sink_) {
    try {
      sink_->deliver(error_response(500, "internal_error", "the request handler did not produce a response"));
    } catch (...) {
      // allocation failure in a destructor: the connection's timeouts still bound it
    }
  }
}

void Responder::operator()(Response response) {
  if (!sink_) return;
  auto sink = std::move(sink_);
  sink->deliver(std::move(response));
}

// ---- Server::Impl ----

void Server::Impl::session_opened(Session* s, const std::shared_ptr<Session>& sp) {
  std::size_t n;
  {
    std::lock_guard lk(sessions_mu_);
    sessions_.emplace(s, sp);
    n = sessions_.size();
  }
  if (observer_) observer_->on_connections_changed(n);
}

void Server::Impl::session_closed(Session* s) {
  std::size_t n;
  {
    std::lock_guard lk(sessions_mu_);
    sessions_.erase(s);
    n = sessions_.size();
  }
  sessions_cv_.notify_all();
  if (observer_) observer_->on_connections_changed(n);
}

std::vector<std::shared_ptr<Session>> Server::Impl::snapshot() {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard lk(sessions_mu_);
  for (auto& [p, w] : sessions_) {
    if (auto s = w.lock()) out.push_back(std::move(s));
  }
  return out;
}

void Server::Impl::start() {
  std::lock_guard lk(lifecycle_mu_);
  if (started_) throw std::logic_error("caas::http::Server::start called twice");
  started_ = true;
  ioc_.emplace(static_cast<int>(options_.threads));
  work_.emplace(ioc_->get_executor());
  acceptor_.emplace(net::make_strand(*ioc_));
  accept_timer_.emplace(acceptor_->get_executor());
  try {
    const tcp::endpoint ep(net::ip::make_address(options_.address), options_.port);
    acceptor_->open(ep.protocol());
    acceptor_->set_option(net::socket_base::reuse_address(true));
    acceptor_->bind(ep);
    acceptor_->listen(net::socket_base::max_listen_connections);
  } catch (const boost::system::system_error& e) {
    // Callers should not need Boost to catch start-up errors.
    throw std::system_error(std::error_code(e.code()),
                            "cannot listen on " + options_.address + ":" + std::to_string(options_.port));
  }
  port_ = acceptor_->local_endpoint().port();
  do_accept();
  watched_.reserve(options_.watches.size());
  for (std::size_t i = 0; i < options_.watches.size(); ++i) {
    watched_.emplace_back(*ioc_, options_.watches[i].fd);
    // Readiness from before the watch began raises no edge: serve it now.
    net::post(*ioc_, [this, i] { serve_watch(i); });
  }
  threads_.reserve(options_.threads);
  for (unsigned i = 0; i < options_.threads; ++i) {
    threads_.emplace_back([this] {
      for (;;) {
        try {
          ioc_->run();
          return;
        } catch (...) {
          // A throwing handler must not kill the I/O thread; keep serving.
        }
      }
    });
  }
}

void Server::Impl::do_accept() {
  // A connection's handlers must not run concurrently: a strand each, unless
  // one thread runs everything anyway (then a strand only adds a lock and a
  // queue hop per handler).
  const net::any_io_executor executor = options_.threads == 1 ? net::any_io_executor(ioc_->get_executor())
                                                              : net::any_io_executor(net::make_strand(*ioc_));
  acceptor_->async_accept(executor, [this](boost::system::error_code ec, tcp::socket socket) {
    if (!acceptor_->is_open()) return;
    if (ec) {
      // Out of descriptors or similar: back off briefly instead of spinning.
      accept_timer_->expires_after(kAcceptRetry);
      accept_timer_->async_wait([this](boost::system::error_code e) {
        if (!e && acceptor_->is_open()) do_accept();
      });
      return;
    }
    if (connections() >= options_.max_connections) {
      boost::system::error_code ignored;
      socket.close(ignored);  // over the limit: refuse cheaply
    } else {
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto session = std::make_shared<Session>(std::move(socket), *this);
      session_opened(session.get(), session);
      session->start();
    }
    do_accept();
  });
}

void Server::Impl::serve_watch(std::size_t index) {
  try {
    options_.watches[index].on_readable();
  } catch (...) {
    // Keep watching: a lost wake-up would strand everything behind it.
  }
  watched_[index].async_wait(net::posix::stream_descriptor::wait_read, [this, index](boost::system::error_code ec) {
    if (!ec) serve_watch(index);  // else released at stop
  });
}

void Server::Impl::stop(std::chrono::milliseconds grace) {
  std::lock_guard lk(lifecycle_mu_);
  if (!started_ || stopped_) return;
  stopped_ = true;
  const auto deadline = Clock::now() + grace;

  // 1. Stop accepting.
  net::post(acceptor_->get_executor(), [this] {
    boost::system::error_code ec;
    acceptor_->close(ec);
    accept_timer_->cancel();
  });
  // 2. Close idle connections, let the others finish what they owe.
  for (auto& s : snapshot()) net::post(s->executor(), [s] { s->begin_drain(); });
  {
    std::unique_lock ul(sessions_mu_);
    sessions_cv_.wait_until(ul, deadline, [this] { return sessions_.empty(); });
  }
  // 3. Force-close the rest; late Responders become no-ops.
  for (auto& s : snapshot()) net::post(s->executor(), [s] { s->close_now(); });
  {
    std::unique_lock ul(sessions_mu_);
    sessions_cv_.wait_for(ul, std::chrono::milliseconds(500), [this] { return sessions_.empty(); });
  }
  {
    std::lock_guard slk(state_->mu);
    state_->alive = false;
  }
  work_.reset();
  ioc_->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  for (auto& w : watched_) (void)w.release();  // the caller closes its descriptors
  watched_.clear();
  accept_timer_.reset();
  acceptor_.reset();
  ioc_.reset();  // destroys pending handlers and the sessions they hold
}

// ---- Server ----

Server::Server(ServerOptions options, Router router, ServerObserver* observer)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router), observer)) {}
Server::~Server() = default;
void Server::start() {
  impl_->start();
}
void Server::stop(std::chrono::milliseconds grace) {
  impl_->stop(grace);
}
void Server::stop() {
  impl_->stop(impl_->options_.shutdown_grace);
}
std::uint16_t Server::port() const {
  return impl_->port_.load();
}
std::size_t Server::connections() const {
  return impl_->connections();
}
std::size_t Server::in_flight() const {
  return impl_->state_->in_flight.load();
}

}  // namespace caas::http
