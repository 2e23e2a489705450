// caas-ack-floor: the cheapest server that keeps the ingress's promise — a
// 200 only after Kafka acknowledged the record — on this machine.
//
// It reads a request (head + Content-Length body), sends one record shaped
// like the ingress's (same topic, the body's order_id as key, an envelope-
// sized value, four headers) through the same kafka::Producer with the same
// options as caas-webhook-ingress, and writes a canned 200 when the delivery
// report arrives. No HTTP parser beyond that, no signature check, no JSON, no
// metrics, no logs. What it reaches pinned to one core is the ceiling for any
// ingress in ingress-bench.sh's set-up: kernel, loopback TCP, librdkafka and
// the load generator's core. A benchmark reference only; it trusts its input
// (wrk) and is not an HTTP server for anything else.
//
// --http libs serves the same through libs/http (Beast + Asio, the server
// every service uses) instead of raw epoll: the floor of our HTTP layer.
//
// --batch-key vin is the floor of the telemetry path (a batch webhook, one
// record per reading): one record per occurrence of "vin":"…" in the body,
// keyed by that VIN, its value the reading's slice of the body padded to
// --value-bytes; the 200 goes out when the last of them is acknowledged.
//
//   caas-ack-floor --bootstrap HOST:PORT [--http epoll|libs] [--port 18081]
//                  [--linger-us 200] [--topic caas.ingress.factory-status.v1]
//                  [--value-bytes 677] [--batch-key vin]
//                  [--path /api/v1/webhooks/factory/status]   (libs only)
#include <caas/http/server.hpp>
#include <caas/kafka/producer.hpp>

#include <signal.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

constexpr std::string_view kResponse =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 85\r\n\r\n"
    R"({"received":true,"order_id":"FAC-000000000000","processed_at":"2026-11-23T01:00:00Z"})";
constexpr std::string_view kUnavailable = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
// A connection that sends more than this without completing a request is cut.
constexpr std::size_t kMaxBufferedBytes = 1 << 20;

struct Options {
  std::string bootstrap;
  bool libs_http = false;  // --http libs
  std::uint16_t port = 18081;
  std::chrono::microseconds linger{200};  // the ingress's default
  std::string topic = "caas.ingress.factory-status.v1";
  std::size_t value_bytes = 677;  // an ingress envelope around a ~190-byte body
  std::string batch_key;          // empty: one record per request
  std::string path = "/api/v1/webhooks/factory/status";
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category());
  }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&&) = delete;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

struct Connection {
  Fd fd;
  std::uint64_t generation;
  std::string input;
  std::string output;            // what the socket did not take yet
  bool watching_output = false;  // EPOLLOUT registered while output waits
};

// The body's "order_id" value, or the whole body when there is none.
std::string_view record_key(std::string_view body) {
  constexpr std::string_view kField = R"("order_id":")";
  const auto at = body.find(kField);
  if (at == std::string_view::npos) return body;
  const auto start = at + kField.size();
  const auto end = body.find('"', start);
  return end == std::string_view::npos ? body : body.substr(start, end - start);
}

// Content-Length of a request head as wrk writes it; 0 when absent.
std::size_t content_length(std::string_view head) {
  for (std::string_view name : {"\r\nContent-Length:", "\r\ncontent-length:"}) {
    auto at = head.find(name);
    if (at == std::string_view::npos) continue;
    at += name.size();
    while (at < head.size() && head[at] == ' ') ++at;
    std::size_t n = 0;
    std::from_chars(head.data() + at, head.data() + head.size(), n);
    return n;
  }
  return 0;
}

caas::kafka::Record make_record(const Options& options, std::string_view body) {
  caas::kafka::Record record;
  record.topic = options.topic;
  record.key = std::string(record_key(body));
  record.value.assign(std::max(options.value_bytes, body.size()), ' ');
  record.value.replace(0, body.size(), body);
  record.headers = {{"ce_type", "ingress.factory-status"},
                    {"ce_id", "0459db75-4eb8-53ec-8d3a-b708bdccdcd7"},
                    {"correlationid", "dbbbe24f-7889-4bc4-85a6-4ceae3e23873"},
                    {"ingress.source", "factory"}};
  return record;
}

// The records of one request: one, or one per item of a batch (--batch-key).
std::vector<caas::kafka::Record> make_records(const Options& options, std::string_view body) {
  std::vector<caas::kafka::Record> records;
  if (options.batch_key.empty()) {
    records.push_back(make_record(options, body));
    return records;
  }
  const std::string field = "\"" + options.batch_key + "\":\"";
  std::size_t at = body.find(field);
  while (at != std::string_view::npos) {
    const auto next = body.find(field, at + field.size());
    const auto slice = body.substr(at, next == std::string_view::npos ? body.size() - at : next - at);
    const auto key_start = field.size();
    const auto key_end = slice.find('"', key_start);
    auto record = make_record(options, slice);
    record.key = std::string(slice.substr(key_start, key_end == std::string_view::npos ? 0 : key_end - key_start));
    records.push_back(std::move(record));
    at = next;
  }
  if (records.empty()) records.push_back(make_record(options, body));
  return records;
}

