#pragma once
// Helpers shared by the end-to-end flow tests: concurrent API calls whose
// results the main thread checks (Catch2 assertions are not thread-safe),
// bounded waits for order states, progress lines.
#include <catch2/catch.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "eventually.hpp"
#include "platform.hpp"

namespace caas::e2e {

inline std::string to_string(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

inline std::string now_rfc3339() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// Runs body(i) for i in [0, n) on `workers` threads (the API calls of
/// different orders are independent; sequential calls would dominate the run).
template <class Body>
void parallel_for(int n, Body body, int workers = 8) {
  std::atomic<int> next{0};
  std::vector<std::future<void>> done;
  for (int w = 0; w < workers; ++w)
    done.push_back(std::async(std::launch::async, [&] {
      for (int i = next++; i < n; i = next++) body(i);
    }));
  for (auto& f : done) f.get();  // rethrows the first failure
}

/// One command per order, sent concurrently; Catch2 assertions are not
/// thread-safe, so the workers only collect and the caller checks.
inline std::vector<JsonResponse> post_each(const Api& api, int n, const std::function<std::string(int)>& path,
                                           const std::function<std::string(int)>& body) {
  std::vector<JsonResponse> out(static_cast<std::size_t>(n));
  parallel_for(n, [&](int i) { out[static_cast<std::size_t>(i)] = api.post(path(i), body(i)); });
  return out;
}

inline void require_all(const std::vector<JsonResponse>& responses, std::initializer_list<int> accepted,
                        const std::string& what) {
  for (std::size_t i = 0; i < responses.size(); ++i) {
    const auto& r = responses[i];
    INFO(what << " #" << i << ": " << r.status << " " << r.body << " " << r.error);
    REQUIRE(std::find(accepted.begin(), accepted.end(), r.status) != accepted.end());
  }
}

inline std::string state_of(const Api& api, const std::string& id) {
  return api.get("/api/v1/orders/" + id).str("state");
}

/// Waits until every order is in `state`; on timeout reports which are not.
inline void wait_all_in(const Api& api, const std::vector<std::string>& ids, const std::string& state,
                        std::chrono::milliseconds timeout) {
  std::map<std::string, std::string> stuck;
  const bool ok = caas::testing::eventually(
      [&] {
        stuck.clear();
        for (const auto& id : ids) {
          auto s = state_of(api, id);
          if (s != state) stuck[id] = s;
        }
        return stuck.empty();
      },
      timeout);
  if (!ok) {
    std::string report;
    for (auto& [id, s] : stuck) report += id + "=" + (s.empty() ? "?" : s) + " ";
    FAIL(stuck.size() << " orders not " << state << ": " << report);
  }
}

inline std::size_t count_in(const Api& api, const std::vector<std::string>& ids, const std::set<std::string>& states) {
  std::size_t n = 0;
  for (const auto& id : ids) n += states.count(state_of(api, id));
  return n;
}

/// path of one of each order's actions: "/api/v1/orders/<ids[i]>/<action>".
inline std::function<std::string(int)> order_action(const std::vector<std::string>& ids, std::string action) {
  return [&ids, action = std::move(action)](int i) {
    return "/api/v1/orders/" + ids[static_cast<std::size_t>(i)] + "/" + action;
  };
}

/// From ARRIVED_AT_DEALERSHIP to DELIVERED for every order: final payment,
/// registration (VIN and plate numbered from `numbering`, distinct per test)
/// and handover, each checked for every order before the next.
inline void deliver_all(const Api& api, const std::vector<std::string>& ids, int numbering) {
  using namespace std::chrono_literals;
  const int n = static_cast<int>(ids.size());
  require_all(post_each(api, n, order_action(ids, "final-payment"),
                        [](int i) {
                          return R"({"payment_reference":"FIN-)" + std::to_string(i) + R"(","paid_at":")" +
                                 now_rfc3339() + R"("})";
                        }),
              {200, 202}, "final payment");
  wait_all_in(api, ids, "READY_FOR_DELIVERY", 30s);
  require_all(post_each(api, n, order_action(ids, "registration"),
                        [numbering](int i) {
                          return R"({"vin":"VSSZZZ6JZ9R)" + std::to_string(100000 * numbering + i) +
                                 R"(","registration_plate":")" + std::to_string(1000 * numbering + i) +
                                 R"( LMN","registered_at":")" + now_rfc3339() + R"("})";
                        }),
              {200, 202}, "registration");
  wait_all_in(api, ids, "REGISTERED", 30s);
  require_all(post_each(api, n, order_action(ids, "handover"),
                        [](int) { return R"({"delivered_at":")" + now_rfc3339() + R"("})"; }),
              {200, 202}, "handover");
  wait_all_in(api, ids, "DELIVERED", 60s);
}

/// Progress lines on stdout, so a slow or stuck run shows where it spends its time.
class Phases {
 public:
  void operator()(const std::string& what) {
    const auto s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::printf("[%7.1fs] %s\n", s, what.c_str());
    std::fflush(stdout);
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace caas::e2e
