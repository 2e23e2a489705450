#include "caas/http/client.hpp"

#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "caas/core/error_category.hpp"
#include "caas/http/url.hpp"

namespace caas::http {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

std::string_view describe(ClientErrc e) noexcept {
  switch (e) {
    case ClientErrc::timeout:
      return "timeout";
    case ClientErrc::connect_failed:
      return "connect failed";
    case ClientErrc::connection_closed:
      return "connection closed";
    case ClientErrc::bad_response:
      return "bad response";
    case ClientErrc::tls_error:
      return "TLS error";
    case ClientErrc::invalid_url:
      return "invalid URL";
    case ClientErrc::body_too_large:
      return "response body too large";
    case ClientErrc::shutting_down:
      return "client shutting down";
  }
  return "unknown";
}

Error make_error(ClientErrc code, std::string message) {
  return Error{make_error_code(code), std::move(message)};
}

bool idempotent(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "PUT" || m == "DELETE" || m == "OPTIONS";
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// One connection: plain or TLS over TCP.
struct Conn {
  std::optional<tcp::socket> plain;
  std::optional<ssl::stream<tcp::socket>> tls;
  Clock::time_point idle_since;

  tcp::socket& socket() { return tls ? tls->next_layer() : *plain; }

  // A pooled connection the peer closed (or that has stray bytes) is useless.
  bool still_usable() {
    auto& s = socket();
    if (!s.is_open()) return false;
    boost::system::error_code ec, ignored;
    s.non_blocking(true, ec);
    if (ec) return false;
    char c;
    s.receive(net::buffer(&c, 1), tcp::socket::message_peek, ec);
    s.non_blocking(false, ignored);
    return ec == net::error::would_block;
  }
  void close() {
    boost::system::error_code ec;
    socket().shutdown(tcp::socket::shutdown_both, ec);
    socket().close(ec);
  }
};

}  // namespace

const std::error_category& client_category() {
  static const ErrorCategory<ClientErrc> category("caas.http.client", describe);
  return category;
}

std::error_code make_error_code(ClientErrc e) {
  return {static_cast<int>(e), client_category()};
}

class HttpClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  explicit Impl(ClientOptions options) : options_(std::move(options)), ssl_ctx_(ssl::context::tls_client) {
    ssl_ctx_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3);
    if (options_.tls_verify) {
      ssl_ctx_.set_verify_mode(ssl::verify_peer);
      if (options_.ca_file.empty()) {
        ssl_ctx_.set_default_verify_paths();
      } else {
        ssl_ctx_.load_verify_file(options_.ca_file);  // throws: a bad CA file is a start-up error
      }
    } else {
      ssl_ctx_.set_verify_mode(ssl::verify_none);
    }
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
    net::post(ioc_, [this] {
      std::lock_guard lk(pool_mu_);
      pool_.clear();
    });
    work_.reset();
    ioc_.stop();
    thread_.join();
    std::lock_guard lk(pool_mu_);
    pool_.clear();
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void start(ClientRequest request, std::function<void(Result<Response>)> done,
             std::optional<std::chrono::milliseconds> timeout);

  std::size_t idle_connections() const {
    std::lock_guard lk(pool_mu_);
    std::size_t n = 0;
    for (const auto& [k, v] : pool_) n += v.size();
    return n;
  }

  std::unique_ptr<Conn> take_idle(const std::string& key) {
    std::lock_guard lk(pool_mu_);
    auto it = pool_.find(key);
    if (it == pool_.end()) return nullptr;
    auto& q = it->second;
    const auto now = Clock::now();
    while (!q.empty()) {
      auto c = std::move(q.back());
      q.pop_back();
      if (now - c->idle_since < options_.max_idle_time && c->still_usable()) return c;
      c->close();
    }
    return nullptr;
  }

  void put_idle(const std::string& key, std::unique_ptr<Conn> c) {
    std::lock_guard lk(pool_mu_);
    auto& q = pool_[key];
    if (q.size() >= options_.max_idle_per_host) {
      c->close();
      return;
    }
    c->idle_since = Clock::now();
    q.push_back(std::move(c));
  }

  const ClientOptions options_;
  net::io_context ioc_{1};
  ssl::context ssl_ctx_;

 private:
  net::executor_work_guard<net::io_context::executor_type> work_{ioc_.get_executor()};
  mutable std::mutex pool_mu_;
  std::unordered_map<std::string, std::deque<std::unique_ptr<Conn>>> pool_;
  std::thread thread_;
};