// Counts a request's acknowledgements; the last one answers.
struct Pending {
  std::size_t left;
  bool failed = false;
  bool settle(bool error) {
    failed = failed || error;
    return --left == 0;
  }
};

caas::kafka::ClientConfig client_config(const Options& options) {
  caas::kafka::ClientConfig c;
  c.bootstrap = options.bootstrap;
  return c;
}

// The ingress's producer settings (services/webhook-ingress): idempotent,
// acks=all, its linger, acknowledgements served on the event loop,
// librdkafka's threads SCHED_BATCH.
caas::kafka::ProducerOptions producer_options(const Options& options) {
  caas::kafka::ProducerOptions o;
  o.linger = options.linger;
  o.serve_on_event_loop = true;
  o.batch_scheduled_threads = true;
  return o;
}

// Raw epoll, one thread.
class FloorServer {
 public:
  explicit FloorServer(const Options& options)
      : options_(options),
        epoll_(::epoll_create1(EPOLL_CLOEXEC)),
        listener_(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)),
        producer_(client_config(options), producer_options(options)) {
    producer_.warm_up({options_.topic});
    const int on = 1;
    ::setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(options_.port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_.get(), SOMAXCONN) != 0) {
      throw std::system_error(errno, std::generic_category(), "listen on 127.0.0.1:" + std::to_string(options_.port));
    }
    watch(listener_.get(), EPOLLIN);
    watch(producer_.delivery_event_fd(), EPOLLIN);
  }

  [[noreturn]] void run() {
    std::array<epoll_event, 256> events{};
    for (;;) {
      const int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), -1);
      for (int i = 0; i < n; ++i) {
        const int fd = events[static_cast<std::size_t>(i)].data.fd;
        if (fd == listener_.get()) {
          accept_all();
        } else if (fd == producer_.delivery_event_fd()) {
          producer_.serve_deliveries();
        } else {
          serve(fd, events[static_cast<std::size_t>(i)].events);
        }
      }
    }
  }

 private:
  void watch(int fd, std::uint32_t events, int op = EPOLL_CTL_ADD) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), op, fd, &event) != 0) throw std::system_error(errno, std::generic_category());
  }

  void accept_all() {
    for (;;) {
      const int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      const int on = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
      // A descriptor number is reused only after close(), which erases its
      // entry: the slot is free.
      connections_.emplace(fd, Connection{Fd(fd), ++generations_, {}, {}, false});
      watch(fd, EPOLLIN);
    }
  }

  void serve(int fd, std::uint32_t events) {
    auto it = connections_.find(fd);
    if (it == connections_.end()) return;
    Connection& c = it->second;
    if ((events & EPOLLOUT) != 0 && !flush(c)) return close(fd);
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0) return;
    std::array<char, 16384> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init): recv fills it
    const auto n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN) ||
        c.input.size() + static_cast<std::size_t>(std::max<ssize_t>(n, 0)) > kMaxBufferedBytes) {
      return close(fd);
    }
    if (n < 0) return;
    c.input.append(buffer.data(), static_cast<std::size_t>(n));
    while (produce_next_request(c)) {
    }
  }

  // Sends the record of the first complete request in c.input; false when
  // there is none yet.
  bool produce_next_request(Connection& c) {
    const auto head_end = c.input.find("\r\n\r\n");
    if (head_end == std::string::npos) return false;
    const std::size_t length = content_length(std::string_view(c.input).substr(0, head_end + 2));
    const std::size_t total = head_end + 4 + length;
    if (c.input.size() < total) return false;
    const std::string_view body = std::string_view(c.input).substr(head_end + 4, length);

    auto records = make_records(options_, body);
    const int fd = c.fd.get();
    const auto generation = c.generation;
    auto pending = std::make_shared<Pending>(Pending{records.size()});
    for (std::size_t i = 0; i < records.size(); ++i) {
      const auto status = producer_.send(std::move(records[i]),
                                         [this, fd, generation, pending](const caas::kafka::DeliveryReport& report) {
                                           if (report.error)
                                             std::fprintf(stderr, "delivery failed: %s\n", report.message.c_str());
                                           if (pending->settle(static_cast<bool>(report.error))) {
                                             answer(fd, generation, pending->failed ? kUnavailable : kResponse);
                                           }
                                         });
      if (status != caas::kafka::SendStatus::queued) {
        // The rest is not sent; the reports already queued settle the others.
        pending->failed = true;
        if (pending->left - (records.size() - i) == 0) answer(fd, generation, kUnavailable);
        pending->left -= records.size() - i;
        break;
      }
    }
    c.input.erase(0, total);
    return true;
  }

  void answer(int fd, std::uint64_t generation, std::string_view response) {
    auto it = connections_.find(fd);
    if (it == connections_.end() || it->second.generation != generation) return;  // closed meanwhile
    Connection& c = it->second;
    c.output.append(response);
    if (!flush(c)) close(fd);
  }

  // Writes what it can of c.output; watches for EPOLLOUT only while some is
  // left. False when the connection is broken.
  bool flush(Connection& c) {
    while (!c.output.empty()) {
      const auto n = ::send(c.fd.get(), c.output.data(), c.output.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EAGAIN) {
        if (!c.watching_output) watch(c.fd.get(), EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
        c.watching_output = true;
        return true;
      }
      if (n < 0) return false;
      c.output.erase(0, static_cast<std::size_t>(n));
    }
    if (c.watching_output) watch(c.fd.get(), EPOLLIN, EPOLL_CTL_MOD);
    c.watching_output = false;
    return true;
  }

  void close(int fd) { connections_.erase(fd); }  // the Fd closes it, which leaves the epoll set

  const Options& options_;
  std::unordered_map<int, Connection> connections_;
  std::uint64_t generations_ = 0;
  Fd epoll_;
  Fd listener_;
  // Last: destroyed first, so the callbacks its flush runs still find the
  // connections.
  caas::kafka::Producer producer_;
};

