#include <algorithm>

#include "caas/http/server.hpp"
#include "caas/http/url.hpp"

namespace caas::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool is_param(std::string_view seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

}  // namespace

Router& Router::add(std::string method, std::string pattern, Handler handler) {
  Route r;
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  for (auto seg : split_path(r.pattern)) r.segments.emplace_back(seg);
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
  return *this;
}

Router& Router::add_sync(std::string method, std::string pattern, SyncHandler handler) {
  return add(std::move(method), std::move(pattern),
             [h = std::move(handler)](Request&& req, Responder respond) { respond(h(req)); });
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  const auto segs = split_path(path);
  const Route* best = nullptr;
  std::vector<bool> best_literal;  // literal-ness per segment; lexicographically larger wins
  for (const auto& route : routes_) {
    if (route.segments.size() != segs.size()) continue;
    std::vector<bool> literal(segs.size());
    bool ok = true;
    for (std::size_t i = 0; i < segs.size() && ok; ++i) {
      if (is_param(route.segments[i])) {
        ok = !segs[i].empty();
      } else {
        literal[i] = true;
        ok = route.segments[i] == segs[i];
      }
    }
    if (!ok) continue;
    if (route.method != method) {
      if (std::find(m.allowed.begin(), m.allowed.end(), route.method) == m.allowed.end()) {
        m.allowed.push_back(route.method);
      }
      continue;
    }
    if (best == nullptr || literal > best_literal) {
      best = &route;
      best_literal = std::move(literal);
    }
  }
  if (best == nullptr) {
    m.outcome = m.allowed.empty() ? Outcome::not_found : Outcome::method_not_allowed;
    return m;
  }
  m.allowed.clear();
  m.outcome = Outcome::found;
  m.handler = &best->handler;
  m.pattern = best->pattern;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const auto& seg = best->segments[i];
    if (!is_param(seg)) continue;
    auto decoded = percent_decode(segs[i]);
    m.params.emplace_back(seg.substr(1, seg.size() - 2), decoded ? std::move(*decoded) : std::string(segs[i]));
  }
  return m;
}

}  // namespace caas::http