namespace {

// One request from resolve to response. Lives in the client's io_context;
// `done` runs exactly once (with shutting_down if the client dies first).
class Op : public std::enable_shared_from_this<Op> {
 public:
  Op(HttpClient::Impl& client, Url url, ClientRequest request, std::function<void(Result<Response>)> done,
     Clock::time_point deadline)
      : client_(client),
        url_(std::move(url)),
        request_(std::move(request)),
        done_(std::move(done)),
        deadline_(deadline),
        resolver_(client.ioc_),
        deadline_timer_(client.ioc_),
        connect_timer_(client.ioc_) {
    key_ = url_.scheme + "://" + url_.host + ":" + std::to_string(url_.port);
  }
  ~Op() {
    if (done_) done_(make_error(ClientErrc::shutting_down, "HTTP client destroyed before the response"));
  }
  Op(const Op&) = delete;
  Op& operator=(const Op&) = delete;

  void run() {
    deadline_timer_.expires_at(deadline_);
    deadline_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->finished_) return;
      self->timed_out_ = true;
      self->abort_io();
    });
    acquire();
  }

 private:
  void acquire() {
    conn_ = client_.take_idle(key_);
    if (conn_) {
      reused_ = true;
      return send();
    }
    reused_ = false;
    connect();
  }

  void abort_io() {
    resolver_.cancel();
    if (conn_) conn_->close();
  }

  void connect() {
    conn_ = std::make_unique<Conn>();
    if (url_.tls()) {
      conn_->tls.emplace(client_.ioc_, client_.ssl_ctx_);
      if (!is_ip_literal(url_.host) && !SSL_set_tlsext_host_name(conn_->tls->native_handle(), url_.host.c_str())) {
        return fail(ClientErrc::tls_error, "cannot set SNI host name");
      }
      if (client_.options_.tls_verify) conn_->tls->set_verify_callback(ssl::host_name_verification(url_.host));
    } else {
      conn_->plain.emplace(client_.ioc_);
    }
    connect_timer_.expires_at(std::min(deadline_, Clock::now() + client_.options_.connect_timeout));
    connect_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->finished_ || self->connected_) return;
      self->connect_timed_out_ = true;
      self->abort_io();
    });
    resolver_.async_resolve(url_.host, std::to_string(url_.port),
                            [self = shared_from_this()](boost::system::error_code ec, tcp::resolver::results_type r) {
                              self->on_resolve(ec, std::move(r));
                            });
  }

  void on_resolve(boost::system::error_code ec, const tcp::resolver::results_type& results) {
    if (finished_) return;
    if (ec) return connect_error("resolve " + url_.host + ": " + ec.message());
    net::async_connect(
        conn_->socket(), results,
        [self = shared_from_this()](boost::system::error_code e, const tcp::endpoint&) { self->on_connect(e); });
  }

  void on_connect(boost::system::error_code ec) {
    if (finished_) return;
    if (ec) return connect_error("connect " + key_ + ": " + ec.message());
    boost::system::error_code ignored;
    conn_->socket().set_option(tcp::no_delay(true), ignored);
    if (!conn_->tls) {
      connected_ = true;
      connect_timer_.cancel();
      return send();
    }
    conn_->tls->async_handshake(ssl::stream_base::client, [self = shared_from_this()](boost::system::error_code e) {
      if (self->finished_) return;
      self->connected_ = true;
      self->connect_timer_.cancel();
      if (e) {
        if (self->timed_out_ || self->connect_timed_out_) return self->connect_error("TLS handshake timed out");
        return self->fail(ClientErrc::tls_error, "TLS handshake with " + self->url_.host + ": " + e.message());
      }
      self->send();
    });
  }

  void connect_error(const std::string& what) {
    if (timed_out_) return fail(ClientErrc::timeout, "request deadline passed while connecting to " + key_);
    if (connect_timed_out_) return fail(ClientErrc::connect_failed, "connect to " + key_ + " timed out");
    fail(ClientErrc::connect_failed, what);
  }

  void send() {
    msg_ = {};
    msg_.method_string(request_.method);
    msg_.target(url_.target);
    msg_.version(11);
    for (const auto& [n, v] : request_.headers) msg_.insert(n, v);
    if (msg_.count(bhttp::field::host) == 0) msg_.set(bhttp::field::host, url_.host_header());
    if (msg_.count(bhttp::field::user_agent) == 0) msg_.set(bhttp::field::user_agent, client_.options_.user_agent);
    msg_.body() = request_.body;
    msg_.keep_alive(true);
    msg_.prepare_payload();
    parser_.emplace();
    parser_->body_limit(client_.options_.max_response_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(client_.options_.max_response_header_bytes));
    if (request_.method == "HEAD") parser_->skip(true);
    buffer_.clear();
    auto on_written = [self = shared_from_this()](boost::system::error_code ec, std::size_t) { self->on_write(ec); };
    if (conn_->tls) {
      bhttp::async_write(*conn_->tls, msg_, std::move(on_written));
    } else {
      bhttp::async_write(*conn_->plain, msg_, std::move(on_written));
    }
  }

  void on_write(boost::system::error_code ec) {
    if (finished_) return;
    if (ec) return io_error(ec, "writing the request");
    auto on_read = [self = shared_from_this()](boost::system::error_code e, std::size_t) { self->on_read(e); };
    if (conn_->tls) {
      bhttp::async_read(*conn_->tls, buffer_, *parser_, std::move(on_read));
    } else {
      bhttp::async_read(*conn_->plain, buffer_, *parser_, std::move(on_read));
    }
  }

  void on_read(boost::system::error_code ec) {
    if (finished_) return;
    if (ec) return io_error(ec, "reading the response");
    auto& res = parser_->get();
    Response out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) out.headers.add(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    const bool reusable = res.keep_alive() && !res.need_eof() && buffer_.size() == 0;
    finished_ = true;
    deadline_timer_.cancel();
    if (reusable) {
      client_.put_idle(key_, std::move(conn_));
    } else {
      conn_->close();
    }
    complete(std::move(out));
  }

  void io_error(boost::system::error_code ec, const char* during) {
    if (timed_out_) return fail(ClientErrc::timeout, std::string("request deadline passed while ") + during);
    if (ec == bhttp::error::body_limit) {
      return fail(ClientErrc::body_too_large,
                  "response body exceeds " + std::to_string(client_.options_.max_response_body_bytes) + " bytes");
    }
    const bool closed = ec == net::error::eof || ec == bhttp::error::end_of_stream ||
                        ec == net::error::connection_reset || ec == net::error::broken_pipe ||
                        ec == bhttp::error::partial_message || ec == ssl::error::stream_truncated;
    // The classic keep-alive race: the server closed the idle connection as
    // we reused it. Nothing was processed, so an idempotent call is retried.
    if (closed && reused_ && !retried_ && !parser_->got_some() && idempotent(request_.method)) {
      retried_ = true;
      conn_->close();
      conn_.reset();
      reused_ = false;
      return connect();
    }
    if (closed) return fail(ClientErrc::connection_closed, std::string("connection closed while ") + during);
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
      return fail(ClientErrc::bad_response, "malformed response: " + ec.message());
    }
    if (ec.category() == net::error::get_ssl_category() || ec.category() == ssl::error::get_stream_category()) {
      return fail(ClientErrc::tls_error, std::string("TLS failure while ") + during + ": " + ec.message());
    }
    fail(ClientErrc::connection_closed, std::string(during) + ": " + ec.message());
  }

  void fail(ClientErrc code, std::string message) {
    finished_ = true;
    deadline_timer_.cancel();
    connect_timer_.cancel();
    resolver_.cancel();
    if (conn_) conn_->close();
    complete(make_error(code, std::move(message)));
  }

  void complete(Result<Response> r) {
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(r));
  }

  HttpClient::Impl& client_;
  Url url_;
  ClientRequest request_;
  std::function<void(Result<Response>)> done_;
  Clock::time_point deadline_;
  std::string key_;
  tcp::resolver resolver_;
  net::steady_timer deadline_timer_;
  net::steady_timer connect_timer_;
  std::unique_ptr<Conn> conn_;
  bhttp::request<bhttp::string_body> msg_;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
  beast::flat_buffer buffer_;
  bool finished_ = false;
  bool timed_out_ = false;
  bool connect_timed_out_ = false;
  bool connected_ = false;
  bool reused_ = false;
  bool retried_ = false;
};

}  // namespace