// libs/http (Beast + Asio) with one I/O thread, as the ingress runs it.
class LibsHttpFloor {
 public:
  explicit LibsHttpFloor(const Options& options)
      : options_(options), producer_(client_config(options), producer_options(options)) {
    producer_.warm_up({options_.topic});
    caas::http::ServerOptions server_options;
    server_options.address = "127.0.0.1";
    server_options.port = options_.port;
    caas::kafka::Producer* acks = &producer_;
    server_options.watches.push_back({acks->delivery_event_fd(), [acks] { acks->serve_deliveries(); }});
    caas::http::Router router;
    router.add("POST", options_.path, [this](caas::http::Request&& request, caas::http::Responder respond) {
      auto shared = std::make_shared<caas::http::Responder>(std::move(respond));
      auto records = make_records(options_, request.body);
      auto pending = std::make_shared<Pending>(Pending{records.size()});
      for (std::size_t i = 0; i < records.size(); ++i) {
        const auto status =
            producer_.send(std::move(records[i]), [shared, pending](const caas::kafka::DeliveryReport& report) {
              if (pending->settle(static_cast<bool>(report.error))) {
                (*shared)(pending->failed ? caas::http::Response::empty(503) : ok_response());
              }
            });
        if (status != caas::kafka::SendStatus::queued) {
          pending->failed = true;
          if (pending->left - (records.size() - i) == 0) (*shared)(caas::http::Response::empty(503));
          pending->left -= records.size() - i;
          break;
        }
      }
    });
    server_.emplace(std::move(server_options), std::move(router));
    server_->start();
  }

 private:
  static caas::http::Response ok_response() {
    const auto body_at = kResponse.find("\r\n\r\n") + 4;
    return caas::http::Response::json(200, std::string(kResponse.substr(body_at)));
  }

  const Options& options_;
  caas::kafka::Producer producer_;
  std::optional<caas::http::Server> server_;  // destroyed first: no request outlives the producer
};

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--bootstrap") {
      o.bootstrap = value;
    } else if (flag == "--http") {
      if (value != "epoll" && value != "libs") throw std::invalid_argument("--http takes epoll or libs");
      o.libs_http = value == "libs";
    } else if (flag == "--port") {
      o.port = static_cast<std::uint16_t>(std::stoul(value));
    } else if (flag == "--linger-us") {
      o.linger = std::chrono::microseconds(std::stol(value));
    } else if (flag == "--topic") {
      o.topic = value;
    } else if (flag == "--value-bytes") {
      o.value_bytes = std::stoul(value);
    } else if (flag == "--batch-key") {
      o.batch_key = value;
    } else if (flag == "--path") {
      o.path = value;
    } else {
      throw std::invalid_argument("unknown option " + std::string(flag));
    }
  }
  if (argc % 2 == 0) throw std::invalid_argument("every option takes a value");
  if (o.bootstrap.empty()) throw std::invalid_argument("--bootstrap HOST:PORT is required");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = parse_options(argc, argv);
    if (options.libs_http) {
      // SIGTERM/SIGINT are taken by sigwait below, not by a thread of the server.
      sigset_t stop_signals;
      sigemptyset(&stop_signals);
      sigaddset(&stop_signals, SIGTERM);
      sigaddset(&stop_signals, SIGINT);
      pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
      LibsHttpFloor server(options);
      std::fprintf(stderr, "caas-ack-floor (libs/http) listening on 127.0.0.1:%u\n", options.port);
      int signal = 0;
      sigwait(&stop_signals, &signal);
      return 0;
    }
    FloorServer server(options);
    std::fprintf(stderr, "caas-ack-floor (epoll) listening on 127.0.0.1:%u\n", options.port);
    server.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "caas-ack-floor: %s\n", e.what());
    return 2;
  }
}