void HttpClient::Impl::start(ClientRequest request, std::function<void(Result<Response>)> done,
                             std::optional<std::chrono::milliseconds> timeout) {
  auto url = parse_url(request.url);
  if (!url) {
    // Still complete on the I/O thread, as documented for the callback form.
    net::post(ioc_, [done = std::move(done), error = url.error()] { done(error); });
    return;
  }
  const auto deadline = Clock::now() + timeout.value_or(options_.request_timeout);
  auto op = std::make_shared<Op>(*this, std::move(url).value(), std::move(request), std::move(done), deadline);
  net::post(ioc_, [op] { op->run(); });
}

HttpClient::HttpClient(ClientOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}
HttpClient::~HttpClient() = default;

Result<Response> HttpClient::request(const ClientRequest& request, std::optional<std::chrono::milliseconds> timeout) {
  std::promise<Result<Response>> promise;
  auto future = promise.get_future();
  impl_->start(
      request, [&promise](Result<Response> r) { promise.set_value(std::move(r)); }, timeout);
  return future.get();
}

void HttpClient::async_request(ClientRequest request, std::function<void(Result<Response>)> done,
                               std::optional<std::chrono::milliseconds> timeout) {
  impl_->start(std::move(request), std::move(done), timeout);
}

std::size_t HttpClient::idle_connections() const {
  return impl_->idle_connections();
}

}  // namespace caas::http
